// What a user sees while etcd is down, and that the app recovers by itself when it returns.
import { test, expect, KeyListPage } from './fixtures';
import { cluster } from '../harness';

test.use({ allowedHttpErrors: [503] });

test('the error banner appears when etcd stops and goes away when it returns', async ({ page }) => {
  const list = new KeyListPage(page);
  const prefix = await list.openFresh('down');
  await list.createKey(`${prefix}kept`, 'still here');
  await expect(list.keyLink(`${prefix}kept`)).toBeVisible();
  await expect(list.banner).toHaveCount(0);

  try {
    // Inside the try: members a failed `down` left running are started again all the same.
    cluster('down');
    await expect(list.banner).toBeVisible({ timeout: 10_000 });
    await expect(list.banner).toContainText('etcd is unavailable');
    const response = await page.request.get(page.url());
    expect(response.status()).toBe(503);
  } finally {
    cluster('up');
  }

  await expect(list.banner).toHaveCount(0, { timeout: 15_000 });
  await expect(list.keyLink(`${prefix}kept`)).toBeVisible();
});
