// A page never arrives dead: every page, loaded twice in a fresh browser context (commit, wait for
// hydration, load again), 20 times each, always comes with the page policy and hydrates. A page
// answered with the non-page policy (`default-src 'none'`) cannot load its CSS, JS or wasm.
import { Browser } from '@playwright/test';
import { test, expect } from './fixtures';

const TRIES = 20;
/** Fresh contexts loading at once. */
const AT_ONCE = 4;

/** Loads `url` twice in a fresh context; answers what went wrong, or nothing. */
async function loadTwice(browser: Browser, url: string): Promise<string[]> {
  const context = await browser.newContext();
  const problems: string[] = [];
  try {
    const page = await context.newPage();
    await page.addInitScript(() =>
      document.addEventListener('securitypolicyviolation', (event) =>
        console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`),
      ),
    );
    page.on('console', (message) => {
      if (message.text().startsWith('CSP violation')) problems.push(message.text());
    });
    page.on('response', async (response) => {
      if (response.request().resourceType() !== 'document') return;
      const policy = (await response.allHeaders())['content-security-policy'] ?? '';
      if (!policy.includes("'nonce-")) problems.push(`${response.url()} came with the policy "${policy}"`);
    });
    for (let load = 0; load < 2; load++) {
      await page.goto(url, { waitUntil: 'commit' });
      const alive = await page
        .locator('body[data-hydrated="true"]')
        .waitFor({ timeout: 10_000 })
        .then(() => true, () => false);
      if (!alive) problems.push(`load ${load + 1} of ${url} never hydrated`);
    }
  } finally {
    await context.close();
  }
  return problems;
}

// A fixed name: test titles must be the same each time Playwright loads this file.
const key = 'e2e/dead-page/config.json';
const pages = [
  '/',
  `/key/${encodeURIComponent(key)}`,
  '/search?q=dead-page',
  '/watch?prefix=e2e/',
  '/leases',
  '/past?prefix=e2e/',
  '/bulk',
  '/cluster',
  '/maintenance',
  '/api',
];

test.beforeAll(async ({ request }) => {
  const put = await request.put(`/api/v1/keys/${key}`, { data: { value: '{"a": 1}' } });
  expect(put.ok()).toBe(true);
});

for (const path of pages) {
  test(`${path} always arrives alive, ${TRIES} fresh loads of two`, async ({ browser, baseURL }) => {
    test.setTimeout(TRIES * 8_000);
    const problems: string[] = [];
    for (let start = 0; start < TRIES; start += AT_ONCE) {
      const batch = Array.from({ length: Math.min(AT_ONCE, TRIES - start) }, () => loadTwice(browser, `${baseURL}${path}`));
      problems.push(...(await Promise.all(batch)).flat());
    }
    expect(problems).toEqual([]);
  });
}
