// A full etcd, on a private member with a 16 MiB quota: every page says so, the cluster page shows
// the member past its quota, the banner leads to the maintenance page, whose recovery runs with
// its progress shown, and the banner goes once etcd takes writes again.
import { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { startPrivateCluster, startServer } from '../harness';
import { test, expect, hydrated } from './fixtures';

const QUOTA = 16 * 1024 * 1024;

let cluster: { endpoints: string; stop: () => void };
let server: { url: string; process: ChildProcess };

test.use({ allowedHttpErrors: [507] });

test.beforeAll(async () => {
  cluster = await startPrivateCluster(1, `--quota-backend-bytes=${QUOTA}`);
  server = await startServer({ ETCD_ENDPOINTS: cluster.endpoints });
});

test.afterAll(async () => {
  server?.process.kill('SIGTERM');
  cluster?.stop();
});

test('a full etcd is recovered from the maintenance page, and the banner goes', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  // Ten keys written over and over: their history fills the database.
  const value = 'x'.repeat(100 * 1024);
  let status = 200;
  for (let i = 0; status === 200 && i < 1000; i++) {
    const put = await page.request.put(`${server.url}/api/v1/keys/fill/${i % 10}`, { data: { value } });
    status = put.status();
  }
  expect(status).toBe(507);

  await page.goto(`${server.url}/`);
  const full = page.getByTestId('full-banner');
  await expect(full).toContainText('etcd is full');
  await page.goto(`${server.url}/cluster`);
  await expect(page.getByTestId('space-used')).toHaveClass(/nearly-full/);
  await expect(page.getByTestId('space-used')).toContainText('of 16.0 MiB');
  await expect(page.getByTestId('alarms')).toContainText('NOSPACE');

  // The banner's link leads to the plan; the revision is typed to confirm it.
  await full.getByTestId('banner-fix').click();
  await expect(page).toHaveURL(`${server.url}/maintenance`);
  await hydrated(page);
  const member = page.getByTestId('maintenance-member');
  await expect(member.getByTestId('member-space')).toHaveClass(/nearly-full/);
  await expect(member).toContainText('NOSPACE');
  const plan = page.getByTestId('recovery-plan');
  await expect(plan).toContainText('Compact the history to revision');
  const revision = await page.getByTestId('recover-revision').getAttribute('max');
  expect(Number(revision)).toBeGreaterThan(100);
  await page.getByTestId('recover-revision').fill(revision!);
  await page.getByTestId('recover').click();

  const run = page.getByTestId('maintenance-run');
  await expect(run).toBeVisible();
  const report = page.getByTestId('run-report');
  await expect(report).toHaveAttribute('data-ok', 'true', { timeout: 60_000 });
  await expect(run.locator('[data-step="compact"]')).toHaveAttribute('data-state', 'done');
  await expect(run.locator('[data-step="defragment"]')).toContainText('→');
  await expect(run.locator('[data-step="disarm"]')).toHaveAttribute('data-state', 'done');
  await expect(run.locator('[data-step="test write"]')).toContainText('etcd takes writes again');
  await expect(full).toHaveCount(0, { timeout: 15_000 });
  await expect(member).not.toContainText('NOSPACE', { timeout: 15_000 });
  await page.setViewportSize({ width: 1100, height: 900 });
  const shot = process.env.SCREENSHOTS === '1'
    ? path.join(__dirname, '..', 'screenshots', 'recovery.png')
    : testInfo.outputPath('recovery.png');
  await page.screenshot({ path: shot, fullPage: true });

  const put = await page.request.put(`${server.url}/api/v1/keys/after`, { data: { value: 'v' } });
  expect(put.status()).toBe(200);
  const kept = await page.request.get(`${server.url}/api/v1/keys/fill/9`);
  expect(kept.status()).toBe(200);
});
