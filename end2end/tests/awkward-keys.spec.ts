// Keys that break naive URL handling, and keys that would be markup if rendered as HTML.
import { test, expect, hydrated, KeyListPage, KeyPage } from './fixtures';

test.describe('awkward keys', () => {
  test.use({ allowedHttpErrors: [404] });

test('a key with / % ? # space and unicode opens and deletes correctly', async ({ page }) => {
  const list = new KeyListPage(page);
  const prefix = await list.openFresh('awkward');
  const awkward = `${prefix}dir/100% sure?#frag ünïcødé 日本 🔑`;
  await list.createAndOpen(awkward, 'odd key');

  const key = new KeyPage(page);
  await expect(key.name).toHaveText(awkward);
  await expect(key.value).toHaveText('odd key');
  await page.reload();
  await expect(key.name).toHaveText(awkward);
  await expect(key.value).toHaveText('odd key');

  await hydrated(page);
  await key.delete();
  await expect(list.notice).toContainText(`Deleted key ${awkward}`);
  const response = await page.goto(`/key/${encodeURIComponent(awkward)}`);
  expect(response?.status()).toBe(404);
});

});

test('a key that looks like HTML renders as text', async ({ page }) => {
  const list = new KeyListPage(page);
  const prefix = await list.openFresh('xss');
  const markup = `${prefix}<img src=x onerror=alert(1)>`;
  await list.createKey(markup, '<script>alert(2)</script>');

  await expect(list.keyLink(markup)).toHaveText(markup);
  await list.keyLink(markup).click();
  const key = new KeyPage(page);
  await expect(key.name).toHaveText(markup);
  // Well-formed markup is shown as XML: laid out, as text.
  await expect(key.encoding).toContainText('XML');
  await expect(page.getByTestId('value-pretty')).toHaveText('<script>alert(2)</script>');
  await page.getByTestId('view-raw').click();
  await expect(key.value).toHaveText('<script>alert(2)</script>');
  await page.reload();
  await expect(key.name).toHaveText(markup);
  await expect(page.locator('img')).toHaveCount(0);
  await expect(page.locator('main script')).toHaveCount(0);
});

test.describe('a name in the head', () => {
  test.use({ allowedHttpErrors: [404] });

test("a key's name is its page's title as text, whatever markup it holds", async ({ page }) => {
  const markup = 'a</title><h1>INJECTED</h1><meta http-equiv="refresh" content="0;url=/sign-in">';
  // A key that is not there: any link can carry such a name.
  const response = await page.goto(`/key/${encodeURIComponent(markup)}`);
  expect(response?.status()).toBe(404);
  await expect(page).toHaveTitle(`${markup} · etcd-deck`);
  // The name is the page's heading, as text; no element of its markup exists.
  await expect(page.locator('h1').filter({ hasText: /^INJECTED$/ })).toHaveCount(0);
  await expect(page.locator('meta[http-equiv]')).toHaveCount(0);
  await hydrated(page);
  await expect(page).toHaveTitle(`${markup} · etcd-deck`);
  expect(new URL(page.url()).pathname).toMatch(/^\/key\//);
});

});

test('a binary value is shown as labelled hex', async ({ page }) => {
  const list = new KeyListPage(page);
  const prefix = await list.openFresh('binary');
  await list.openNewKey();
  await page.locator('details.new-key').getByLabel('Value format').selectOption('hex');
  await list.createAndOpen(`${prefix}blob`, 'de ad be ef ff 00');

  const key = new KeyPage(page);
  await expect(key.encoding).toContainText('Binary (not valid UTF-8), 6 B');
  await expect(page.getByTestId('value-hex')).toContainText('00000000  de ad be ef ff 00');
  await expect(page.getByTestId('value-hex')).toContainText('|......|');
  await expect(key.valueInput).toHaveValue('de ad be ef ff 00');
});
