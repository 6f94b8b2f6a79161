// A full etcd, on a private member with a 16 MiB quota: every page says so, the cluster page shows
// the member past its quota, and the banner goes once etcd takes writes again.
import { ChildProcess } from 'node:child_process';
import { etcdctl, startPrivateCluster, startServer } from '../harness';
import { test, expect } from './fixtures';

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

test('a full etcd is named on every page, and the banner goes once it takes writes again', async ({ page }) => {
  test.setTimeout(90_000);
  const value = 'x'.repeat(100 * 1024);
  let status = 200;
  for (let i = 0; status === 200 && i < 1000; i++) {
    const put = await page.request.put(`${server.url}/api/v1/keys/fill/${i}`, { data: { value } });
    status = put.status();
  }
  expect(status).toBe(507);

  await page.goto(`${server.url}/`);
  const full = page.getByTestId('full-banner');
  await expect(full).toContainText('etcd is full');
  await expect(full).toContainText('defragment');
  await page.goto(`${server.url}/cluster`);
  await expect(page.getByTestId('space-used')).toHaveClass(/nearly-full/);
  await expect(page.getByTestId('space-used')).toContainText('of 16.0 MiB');
  await expect(page.getByTestId('alarms')).toContainText('NOSPACE');

  // Recovered with etcd's own commands, as the banner says; then a write goes through.
  const ctl = (...args: string[]) => etcdctl(cluster.endpoints, ...args);
  ctl('del', '--prefix', 'fill/');
  const revision = JSON.parse(ctl('get', 'x', '-w', 'json')).header.revision;
  ctl('compact', String(revision), '--physical');
  ctl('defrag');
  ctl('alarm', 'disarm');
  const put = await page.request.put(`${server.url}/api/v1/keys/after`, { data: { value: 'v' } });
  expect(put.status()).toBe(200);
  await expect(full).toHaveCount(0, { timeout: 15_000 });
});
