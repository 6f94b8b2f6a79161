// Finding keys: the tree view, search (streamed once hydrated, plain without JavaScript), sorting
// a page, and the keyboard.
import { test, expect, hydrated, uniquePrefix } from './fixtures';
import type { APIRequestContext, Page } from '@playwright/test';

async function put(request: APIRequestContext, key: string, value = 'v'): Promise<void> {
  const response = await request.put(`/api/v1/keys/${encodeURIComponent(key)}`, { data: { value } });
  expect(response.status(), key).toBe(200);
}

/** The level's rows as "name count" (a key has no count), read until they match. */
function expectLevel(page: Page, rows: string[]): Promise<void> {
  const read = () =>
    page.getByTestId('tree-entry').evaluateAll((trs) =>
      trs.map((tr) =>
        Array.from(tr.querySelectorAll('td'))
          .slice(0, 2)
          .map((td) => (td.textContent ?? '').trim())
          .join(' ')
          .trim(),
      ),
    );
  return expect.poll(read).toEqual(rows);
}

const treeUrl = (prefix: string) => `/?view=tree&prefix=${encodeURIComponent(prefix)}`;

test('the tree shows folders with their counts and keys, and moves between levels', async ({ page, request }) => {
  const prefix = uniquePrefix('tree');
  for (const key of ['a/1', 'a/2', 'b/x/1', 'top']) {
    await put(request, `${prefix}${key}`);
  }
  await page.goto(treeUrl(prefix));
  await hydrated(page);
  const entries = page.getByTestId('tree-entry');
  await expectLevel(page, ['a/ 2', 'b/ 1', 'top']);

  await entries.filter({ hasText: 'a/' }).getByRole('link').click();
  await expect(page).toHaveURL(new RegExp(`view=tree&prefix=${encodeURIComponent(`${prefix}a/`)}`));
  await expectLevel(page, ['1', '2']);

  // The flat list of the same prefix is one link away, and back.
  await page.getByTestId('view-flat').click();
  await expect(page.getByTestId('key-list').locator('tbody a[data-row]')).toHaveText([`${prefix}a/1`, `${prefix}a/2`]);
  await page.getByTestId('view-tree').click();
  await expect(page.getByTestId('tree-entry')).toHaveCount(2);

  // Another delimiter splits the same keys otherwise.
  await page.goto(treeUrl(prefix));
  await page.getByTestId('delimiter').fill('x');
  await page.getByRole('button', { name: 'Split' }).click();
  await expectLevel(page, ['a/1', 'a/2', 'b/x 1', 'top']);
});

test('search streams its matches from the server and says how far it came', async ({ page, request }) => {
  const prefix = uniquePrefix('search');
  for (let n = 0; n < 120; n++) {
    await put(request, `${prefix}k/${String(n).padStart(3, '0')}`, n === 7 ? 'needle in a value' : 'hay');
  }
  await page.goto(`/search?prefix=${encodeURIComponent(prefix)}`);
  await hydrated(page);
  // Nothing runs yet, so there is nothing to cancel.
  await expect(page.getByTestId('cancel')).toBeHidden();
  await page.getByRole('searchbox', { name: 'Find' }).fill('k/01');
  const streamed = page.waitForResponse((response) => response.url().includes('/api/v1/search'));
  await page.getByRole('button', { name: 'Search' }).click();
  expect((await streamed).headers()['content-type']).toBe('application/x-ndjson');
  const summary = page.getByTestId('search-summary');
  await expect(summary).toHaveAttribute('data-state', 'done');
  await expect(summary).toContainText('Looked at 120 of 120 keys, 10 matches');
  await expect(page.getByTestId('cancel')).toBeHidden();
  await expect(page.getByTestId('search-results').getByRole('link')).toHaveCount(10);
  await expect(page).toHaveURL(/q=k%2F01/);

  // In values too, by regex, and capped with a way on.
  await page.getByRole('searchbox', { name: 'Find' }).fill('needle|k/11[0-9]');
  await page.getByLabel('Match').selectOption('regex');
  await page.getByLabel('in values too').check();
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(summary).toContainText('11 matches');
  const rows = page.getByTestId('search-results').locator('tbody tr');
  await expect(rows.first()).toContainText(`${prefix}k/007`);
  await expect(rows.first()).toContainText('value');

  await page.goto(`/search?prefix=${encodeURIComponent(prefix)}&q=k%2F&limit=50`);
  await expect(page.getByTestId('capped')).toContainText('Stopped at 50 matches');
  await page.getByRole('link', { name: 'Next matches »' }).click();
  await expect(page.getByTestId('search-results').getByRole('link').first()).toHaveText(`${prefix}k/050`);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the tree and search are plain pages', async ({ page, request }) => {
    const prefix = uniquePrefix('nojs-find');
    for (const key of ['f/1', 'f/2', 'g']) {
      await put(request, `${prefix}${key}`);
    }
    await page.goto(treeUrl(prefix));
    await page.getByTestId('tree-entry').filter({ hasText: 'f/' }).getByRole('link').click();
    await expect(page.getByTestId('tree-entry').locator('td.key')).toHaveText(['1', '2']);

    await page.goto(`/search?prefix=${encodeURIComponent(prefix)}`);
    // "/f/", not "f/": the random end of the prefix may be an "f", and "f/" would match it.
    await page.getByRole('searchbox', { name: 'Find' }).fill('/f/');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.getByTestId('search-summary')).toContainText('2 matches');
    await expect(page.getByTestId('search-results').getByRole('link')).toHaveText([`${prefix}f/1`, `${prefix}f/2`]);
  });
});

test('a page sorts by mod revision, version and size, and says what the order covers', async ({ page, request }) => {
  const prefix = uniquePrefix('sort');
  await put(request, `${prefix}a`, 'xy');
  await put(request, `${prefix}b`, 'mid value');
  await put(request, `${prefix}c`, 'a much longer value');
  await put(request, `${prefix}b`, 'mid value');
  await page.goto(`/?prefix=${encodeURIComponent(prefix)}`);
  await hydrated(page);
  const keys = page.getByTestId('key-list').locator('tbody a[data-row]');
  await expect(keys).toHaveText([`${prefix}a`, `${prefix}b`, `${prefix}c`]);
  await page.getByRole('link', { name: 'Mod revision' }).click();
  await expect(keys).toHaveText([`${prefix}b`, `${prefix}c`, `${prefix}a`]);
  await expect(page.getByTestId('key-count')).toContainText('Sorted by mod revision, most recently changed first within this page');
  await page.getByRole('link', { name: 'Size' }).click();
  await expect(keys).toHaveText([`${prefix}c`, `${prefix}b`, `${prefix}a`]);
  await page.getByRole('link', { name: 'Version' }).click();
  await expect(keys.first()).toHaveText(`${prefix}b`);
  await expect(page).toHaveURL(/sort=version/);

  // A level sorts its keys the same way, after its folders.
  await put(request, `${prefix}z/1`);
  await page.goto(treeUrl(prefix));
  await hydrated(page);
  await expectLevel(page, ['a', 'b', 'c', 'z/ 1']);
  await page.getByRole('link', { name: 'Size' }).click();
  await expectLevel(page, ['z/ 1', 'c', 'b', 'a']);
  await expect(page.getByTestId('tree-entry').filter({ hasText: /^c/ })).toContainText('19 B');
  await page.getByRole('link', { name: 'Mod revision' }).click();
  await expectLevel(page, ['z/ 1', 'b', 'c', 'a']);
  await expect(page.getByTestId('key-count')).toContainText('Folders come first');
});

test('the keyboard moves through rows, opens, goes up and searches', async ({ page, request }) => {
  const prefix = uniquePrefix('keys');
  for (const key of ['d/1', 'd/2', 'd/3']) {
    await put(request, `${prefix}${key}`);
  }
  await page.goto(treeUrl(`${prefix}d/`));
  await hydrated(page);
  const rows = page.getByTestId('tree-entry').locator('a[data-row]');
  await page.keyboard.press('j');
  await expect(rows.nth(0)).toBeFocused();
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await expect(rows.nth(2)).toBeFocused();
  await page.keyboard.press('k');
  await expect(rows.nth(1)).toBeFocused();

  await page.keyboard.press('?');
  await expect(page.getByTestId('shortcuts')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('shortcuts')).toBeHidden();

  await page.keyboard.press('Backspace');
  await expect(page).toHaveURL(new RegExp(`prefix=${encodeURIComponent(prefix)}$`));
  await expectLevel(page, ['d/ 3']);

  await page.keyboard.press('j');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('tree-entry')).toHaveCount(3);

  await page.keyboard.press('/');
  await expect(page).toHaveURL(/\/search\?prefix=/);
  await page.keyboard.press('/');
  await expect(page.getByRole('searchbox', { name: 'Find' })).toBeFocused();
});

test('a listing says how many keys changed since it was read, and reads them again', async ({ page, request }) => {
  const prefix = uniquePrefix('since');
  await put(request, `${prefix}a`);
  await put(request, `${prefix}b`);
  await put(request, `${prefix}f/1`);
  await page.goto(`/?prefix=${encodeURIComponent(prefix)}`);
  await hydrated(page);
  const since = page.getByTestId('changes-since');
  await expect(page.getByTestId('key-list').locator('tbody a[data-row]')).toHaveCount(3);
  await expect(since).toHaveCount(0);

  // A new key, a changed one and a deleted one; the same key twice counts once.
  await put(request, `${prefix}c`);
  await put(request, `${prefix}a`, 'changed');
  await put(request, `${prefix}a`, 'changed again');
  const deleted = await request.delete(`/api/v1/keys/${encodeURIComponent(`${prefix}b`)}`);
  expect(deleted.status()).toBe(200);
  await put(request, `${uniquePrefix('elsewhere')}x`);
  await expect(since).toHaveText(/^3 keys changed since this listing was read\./);
  // The rows on the page show what became of them, without a reload.
  const row = (key: string) => page.getByTestId('key-list').locator('tbody tr').filter({ hasText: key });
  await expect(row(`${prefix}a`)).toHaveAttribute('data-live', 'changed');
  await expect(row(`${prefix}a`).locator('td[data-column=version]')).toHaveText('3');
  await expect(row(`${prefix}b`)).toHaveAttribute('data-live', 'deleted');
  await expect(row(`${prefix}f/1`)).not.toHaveAttribute('data-live');
  await since.getByRole('link', { name: 'Read it again' }).click();
  await expect(page.getByTestId('key-list').locator('tbody a[data-row]')).toHaveText([`${prefix}a`, `${prefix}c`, `${prefix}f/1`]);
  await expect(since).toHaveCount(0);

  // The tree view follows its prefix the same way.
  await page.getByTestId('view-tree').click();
  await expect(page.getByTestId('tree-entry')).toHaveCount(3);
  await put(request, `${prefix}f/2`);
  await expect(since).toHaveText(/^1 key changed since this listing was read\./);
  const folder = page.getByTestId('tree-entry').filter({ hasText: 'f/' });
  await expect(folder).toHaveAttribute('data-live', 'changed');
});
