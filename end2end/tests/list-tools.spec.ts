// The key list as people coming from other consoles expect it: every value's size, pages back and
// forth in a size of one's choosing, every key of a page picked at once and counted, leases about
// to expire marked, a key that exists refused in words that say so, and the shortcut help out of
// the way.
import { test, expect, hydrated, uniquePrefix, KeyListPage, Page } from './fixtures';

async function put(request: any, key: string, value = 'v', ttl?: number): Promise<void> {
  const data = ttl ? { value, ttl } : { value };
  const response = await request.put(`/api/v1/keys/${encodeURIComponent(key)}`, { data });
  expect(response.status()).toBe(200);
}

function row(page: Page, key: string) {
  return page.getByTestId('key-list').locator('tbody tr').filter({ hasText: key });
}

test('every key shows its value size in the list and the tree, in key order', async ({ page, request }) => {
  const prefix = uniquePrefix('sizes');
  await put(request, `${prefix}small`, 'abc');
  await put(request, `${prefix}dir/big`, 'x'.repeat(2048));
  await page.goto(`/?prefix=${encodeURIComponent(prefix)}`);
  await expect(row(page, `${prefix}small`).locator('[data-column="size"]')).toHaveText('3 B');
  await expect(row(page, `${prefix}dir/big`).locator('[data-column="size"]')).toHaveText('2.0 KiB');

  await page.goto(`/?view=tree&prefix=${encodeURIComponent(prefix)}`);
  const entry = page.getByTestId('tree-entry').filter({ hasText: 'small' });
  await expect(entry.locator('[data-column="size"]')).toHaveText('3 B');
});

test('pages go back as well as forward, in the size chosen', async ({ page, request }) => {
  const prefix = uniquePrefix('paging');
  for (let i = 1; i <= 7; i++) await put(request, `${prefix}k${i}`);
  await page.goto(`/?prefix=${encodeURIComponent(prefix)}&limit=3`);
  await hydrated(page);
  const count = page.getByTestId('key-count');
  const pages = page.getByRole('navigation', { name: 'Pages' });
  await expect(count).toContainText('Keys 1–3 of 7');
  await expect(pages.getByRole('link', { name: '‹ Previous page' })).toHaveCount(0);

  await pages.getByRole('link', { name: 'Next page »' }).click();
  await expect(count).toContainText('Keys 4–6 of 7');
  await pages.getByRole('link', { name: 'Next page »' }).click();
  await expect(count).toContainText('Keys 7–7 of 7');
  await expect(pages.getByRole('link', { name: 'Next page »' })).toHaveCount(0);
  await pages.getByRole('link', { name: '‹ Previous page' }).click();
  await expect(count).toContainText('Keys 4–6 of 7');
  await expect(row(page, `${prefix}k4`)).toHaveCount(1);
  await expect(row(page, `${prefix}k6`)).toHaveCount(1);
  await pages.getByRole('link', { name: '‹ Previous page' }).click();
  await expect(count).toContainText('Keys 1–3 of 7');
  await expect(pages.getByRole('link', { name: '‹ Previous page' })).toHaveCount(0);

  // A page size applies as soon as it is chosen.
  await page.getByTestId('page-size').getByLabel('Keys a page').selectOption('25');
  await expect(page).toHaveURL(/limit=25/);
  await expect(count).toContainText('Keys 1–7 of 7');
  await expect(page.getByTestId('key-list').locator('tbody tr')).toHaveCount(7);
});

test('every key of a page is picked at once, and the picked keys are counted', async ({ page, request }) => {
  const prefix = uniquePrefix('pick-all');
  for (const name of ['a', 'b', 'c']) await put(request, `${prefix}${name}`);
  await page.goto(`/?prefix=${encodeURIComponent(prefix)}`);
  await hydrated(page);
  const all = page.getByTestId('pick-all');
  const act = page.getByTestId('act-on-picked');
  await expect(act).toHaveText('Act on the picked keys…');

  await all.check();
  await expect(page.getByTestId('pick')).toHaveCount(3);
  for (const pick of await page.getByTestId('pick').all()) await expect(pick).toBeChecked();
  await expect(act).toHaveText('Act on the 3 picked keys…');
  await row(page, `${prefix}b`).getByTestId('pick').uncheck();
  await expect(act).toHaveText('Act on the 2 picked keys…');
  await expect(all).not.toBeChecked();
  expect(await all.evaluate((box) => (box as HTMLInputElement).indeterminate)).toBe(true);

  await act.click();
  await expect(page).toHaveURL(/\/bulk\?/);
  await expect(page.getByTestId('bulk-summary')).toContainText('2 keys picked');
});

test('a lease about to expire is marked in the list', async ({ page, request }) => {
  const prefix = uniquePrefix('expiring');
  await put(request, `${prefix}soon`, 'v', 8);
  await put(request, `${prefix}later`, 'v', 600);
  await page.goto(`/?prefix=${encodeURIComponent(prefix)}`);
  const soon = row(page, `${prefix}soon`).getByTestId('lease-left');
  const later = row(page, `${prefix}later`).getByTestId('lease-left');
  await expect(soon).toHaveAttribute('data-expiring', '');
  await expect(later).not.toHaveAttribute('data-expiring');
  // Marked in words too, not by colour alone.
  const mark = await soon.evaluate((span) => getComputedStyle(span, '::after').content);
  expect(mark).toBe('" expiring"');
  // Revoked now, so that its expiry does not write a revision during a later test.
  const lease = await row(page, `${prefix}soon`).locator('.lease-id').textContent();
  expect((await request.delete(`/api/v1/leases/${lease}`)).status()).toBe(200);
});

test.describe('a key that exists', () => {
  test.use({ allowedHttpErrors: [412] });

  test('creating it again says it already exists', async ({ page }) => {
    const list = new KeyListPage(page);
    const prefix = await list.openFresh('exists');
    await list.createKey(`${prefix}twice`, 'one');
    await expect(list.notice).toContainText(`Created key ${prefix}twice`);
    await list.createKey(`${prefix}twice`, 'two');
    await expect(list.error).toContainText('Already exists');
    await expect(list.error).toContainText(`the key ${prefix}twice already exists`);
    await expect(list.error).not.toContainText('Changed meanwhile');
  });
});

for (const [width, height] of [[1280, 720], [390, 844]]) {
  test(`the shortcut help covers no button of the new-key form and closes by mouse (${width} px)`, async ({ page }) => {
    await page.setViewportSize({ width, height });
    const list = new KeyListPage(page);
    await list.openFresh('help');
    await list.openNewKey();
    await page.keyboard.press('?');
    const help = page.getByTestId('shortcuts');
    await expect(help).toBeVisible();
    const box = (await help.boundingBox())!;
    const button = (await list.create.boundingBox())!;
    const overlaps =
      box.x < button.x + button.width && button.x < box.x + box.width &&
      box.y < button.y + button.height && button.y < box.y + box.height;
    expect(overlaps, 'the help lies over the Create button').toBe(false);
    await help.getByRole('button', { name: 'Close' }).click();
    await expect(help).toBeHidden();
  });
}

test('a key shows beside the list without leaving it, in the flat list and the tree', async ({ page, request }) => {
  const prefix = uniquePrefix('preview');
  await put(request, `${prefix}config`, '{"replicas": 3}');
  await put(request, `${prefix}other`, 'plain text');
  await page.goto(`/?prefix=${encodeURIComponent(prefix)}`);
  await hydrated(page);
  await page.evaluate(() => ((window as any).sameDocument = true));
  const preview = page.getByTestId('key-preview');
  await expect(preview).toHaveCount(0);

  await row(page, `${prefix}config`).getByTestId('preview-link').click();
  await expect(preview.locator('h2.key-name')).toHaveText(`${prefix}config`);
  await expect(preview.getByTestId('value-encoding')).toHaveText('JSON, 15 B');
  await expect(preview.getByTestId('value')).toHaveText('{"replicas": 3}');
  await expect(page.getByTestId('key-list')).toBeVisible();
  await expect(page).toHaveURL(/open=/);

  await row(page, `${prefix}other`).getByTestId('preview-link').click();
  await expect(preview.locator('h2.key-name')).toHaveText(`${prefix}other`);
  await expect(preview.getByTestId('value')).toHaveText('plain text');
  await preview.getByTestId('preview-close').click();
  await expect(preview).toHaveCount(0);
  expect(await page.evaluate(() => (window as any).sameDocument === true), 'no full page load happened').toBe(true);

  await page.goto(`/?view=tree&prefix=${encodeURIComponent(prefix)}`);
  await hydrated(page);
  await page.getByTestId('tree-entry').filter({ hasText: 'config' }).getByTestId('preview-link').click();
  await expect(preview.locator('h2.key-name')).toHaveText(`${prefix}config`);
  await expect(page.getByTestId('tree-level')).toBeVisible();
  await preview.getByTestId('preview-open').click();
  await expect(page).toHaveURL(/\/key\//);
  await expect(page.getByTestId('key-name')).toHaveText(`${prefix}config`);
});

test('a folder of the tree opens in place, and a folder inside it too', async ({ page, request }) => {
  const prefix = uniquePrefix('expand');
  for (const key of ['x/1', 'x/2', 'x/deeper/3', 'y']) await put(request, `${prefix}${key}`);
  await page.goto(`/?view=tree&prefix=${encodeURIComponent(prefix)}`);
  await hydrated(page);
  const url = page.url();
  const entries = page.getByTestId('tree-entry');
  await expect(entries).toHaveCount(2);

  const folder = entries.filter({ hasText: 'x/' }).first();
  await folder.getByTestId('expand').click();
  await expect(folder.getByTestId('expand')).toHaveAttribute('aria-expanded', 'true');
  await expect(entries).toHaveCount(5);
  const inside = page.locator('tr[data-depth="1"][data-testid="tree-entry"]');
  await expect(inside).toHaveCount(3);
  await expect(inside.nth(0)).toContainText('1');
  await expect(inside.nth(2)).toContainText('deeper/');

  await inside.nth(2).getByTestId('expand').click();
  await expect(page.locator('tr[data-depth="2"][data-testid="tree-entry"]')).toContainText('3');
  expect(page.url()).toBe(url);

  await folder.getByTestId('expand').click();
  await expect(entries).toHaveCount(2);
});
