// The forms are plain HTML forms: they work before the wasm loads, or without JavaScript at all.
import { test, expect, uniquePrefix, KeyListPage, KeyPage } from './fixtures';

test.use({ javaScriptEnabled: false, allowedHttpErrors: [412] });

test('creating, editing and deleting work with JavaScript disabled', async ({ page }) => {
  const prefix = uniquePrefix('nojs');
  const list = new KeyListPage(page);
  await list.open(prefix);
  await list.createKey(`${prefix}plain`, 'posted');

  await expect(list.notice).toContainText(`Created key ${prefix}plain`);
  await expect(list.keyLink(`${prefix}plain`)).toBeVisible();

  await list.keyLink(`${prefix}plain`).click();
  const key = new KeyPage(page);
  await key.edit('posted again');
  await expect(key.notice).toContainText('Saved at revision');
  await expect(key.value).toHaveText('posted again');

  await key.delete();
  await expect(list.notice).toContainText(`Deleted key ${prefix}plain`);
  await expect(list.keyLink(`${prefix}plain`)).toHaveCount(0);
});

test('a failed form post shows its error with JavaScript disabled', async ({ page }) => {
  const prefix = uniquePrefix('nojs-error');
  const list = new KeyListPage(page);
  await list.open(prefix);
  await list.createKey(`${prefix}twice`, 'one');
  await list.createKey(`${prefix}twice`, 'two');
  await expect(list.error).toContainText('already exists');
});
