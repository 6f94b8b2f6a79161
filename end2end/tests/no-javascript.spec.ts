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

test('a conflicting save shows what is there now beside what was typed, and overwrites on request', async ({ page, request }) => {
  const key = `${uniquePrefix('nojs-conflict')}shared`;
  const api = `/api/v1/keys/${encodeURIComponent(key)}`;
  expect((await request.put(api, { data: { value: 'start' } })).ok()).toBe(true);
  await page.goto(`/key/${encodeURIComponent(key)}`);
  expect((await request.put(api, { data: { value: 'theirs' } })).ok()).toBe(true);

  const keyPage = new KeyPage(page);
  await keyPage.valueInput.fill('mine');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByTestId('conflict-base')).toHaveText('start');
  await expect(page.getByTestId('conflict-theirs')).toHaveText('theirs');
  await expect(page.getByTestId('conflict-yours')).toHaveText('mine');

  await page.getByTestId('overwrite').click();
  await expect(keyPage.notice).toContainText('Saved at revision');
  expect((await (await request.get(api)).json()).value).toBe('mine');
});
