// The cluster page signed in as a plain etcd user, on a private cluster with etcd's authentication
// on: the members are up, and the member status a patched etcd gives only to root is refused in words.
import { ChildProcess } from 'node:child_process';
import { etcdctl, startPrivateCluster, startServer } from '../harness';
import { test, expect, hydrated } from './fixtures';

let cluster: { endpoints: string; stop: () => void };
let server: { url: string; process: ChildProcess };
/** Whether this etcd refuses member status to a plain user, as etcd itself says. */
let statusRefused: boolean;

test.beforeAll(async () => {
  cluster = await startPrivateCluster(1);
  const ctl = (...args: string[]) => etcdctl(cluster.endpoints, ...args);
  ctl('user', 'add', 'root:root-pw');
  ctl('user', 'grant-role', 'root', 'root');
  ctl('role', 'add', 'app-rw');
  ctl('role', 'grant-permission', '--prefix=true', 'app-rw', 'readwrite', 'app/');
  ctl('user', 'add', 'alice:alice-pw');
  ctl('user', 'grant-role', 'alice', 'app-rw');
  ctl('auth', 'enable');
  try {
    ctl('--user=alice:alice-pw', 'endpoint', 'status');
    statusRefused = false;
  } catch (error) {
    expect(String((error as { stderr?: string }).stderr)).toContain('permission denied');
    statusRefused = true;
  }
  server = await startServer({ ETCD_ENDPOINTS: cluster.endpoints });
});

test.afterAll(async () => {
  server?.process.kill('SIGTERM');
  cluster?.stop();
});

test('a plain user sees the members up and why their status is not shown', async ({ page }) => {
  await page.goto(`${server.url}/sign-in?next=/cluster`);
  const help = page.getByTestId('sign-in-help').filter({ visible: true });
  await expect(help).toHaveCount(1);
  await expect(help).toContainText('Use your etcd user name and password');
  await page.getByLabel('User name').fill('alice');
  await page.getByLabel('Password').fill('alice-pw');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(`${server.url}/cluster`);
  await hydrated(page);
  await expect(page.getByTestId('member-row')).toHaveCount(1);
  await expect(page.getByTestId('cluster-summary')).toContainText('1 of 1 endpoints answer');
  await expect(page.getByTestId('alarms')).toHaveText('None.');
  const health = page.getByTestId('member-health');
  if (statusRefused) {
    await expect(health).toHaveText('up (status not shown)');
    const why = "member status needs etcd's root role on this etcd version";
    await expect(page.getByTestId('status-hidden')).toHaveText(why);
    await expect(page.getByTestId('cluster-summary')).toContainText(`Leader: not shown (${why})`);
  } else {
    await expect(health).toHaveText('healthy');
  }
  await expect(page.getByText('down')).toHaveCount(0);
});
