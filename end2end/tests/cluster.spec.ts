// The cluster page: members, leader and health, as members die and come back.
import { test, expect, hydrated, Page } from './fixtures';
import { cluster } from '../harness';

function member(page: Page, name: string) {
  return page.locator(`[data-testid="member-row"][data-member="${name}"]`);
}

test('the cluster page shows 3 members and one leader', async ({ page }) => {
  await page.goto('/cluster');
  await hydrated(page);
  await expect(page.getByTestId('member-row')).toHaveCount(3);
  await expect(page.getByTestId('member-role').filter({ hasText: 'leader' })).toHaveCount(1);
  await expect(page.getByTestId('member-health').filter({ hasText: 'healthy' })).toHaveCount(3);
  await expect(page.getByTestId('cluster-summary')).toContainText('3 of 3 endpoints answer');
  await expect(page.getByTestId('alarms')).toHaveText('None.');
});

test('a killed member shows unhealthy, and healthy again after its restart', async ({ page }) => {
  await page.goto('/cluster');
  await hydrated(page);
  const follower = page.getByTestId('member-row').filter({
    has: page.getByTestId('member-role').filter({ hasText: 'voter' }),
  });
  const name = (await follower.first().getAttribute('data-member'))!;

  cluster('kill', name);
  try {
    await expect(member(page, name).getByTestId('member-health')).toContainText('unreachable', {
      timeout: 10_000,
    });
    await expect(page.getByTestId('cluster-summary')).toContainText('2 of 3 endpoints answer');
  } finally {
    cluster('restart', name);
  }
  await expect(member(page, name).getByTestId('member-health')).toHaveText('healthy', {
    timeout: 10_000,
  });
});
