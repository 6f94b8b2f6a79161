// Members from the cluster page, on a private 3-member cluster: a failed member replaced (removed,
// its replacement added as a learner, started with the kit, promoted once caught up), a learner
// added and removed again, the leadership moved after its confirmation, the Raft timeline showing
// a new leader after the leader is killed, and where a key lives.
import path from 'node:path';
import { ChildProcess } from 'node:child_process';
import { freePort, startPrivateCluster, startServer } from '../harness';
import { test, expect, hydrated, Page } from './fixtures';
import type { TestInfo } from '@playwright/test';

let cluster: Awaited<ReturnType<typeof startPrivateCluster>>;
let server: { url: string; process: ChildProcess };

// etcd refuses a promotion a moment before its own view of the learner has caught up: 409; and
// while the killed leader's successor is elected, the connection check answers 503.
test.use({ allowedHttpErrors: [409, 503] });
test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  cluster = await startPrivateCluster(3);
  server = await startServer({ ETCD_ENDPOINTS: cluster.endpoints });
});

test.afterAll(async () => {
  server?.process.kill('SIGTERM');
  cluster?.stop();
});

function row(page: Page, name: string) {
  return page.locator(`[data-testid="raft-row"][data-member="${name}"]`);
}

function screenshot(testInfo: TestInfo, name: string): string {
  return process.env.SCREENSHOTS === '1'
    ? path.join(__dirname, '..', 'screenshots', name)
    : testInfo.outputPath(name);
}

/** Waits for the learner's Promote, then promotes it; etcd may still refuse once or twice. */
async function promote(page: Page, name: string) {
  const joined = page.getByTestId('joined');
  await expect(joined.getByTestId('promote')).toBeVisible({ timeout: 30_000 });
  await expect(joined.getByTestId('joined-state')).toContainText('has caught up');
  for (let i = 0; i < 10; i++) {
    await joined.getByTestId('promote').click();
    try {
      await expect(row(page, name).getByTestId('raft-role')).toHaveText('voter', { timeout: 3_000 });
      return;
    } catch {
      // refused this time: etcd's view of the learner trails the learner's own
    }
  }
  await expect(row(page, name).getByTestId('raft-role')).toHaveText('voter');
}

test('a failed member is replaced from the cluster page', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  await page.goto(`${server.url}/cluster`);
  await hydrated(page);
  await expect(page.getByTestId('raft-row')).toHaveCount(3);
  cluster.kit('kill', 'm3');
  await expect(row(page, 'm3').getByTestId('raft-behind')).toContainText('does not answer', { timeout: 15_000 });

  await row(page, 'm3').getByTestId('member-replace').click();
  const confirm = page.getByTestId('membership-confirm');
  await expect(confirm).toContainText('Replace m3: first it is removed (2 voting members remain, 2 of them healthy');
  const peer = `http://127.0.0.1:${await freePort()}`;
  await confirm.getByTestId('replace-name').fill('m4');
  await confirm.getByTestId('replace-peer-url').fill(peer);
  await confirm.getByTestId('confirm-name').fill('m3');
  await page.setViewportSize({ width: 1100, height: 900 });
  await page.screenshot({ path: screenshot(testInfo, 'replace-confirm.png'), fullPage: true });
  await confirm.getByTestId('confirm-replace').click();

  // m3 is gone; m4 is a learner, not started, and the page says how to start it.
  const joined = page.getByTestId('joined');
  await expect(joined.getByTestId('joined-state')).toHaveText('Not started yet: start it now, as below.');
  await expect(joined.getByTestId('join-kit')).toHaveText(`cluster/join m4 --peer-url ${peer}`);
  await expect(joined.getByTestId('join-command')).toContainText('--initial-cluster-state existing');
  await expect(row(page, 'm3')).toHaveCount(0);
  await expect(page.getByTestId('raft-row')).toHaveCount(3);
  await page.screenshot({ path: screenshot(testInfo, 'replace-joined.png'), fullPage: true });

  cluster.kit('join', 'm4', '--peer-url', peer);
  await expect(row(page, 'm4').getByTestId('raft-role')).toHaveText('learner', { timeout: 15_000 });
  await expect(row(page, 'm4').getByTestId('catch-up')).toBeVisible();
  await promote(page, 'm4');
  await expect(page.getByTestId('raft-role').filter({ hasText: 'learner' })).toHaveCount(0);
  // The members table above refreshes on its own clock: the screenshot waits for it too.
  const m4 = page.locator('[data-testid="member-row"][data-member="m4"]');
  await expect(m4.getByTestId('member-role')).toHaveText('voter', { timeout: 10_000 });
  await expect(page.getByTestId('cluster-summary')).toContainText('quorum is 2 of 3 voters');
  await page.screenshot({ path: screenshot(testInfo, 'replace-done.png'), fullPage: true });
});

test('a learner is added from the form, then removed with its name typed', async ({ page }) => {
  test.setTimeout(60_000);
  await page.goto(`${server.url}/cluster`);
  await hydrated(page);
  const peer = `http://127.0.0.1:${await freePort()}`;
  await page.getByTestId('add-name').fill('m5');
  await page.getByTestId('add-peer-url').fill(peer);
  await page.getByTestId('add-member').click();
  await expect(page.getByTestId('joined-state')).toHaveText('Not started yet: start it now, as below.');
  const added = page.locator('[data-testid="raft-row"]').filter({ hasText: 'added, not started' });
  await expect(added).toHaveCount(1);
  await expect(added.getByTestId('raft-role')).toHaveText('learner');
  // No Promote before it has started and caught up.
  await expect(page.getByTestId('promote')).toHaveCount(0);

  cluster.kit('join', 'm5', '--peer-url', peer);
  await expect(page.getByTestId('joined').getByTestId('promote')).toBeVisible({ timeout: 30_000 });

  // Removing it: the confirmation says a learner does not vote, and wants its name typed.
  await row(page, 'm5').getByTestId('member-remove').click();
  const confirm = page.getByTestId('membership-confirm');
  await expect(confirm).toContainText('m5 is a learner: it does not vote, so the quorum stays');
  await confirm.getByTestId('confirm-name').fill('m5');
  await confirm.getByTestId('confirm-remove').click();
  await expect(row(page, 'm5')).toHaveCount(0);
  await expect(page.getByTestId('raft-row')).toHaveCount(3);
  cluster.kit('leave', 'm5');
});

test('a key page says which members have its latest write', async ({ page }) => {
  const put = await page.request.put(`${server.url}/api/v1/keys/where/is%20it`, { data: { value: 'v' } });
  expect(put.status()).toBe(200);
  await page.goto(`${server.url}/key/where%2Fis%20it`);
  await hydrated(page);
  await page.getByTestId('show-where').click();
  const rows = page.getByTestId('where-row');
  await expect(rows).toHaveCount(3, { timeout: 10_000 });
  await expect(page.getByTestId('where-state').filter({ hasText: 'current' })).toHaveCount(3, { timeout: 10_000 });
  await expect(page.getByTestId('where-summary')).toContainText('Last written at revision');
});

test('the leadership moves after its confirmation, and the timeline shows a new leader after a kill', async ({ page }) => {
  test.setTimeout(60_000);
  await page.goto(`${server.url}/cluster`);
  await hydrated(page);
  const voter = page.locator('[data-testid="raft-row"]').filter({
    has: page.getByTestId('raft-role').filter({ hasText: 'voter' }),
  });
  const name = (await voter.first().getAttribute('data-member'))!;
  await row(page, name).getByTestId('member-leader').click();
  const confirm = page.getByTestId('membership-confirm');
  await expect(confirm).toContainText(`to ${name}? etcd asks the leader to transfer it`);
  await confirm.getByTestId('confirm-leader').click();
  await expect(row(page, name).getByTestId('raft-role')).toHaveText('leader', { timeout: 10_000 });
  const timeline = page.getByTestId('raft-timeline');
  await expect(timeline.locator('li').first()).toContainText(`${name} leads`, { timeout: 10_000 });

  const killed = cluster.kit('kill', 'leader').trim().split('\n').pop()!;
  try {
    await expect(row(page, killed).getByTestId('raft-behind')).toContainText('does not answer', { timeout: 15_000 });
    await expect(timeline.locator('li').first()).not.toContainText(`${name} leads`, { timeout: 15_000 });
    await expect(page.getByTestId('raft-role').filter({ hasText: 'leader' })).toHaveCount(1);
  } finally {
    cluster.kit('restart', killed);
  }
});

test('a link clicked while the page is still hydrating is followed by the browser, and nothing breaks', async ({ page }) => {
  // The cluster page's own code is held back, so that the click comes before it hydrates.
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(/split___cluster_route/, async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(`${server.url}/cluster`, { waitUntil: 'domcontentloaded' });
  await expect(page.locator('body')).not.toHaveAttribute('data-hydrated', 'true');
  await page.getByTestId('member-leader').first().click();
  await page.waitForURL(/do=leader/, { waitUntil: 'commit' });
  release();
  await hydrated(page);
  // The address's own page, rendered by the server and hydrated as it is: no hydration panic
  // (the fixture fails the test on any console error).
  await expect(page.getByTestId('membership-confirm')).toContainText('etcd asks the leader to transfer it');
});
