// Creating, reading, editing and deleting keys through the hydrated UI.
import { readFileSync } from 'node:fs';
import { test, expect, hydrated, uniquePrefix, KeyListPage, KeyPage } from './fixtures';

test('a created key shows in the list without a reload', async ({ page }) => {
  const list = new KeyListPage(page);
  const prefix = await list.openFresh('create');
  // A full page load would drop this mark from the window.
  await page.evaluate(() => ((window as any).sameDocument = true));

  await list.createKey(`${prefix}greeting`, 'hello, etcd');

  await expect(list.notice).toContainText(`Created key ${prefix}greeting`);
  await expect(list.keyLink(`${prefix}greeting`)).toBeVisible();
  await expect(page.getByTestId('key-count')).toContainText('of 1 under');
  await expect(list.newKey).toHaveValue(prefix);
  const sameDocument = await page.evaluate(() => (window as any).sameDocument === true);
  expect(sameDocument, 'no full page load happened').toBe(true);
});

test('a key opens from the list and its value can be edited', async ({ page }) => {
  const list = new KeyListPage(page);
  const prefix = await list.openFresh('edit');
  await list.createAndOpen(`${prefix}config`, 'line one\nline two');

  const key = new KeyPage(page);
  await expect(key.name).toHaveText(`${prefix}config`);
  await expect(key.value).toHaveText('line one\nline two');
  await expect(key.encoding).toContainText('UTF-8 text, 17 B');

  await key.edit('line one\nline 2');
  await expect(key.notice).toContainText('Saved at revision');
  await expect(key.value).toHaveText('line one\nline 2');
  await expect(page.getByTestId('key-meta')).toContainText('Version2');
});

test('a key is deleted after confirming, and leaves the list', async ({ page }) => {
  const list = new KeyListPage(page);
  const prefix = await list.openFresh('delete');
  await list.createAndOpen(`${prefix}doomed`, 'bye');

  const key = new KeyPage(page);
  await expect(key.name).toHaveText(`${prefix}doomed`);
  await key.delete();

  await expect(list.notice).toContainText(`Deleted key ${prefix}doomed`);
  await expect(page).toHaveURL(new RegExp(`prefix=${encodeURIComponent(prefix)}`));
  await expect(list.keyLink(`${prefix}doomed`)).toHaveCount(0);
  await expect(page.getByTestId('key-count')).toContainText('0 under');
});

test.describe('refused writes', () => {
  test.use({ allowedHttpErrors: [404, 412] });

test('editing a value someone else changed is refused and keeps the typed text', async ({ page, browser }) => {
  const list = new KeyListPage(page);
  const prefix = await list.openFresh('conflict');
  await list.createAndOpen(`${prefix}shared`, 'v1');
  const key = new KeyPage(page);
  await expect(key.value).toHaveText('v1');

  const other = await browser.newPage();
  await other.goto(page.url());
  await hydrated(other);
  await new KeyPage(other).edit('theirs');
  await expect(new KeyPage(other).notice).toContainText('Saved');
  await other.close();

  await key.valueInput.fill('mine');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(key.error).toContainText('was changed by someone else');
  await expect(page.getByTestId('conflict-yours')).toHaveText('mine');
  await expect(page.getByTestId('conflict-theirs')).toHaveText('theirs');
  // Both changed the one line: the merge starts from it marked, yours first.
  await expect(key.valueInput).toHaveValue(/<<<<<<< ours[^]*mine[^]*theirs[^]*>>>>>>> theirs/);
});

test('a missing key is a 404 page', async ({ page }) => {
  const response = await page.goto('/key/no%2Fsuch%2Fkey');
  expect(response?.status()).toBe(404);
  await expect(new KeyPage(page).error).toContainText('key not found: no/such/key');
});
});

test('on a phone, a long key wraps at its separators, not after every character', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const list = new KeyListPage(page);
  const prefix = await list.openFresh('phone');
  const key = `${prefix}services/payments-api/10.0.0.7:8080/health-check`;
  await list.createKey(key, 'ok');
  const link = list.keyLink(key);
  await expect(link).toBeVisible();
  const box = (await link.boundingBox())!;
  const lineHeight = await link.evaluate((a) => parseFloat(getComputedStyle(a).lineHeight));
  const lines = Math.round(box.height / lineHeight);
  // Broken after every character, the link was one character wide and 60 lines tall; wrapped
  // at its separators, it takes a few lines of a readable width.
  expect(box.width).toBeGreaterThan(120);
  expect(lines).toBeGreaterThan(1);
  expect(lines).toBeLessThanOrEqual(8);
});

test("a key's name and value are copied, and its value downloaded as a file", async ({ page, context, request }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const key = `${uniquePrefix('tools')}settings.json`;
  const value = '{"theme": "dark", "size": 3}';
  expect((await request.put(`/api/v1/keys/${encodeURIComponent(key)}`, { data: { value } })).status()).toBe(200);
  await page.goto(`/key/${encodeURIComponent(key)}`);
  await hydrated(page);
  const tools = page.getByTestId('key-tools');

  await tools.getByRole('button', { name: 'Copy key' }).click();
  await expect(tools.getByRole('status').first()).toHaveText('Copied.');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
  await tools.getByRole('button', { name: 'Copy value' }).click();
  await expect(tools.getByRole('status').nth(1)).toHaveText('Copied.');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(value);

  const downloading = page.waitForEvent('download');
  await tools.getByTestId('download-value').click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('settings.json');
  expect(readFileSync(await download.path(), 'utf8')).toBe(value);
});

test('a value that is not text is downloaded, not copied', async ({ page, request }) => {
  const key = `${uniquePrefix('tools')}blob`;
  const bytes = Buffer.from([0x00, 0xff, 0x10, 0x80]);
  const path = `/api/v1/keys/${encodeURIComponent(Buffer.from(key).toString('base64'))}?encoding=base64`;
  expect((await request.put(path, { data: { value: bytes.toString('base64') } })).status()).toBe(200);
  await page.goto(`/key/${encodeURIComponent(key)}`);
  await hydrated(page);
  const tools = page.getByTestId('key-tools');
  await expect(tools.getByRole('button', { name: 'Copy value' })).toBeDisabled();
  const downloading = page.waitForEvent('download');
  await tools.getByTestId('download-value').click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('blob');
  expect(readFileSync(await download.path())).toEqual(bytes);
});
