// The screenshots the README embeds, taken of real pages after checking that they show what the
// README says they show. They replace the committed files only when asked (`make screenshots`,
// which sets SCREENSHOTS=1); otherwise they go to the test's own output, so testing leaves a
// clean checkout clean.
import path from 'node:path';
import { test, expect, hydrated, KeyListPage } from './fixtures';
import type { TestInfo } from '@playwright/test';

const committed = path.join(__dirname, '..', 'screenshots');

function screenshotPath(testInfo: TestInfo, name: string): string {
  return process.env.SCREENSHOTS === '1' ? path.join(committed, name) : testInfo.outputPath(name);
}

test('the key list, for the README', async ({ page }, testInfo) => {
  const prefix = 'demo/app/';
  const list = new KeyListPage(page);
  await list.open(prefix);
  await hydrated(page);
  const keys = [
    ['config/feature-flags', '{"dark_mode": true}'],
    ['config/limits', 'max_conn=512'],
    ['services/api/10.0.0.7:8080', 'healthy'],
    ['services/web/10.0.0.9:80', 'healthy'],
  ];
  for (const [key, value] of keys) {
    await list.createKey(`${prefix}${key}`, value);
    await expect(list.keyLink(`${prefix}${key}`)).toBeVisible();
  }
  await expect(page.getByTestId('key-count')).toContainText(`Keys 1–4 of 4 under ${prefix}`);
  await page.setViewportSize({ width: 1100, height: 760 });
  await page.screenshot({ path: screenshotPath(testInfo, 'key-list.png'), fullPage: true });
});

test('the cluster page, for the README', async ({ page }, testInfo) => {
  await page.goto('/cluster');
  await hydrated(page);
  await expect(page.getByTestId('member-row')).toHaveCount(3);
  await expect(page.getByTestId('member-role').filter({ hasText: 'leader' })).toHaveCount(1);
  await expect(page.getByTestId('member-health').filter({ hasText: 'healthy' })).toHaveCount(3);
  await page.setViewportSize({ width: 1100, height: 760 });
  await page.screenshot({ path: screenshotPath(testInfo, 'cluster.png'), fullPage: true });
});
