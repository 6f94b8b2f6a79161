// The tree of a keyspace whose keys all start with "/", as Kubernetes' do (/registry/…): its root
// shows what is under "/", not one folder with an empty name holding everything. A cluster of its
// own, so that no other spec's keys share the root.
import { ChildProcess } from 'node:child_process';
import { startPrivateCluster, startServer } from '../harness';
import { test, expect, hydrated } from './fixtures';

let cluster: { endpoints: string; stop: () => void };
let server: { url: string; process: ChildProcess };

test.beforeAll(async ({ request }) => {
  cluster = await startPrivateCluster(1);
  server = await startServer({ ETCD_ENDPOINTS: cluster.endpoints });
  for (const key of ['/registry/pods/a', '/registry/pods/b', '/registry/services/s', '/services/web', '/top']) {
    const put = await request.put(`${server.url}/api/v1/keys/${encodeURIComponent(key)}`, { data: { value: 'v' } });
    expect(put.status()).toBe(200);
  }
});

test.afterAll(async () => {
  server?.process.kill('SIGTERM');
  cluster?.stop();
});

test('the root of a keyspace of leading-slash keys shows the folders under "/"', async ({ page }) => {
  await page.goto(`${server.url}/?view=tree`);
  await hydrated(page);
  const names = page.getByTestId('tree-entry').locator('td:first-child');
  await expect(names).toHaveText(['registry/', 'services/', 'top']);
  await expect(page.getByText('(empty)')).toHaveCount(0);
  await expect(page.getByTestId('key-count')).toContainText('2 folders and 1 key of /');
  await page.getByTestId('tree-entry').filter({ hasText: 'registry/' }).getByRole('link').click();
  await expect(names).toHaveText(['pods/', 'services/']);
});
