// The page's Content-Security-Policy: set with a fresh nonce, followed by the whole suite (the
// fixture fails any test on a violation), and blocking a script the page did not bring.
import { test, expect, hydrated } from './fixtures';

test('pages carry a script policy with a nonce and safety headers', async ({ page }) => {
  const response = await page.goto('/');
  const headers = response!.headers();
  expect(headers['content-security-policy']).toMatch(/script-src 'self' 'nonce-[^']+' 'wasm-unsafe-eval'/);
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['x-frame-options']).toBe('DENY');
  await hydrated(page);
});

test('an inline script the page did not bring is blocked and reported', async ({ page, consoleErrors }) => {
  await page.goto('/');
  await hydrated(page);
  const ran = await page.evaluate(async () => {
    const script = document.createElement('script');
    script.textContent = 'window.injected = true';
    document.body.append(script);
    await new Promise((resolve) => setTimeout(resolve, 100));
    return (window as unknown as { injected?: boolean }).injected === true;
  });
  expect(ran, 'the injected script ran').toBe(false);
  await expect.poll(() => consoleErrors.some((error) => error.includes('CSP violation'))).toBe(true);
  // Expected here: the fixture would fail the test on them.
  consoleErrors.length = 0;
});
