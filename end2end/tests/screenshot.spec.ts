// The screenshot in the README, taken of a real listing.
import path from 'node:path';
import { test, expect, hydrated, KeyListPage } from './fixtures';

test('the key list, for the README', async ({ page }) => {
  const prefix = 'demo/app/';
  const list = new KeyListPage(page);
  await list.open(prefix);
  await hydrated(page);
  for (const [key, value] of [
    ['config/feature-flags', '{"dark_mode": true}'],
    ['config/limits', 'max_conn=512'],
    ['services/api/10.0.0.7:8080', 'healthy'],
    ['services/web/10.0.0.9:80', 'healthy'],
  ]) {
    await list.createKey(`${prefix}${key}`, value);
    await expect(list.keyLink(`${prefix}${key}`)).toBeVisible();
  }
  await page.setViewportSize({ width: 1100, height: 760 });
  await page.screenshot({ path: path.join(__dirname, '..', 'test-results', 'key-list.png'), fullPage: true });
});

test('the cluster page, for the README', async ({ page }) => {
  await page.goto('/cluster');
  await hydrated(page);
  await expect(page.getByTestId('member-row')).toHaveCount(3);
  await page.setViewportSize({ width: 1100, height: 760 });
  await page.screenshot({ path: path.join(__dirname, '..', 'test-results', 'cluster.png'), fullPage: true });
});
