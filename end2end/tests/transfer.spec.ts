// What the first load costs on the wire: the wasm, JS and CSS arrive compressed, within one budget,
// under names that carry their content's hash and may be cached for good; pages are never cached.
import { test, expect, hydrated } from './fixtures';

/**
 * The most the wasm, JS and CSS of a first load may transfer, in bytes (as Chromium's resource
 * timing counts them). Lower it as the bundle shrinks; never raise it without the reason in the
 * commit message.
 */
const FIRST_LOAD_BUDGET_BYTES = 305_000;

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
  for (const kind of ['wasm', 'js', 'css']) {
    expect(bundle.filter((t) => t.url.endsWith(`.${kind}`)), `one ${kind} file`).toHaveLength(1);
  }
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

test('the bundle is named by its hash and cached for good; pages are not cached', async ({ page, request }) => {
  const response = await page.goto('/');
  expect(response?.headers()['cache-control']).toBe('no-store');
  expect(response?.headers()['content-encoding']).toMatch(/^(br|gzip)$/);
  await hydrated(page);
  const urls: string[] = await page.evaluate(() =>
    performance.getEntriesByType('resource').map((entry) => entry.name),
  );
  const bundle = urls.filter((url) => /\.(wasm|js|css)$/.test(new URL(url).pathname));
  expect(bundle).toHaveLength(3);
  for (const url of bundle) {
    expect(new URL(url).pathname).toMatch(/^\/pkg\/etcd-deck\.[A-Za-z0-9_-]{6,}\.(wasm|js|css)$/);
    const asset = await request.get(url, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(asset.status()).toBe(200);
    expect(asset.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers()['content-encoding']).toBe('br');
  }
  const api = await request.get('/api/v1/keys?prefix=none%2F', { headers: { 'accept-encoding': 'gzip' } });
  expect(api.headers()['cache-control']).toBe('no-store');
});
