// A key's history on its page: earlier versions, one compared with the value now, restored;
// and a restore refused when someone changed the key after it was shown.
import { test, expect, hydrated, KeyListPage, KeyPage } from './fixtures';

test('a key lists its versions, compares an old one with now and restores it', async ({ page }) => {
  const list = new KeyListPage(page);
  const prefix = await list.openFresh('history');
  await list.createAndOpen(`${prefix}config`, '{"replicas":1,"image":"app:1"}');
  const key = new KeyPage(page);
  await key.edit('{"replicas": 3, "image": "app:1"}');
  await expect(key.notice).toContainText('Saved at revision');

  await page.getByTestId('show-history').click();
  const history = page.getByTestId('history-table');
  await expect(history.getByRole('row')).toHaveCount(3);
  await expect(history.getByRole('row').nth(1)).toContainText('written');
  await expect(history.getByRole('row').nth(2)).toContainText('created');
  // The newest version is the value now: nothing to compare it with.
  await expect(history.getByRole('row').nth(1)).toContainText('the value now');
  await expect(history.getByRole('row').nth(1).getByRole('link', { name: 'Compare and restore' })).toHaveCount(0);

  await history.getByRole('row').nth(2).getByRole('link', { name: 'Compare and restore' }).click();
  const past = page.getByTestId('past-version');
  await expect(past.getByRole('heading', { name: /^Version 1 of revision/ })).toBeVisible();
  // The past version is read as the value now is: JSON, pretty.
  await expect(past.getByTestId('value-encoding')).toContainText('JSON');
  await expect(past.getByTestId('value-pretty')).toContainText('"replicas": 1');
  await expect(past.getByTestId('diff-summary')).toHaveText(
    '1 lines removed, 1 added; JSON, compared pretty-printed with keys in order.',
  );
  await expect(past.getByTestId('diff')).toContainText('-  "replicas": 1');
  await expect(past.getByTestId('diff')).toContainText('+  "replicas": 3');

  await past.getByRole('button', { name: 'Restore this version' }).click();
  await expect(key.notice).toContainText('Restored the version of revision');
  await expect(page.getByTestId('key-meta')).toContainText('Version3');
  await expect(history.getByRole('row')).toHaveCount(4);
});

test('an open key warns when someone else changes it, and shows what changed', async ({ page, request }) => {
  const list = new KeyListPage(page);
  const prefix = await list.openFresh('meanwhile');
  await list.createAndOpen(`${prefix}limits`, 'cpu: 1\nmemory: 1Gi');
  const key = new KeyPage(page);
  await expect(key.encoding).toContainText('YAML');
  await expect(page.getByTestId('value-pretty')).toContainText('memory: 1Gi');
  await key.valueInput.fill('cpu: 2\nmemory: 1Gi');

  const path = `/api/v1/keys/${encodeURIComponent(`${prefix}limits`)}`;
  expect((await request.put(path, { data: { value: 'cpu: 1\nmemory: 4Gi' } })).status()).toBe(200);
  const warning = page.getByTestId('changed-meanwhile');
  await expect(warning).toContainText('This key was changed by someone else at revision');
  await expect(warning).toContainText('now version 2');
  await expect(key.valueInput).toHaveValue('cpu: 2\nmemory: 1Gi');

  await warning.getByRole('link', { name: 'See what changed' }).click();
  const diff = page.getByTestId('past-version').getByTestId('diff');
  await expect(diff).toContainText('-memory: 1Gi');
  await expect(diff).toContainText('+memory: 4Gi');
});

test.describe('refused writes', () => {
  test.use({ allowedHttpErrors: [412] });

  test('a restore is refused when the key changed after it was shown', async ({ page, request }) => {
    const list = new KeyListPage(page);
    const prefix = await list.openFresh('restore-race');
    await list.createAndOpen(`${prefix}flag`, 'on');
    const key = new KeyPage(page);
    await key.edit('off');
    await expect(key.notice).toContainText('Saved');
    await page.getByTestId('show-history').click();
  const history = page.getByTestId('history-table');
    await history.getByRole('row').nth(2).getByRole('link', { name: 'Compare and restore' }).click();
    const past = page.getByTestId('past-version');
    await expect(past.getByTestId('diff')).toContainText('+off');

    const path = `/api/v1/keys/${encodeURIComponent(`${prefix}flag`)}`;
    expect((await request.put(path, { data: { value: 'theirs' } })).status()).toBe(200);

    await past.getByRole('button', { name: 'Restore this version' }).click();
    await expect(key.error).toContainText('was changed by someone else');
    await page.reload();
    await hydrated(page);
    await expect(page.getByTestId('past-version').getByTestId('diff')).toContainText('+theirs');
  });
});
