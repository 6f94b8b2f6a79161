// What the first load costs on the wire: the wasm, JS and CSS arrive compressed, within one budget,
// under names that carry their content's hash; the lazy pages' wasm arrives only when they are
// shown. Pages are never cached.
import { test, expect, hydrated, Page } from './fixtures';

/**
 * The most the wasm, JS and CSS of a first load may transfer, in bytes (as Chromium's resource
 * timing counts them). Lower it as the bundle shrinks; never raise it without the reason in the
 * commit message.
 */
const FIRST_LOAD_BUDGET_BYTES = 319_000;

/** A file under /pkg/ without the hash in its name: `/pkg/etcd-deck.<hash>.wasm` is `etcd-deck.wasm`. */
function unhashed(url: string): string {
  return new URL(url).pathname.replace(/^\/pkg\//, '').replace(/\.[A-Za-z0-9_-]{22}\./, '.');
}

/** The wasm, JS and CSS the page has fetched so far. */
async function bundleUrls(page: Page): Promise<string[]> {
  const urls: string[] = await page.evaluate(() =>
    performance.getEntriesByType('resource').map((entry) => entry.name),
  );
  return urls.filter((url) => /\.(wasm|js|css)$/.test(new URL(url).pathname));
}

interface Transfer {
  url: string;
  transferSize: number;
  encodedBodySize: number;
  decodedBodySize: number;
}

test('the first load transfers its wasm, JS and CSS compressed and within budget', async ({ page }) => {
  await page.goto('/');
  await hydrated(page);
  const transfers: Transfer[] = await page.evaluate(() =>
    performance.getEntriesByType('resource').map((entry) => {
      const timing = entry as PerformanceResourceTiming;
      return {
        url: timing.name,
        transferSize: timing.transferSize,
        encodedBodySize: timing.encodedBodySize,
        decodedBodySize: timing.decodedBodySize,
      };
    }),
  );
  const bundle = transfers.filter((t) => /\.(wasm|js|css)$/.test(new URL(t.url).pathname));
  expect(bundle.map((t) => unhashed(t.url)).sort(), 'no lazy page\'s wasm').toEqual([
    '__wasm_split.js',
    'etcd-deck.css',
    'etcd-deck.js',
    'etcd-deck.wasm',
  ]);
  for (const file of bundle) {
    console.log(
      `${new URL(file.url).pathname}: ${file.transferSize} B transferred, ${file.decodedBodySize} B decoded`,
    );
    expect(file.encodedBodySize, `${file.url} is compressed`).toBeLessThan(file.decodedBodySize);
  }
  const total = bundle.reduce((sum, file) => sum + file.transferSize, 0);
  console.log(`first load: ${total} B of wasm, JS and CSS (budget ${FIRST_LOAD_BUDGET_BYTES} B)`);
  expect(total).toBeLessThanOrEqual(FIRST_LOAD_BUDGET_BYTES);
});

test('the bundle is named by its hash; all but the main wasm and JS are cached for good', async ({ page, request }) => {
  const response = await page.goto('/');
  expect(response?.headers()['cache-control']).toBe('no-store');
  expect(response?.headers()['content-encoding']).toMatch(/^(br|gzip)$/);
  await hydrated(page);
  await page.getByRole('link', { name: 'Search', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Search' })).toBeVisible();
  const bundle = await bundleUrls(page);
  expect(bundle.length).toBeGreaterThan(4);
  for (const url of bundle) {
    expect(new URL(url).pathname).toMatch(/^\/pkg\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}\.(wasm|js|css)$/);
    const asset = await request.get(url, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(asset.status()).toBe(200);
    expect(asset.headers()['content-encoding']).toBe('br');
    // cargo-leptos names the main wasm and JS before it writes the split loader's name into them.
    const renamedOnChange = !/^etcd-deck\.(wasm|js)$/.test(unhashed(url));
    expect(asset.headers()['cache-control'], url).toBe(
      renamedOnChange ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
  }
  const api = await request.get('/api/v1/keys?prefix=none%2F', { headers: { 'accept-encoding': 'gzip' } });
  expect(api.headers()['cache-control']).toBe('no-store');
});

test('a lazy page fetches its own wasm when it is first shown', async ({ page }) => {
  await page.goto('/');
  await hydrated(page);
  const search = /^split___search_route_view_\d+\.wasm$/;
  expect((await bundleUrls(page)).map(unhashed)).not.toContainEqual(expect.stringMatching(search));

  await page.getByRole('link', { name: 'Search', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Search' })).toBeVisible();
  expect((await bundleUrls(page)).map(unhashed)).toContainEqual(expect.stringMatching(search));
});
