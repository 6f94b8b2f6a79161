// The cluster page: members, leader and health, as members die and come back.
import { test, expect, hydrated, Page } from './fixtures';
import { cluster, startServer } from '../harness';

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

test('a killed member shows as down, in words, and healthy again after its restart', async ({ page }) => {
  await page.goto('/cluster');
  await hydrated(page);
  const follower = page.getByTestId('member-row').filter({
    has: page.getByTestId('member-role').filter({ hasText: 'voter' }),
  });
  const name = (await follower.first().getAttribute('data-member'))!;

  cluster('kill', name);
  try {
    const health = member(page, name).getByTestId('member-health');
    await expect(health).toContainText('down: connection refused', { timeout: 10_000 });
    // The whole error is there for whoever wants it, folded away.
    const detail = health.locator('details');
    await expect(detail.locator('code')).toBeHidden();
    await detail.locator('summary').click();
    await expect(detail.locator('code')).toContainText('connect');
    await expect(page.getByTestId('endpoint-health').filter({ hasText: 'down: connection refused' })).toHaveCount(1);
    await expect(page.getByTestId('cluster-summary')).toContainText('2 of 3 endpoints answer');
    await expect(page.getByText('not configured')).toHaveCount(0);
  } finally {
    cluster('restart', name);
  }
  await expect(member(page, name).getByTestId('member-health')).toHaveText('healthy', {
    timeout: 10_000,
  });
});

test('the cluster tables fit their cards at 1280 px, also with a member down', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/cluster');
  await hydrated(page);
  await expect(page.getByTestId('member-row')).toHaveCount(3);
  const follower = page.getByTestId('member-row').filter({
    has: page.getByTestId('member-role').filter({ hasText: 'voter' }),
  });
  const name = (await follower.first().getAttribute('data-member'))!;
  cluster('kill', name);
  try {
    // The row of a member that is down carries the longest text the page shows.
    await expect(member(page, name).getByTestId('member-health')).toContainText('down', {
      timeout: 10_000,
    });
    for (const table of ['members', 'endpoints']) {
      const overflow = await page.getByTestId(table).evaluate((element) => {
        const card = element.closest('section')!.getBoundingClientRect();
        const box = element.getBoundingClientRect();
        return Math.max(0, box.right - card.right);
      });
      expect(overflow, `${table} runs past its card`).toBe(0);
    }
  } finally {
    cluster('restart', name);
  }
  await expect(member(page, name).getByTestId('member-health')).toHaveText('healthy', {
    timeout: 10_000,
  });
});

test('with endpoints given without http://, a killed member is down, not "not configured"', async ({ page }) => {
  const bare = process.env.ETCD_DECK_E2E_ENDPOINTS!.split('http://').join('');
  const server = await startServer({ ETCD_ENDPOINTS: bare });
  try {
    await page.goto(`${server.url}/cluster`);
    await hydrated(page);
    await expect(page.getByTestId('member-health').filter({ hasText: 'healthy' })).toHaveCount(3);
    const follower = page.getByTestId('member-row').filter({
      has: page.getByTestId('member-role').filter({ hasText: 'voter' }),
    });
    const name = (await follower.first().getAttribute('data-member'))!;
    cluster('kill', name);
    try {
      await expect(member(page, name).getByTestId('member-health')).toContainText('down', { timeout: 10_000 });
      await expect(page.getByText('not configured')).toHaveCount(0);
    } finally {
      cluster('restart', name);
    }
  } finally {
    server.process.kill('SIGTERM');
  }
});
