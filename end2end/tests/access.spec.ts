// The access page on a private cluster with etcd's authentication on: root makes a role with a
// prefix permission and a user holding it, each change confirmed first; the page answers what
// that user may do; then the user signs in in a second browser and sees exactly their keys.
import { ChildProcess } from 'node:child_process';
import { etcdctl, startPrivateCluster, startServer } from '../harness';
import { test, expect, hydrated, Page } from './fixtures';

let cluster: { endpoints: string; stop: () => void };
let server: { url: string; process: ChildProcess };

test.beforeAll(async () => {
  cluster = await startPrivateCluster(1);
  const ctl = (...args: string[]) => etcdctl(cluster.endpoints, ...args);
  ctl('user', 'add', 'root:root-pw');
  ctl('user', 'grant-role', 'root', 'root');
  ctl('auth', 'enable');
  for (const key of ['team/a/1', 'team/a/2', 'team/b/1', 'team/a0']) {
    ctl('--user=root:root-pw', 'put', key, `value of ${key}`);
  }
  server = await startServer({ ETCD_ENDPOINTS: cluster.endpoints });
});

test.afterAll(async () => {
  server?.process.kill('SIGTERM');
  cluster?.stop();
});

async function signIn(page: Page, user: string, password: string, next: string): Promise<void> {
  await page.goto(`${server.url}/sign-in?next=${encodeURIComponent(next)}`);
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(`${server.url}${next}`);
  await hydrated(page);
}

/** Confirms the change the page asks about, after checking what it says it will do. */
async function confirm(page: Page, what: string, done: string): Promise<void> {
  await expect(page.getByTestId('confirm-what')).toHaveText(what);
  await page.getByTestId('confirm-change').click();
  await expect(page.getByTestId('notice')).toHaveText(done);
  await expect(page.getByTestId('access-confirm')).toHaveCount(0);
}

test('root grants a role over a prefix to a new user, who then sees exactly those keys', async ({ page, browser }) => {
  test.setTimeout(90_000);
  await signIn(page, 'root', 'root-pw', '/access');
  await expect(page.getByTestId('auth-state')).toContainText('Authentication is on');
  await expect(page.getByTestId('user-row')).toHaveCount(1);

  // A role, confirmed first.
  await page.getByTestId('new-role-name').fill('team-a');
  await page.getByTestId('add-role').click();
  await confirm(page, 'Add the role team-a, which grants nothing until given permissions.', 'Added the role team-a.');
  await expect(page.getByTestId('subject')).toContainText('It grants nothing yet.');

  // Its permission: read and write under team/a/.
  await page.getByTestId('permission-key').fill('team/a/');
  await page.getByTestId('grant-permission').click();
  await confirm(
    page,
    'Let the role team-a read and write keys under team/a/.',
    'The role team-a may now readwrite keys under team/a/.',
  );
  await expect(page.getByTestId('permission-row')).toHaveText(/readwrite\s*keys under team\/a\//);

  // A user, the password asked twice; then the role granted, confirmed.
  await page.getByTestId('new-user-name').fill('bob');
  await page.getByTestId('new-user-password').fill('bob-pw');
  await page.getByTestId('new-user-again').fill('bob-pw');
  await page.getByTestId('add-user').click();
  await expect(page.getByTestId('notice')).toHaveText('Added the user bob.');
  await expect(page.getByTestId('subject')).toContainText('They hold no role');
  await page.getByTestId('grant-role-name').selectOption('team-a');
  await page.getByTestId('grant-role').click();
  await confirm(page, 'Grant the role team-a to bob.', 'Granted the role team-a to bob.');
  await expect(page.getByTestId('user-role')).toHaveAttribute('data-role', 'team-a');

  // What bob may do, and through which role.
  await page.getByTestId('check-user').fill('bob');
  await page.getByTestId('question-key').first().fill('team/a/');
  await page.getByTestId('check-access').click();
  const read = page.getByTestId('verdict-read');
  await expect(read.getByTestId('verdict-answer')).toHaveText('yes');
  await expect(read.getByTestId('granted-by')).toContainText('team-a: readwrite keys under team/a/');
  await expect(page.getByTestId('verdict-write').getByTestId('verdict-answer')).toHaveText('yes');
  await page.getByTestId('question-key').first().fill('team/');
  await page.getByTestId('check-access').click();
  await expect(read.getByTestId('verdict-answer')).toHaveText('in part');
  await expect(read.getByTestId('not-covered')).toContainText('keys from team/ up to team/a/');

  // Who may write under team/a/: root and bob.
  await page.goto(`${server.url}/access?who=write&kind=prefix&key=team%2Fa%2F#who`);
  await expect(page.getByTestId('who-user')).toHaveText(['bob', 'root']);

  // bob, in a browser of their own, sees exactly the keys under team/a/.
  const other = await browser.newContext();
  const bob = await other.newPage();
  await signIn(bob, 'bob', 'bob-pw', '/?prefix=team%2Fa%2F');
  const rows = bob.getByTestId('key-list').locator('tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(rows).toContainText(['team/a/1', 'team/a/2']);
  await bob.goto(`${server.url}/?prefix=team%2Fb%2F`);
  await expect(bob.getByTestId('error')).toContainText('do not allow the etcd user bob to list the keys under team/b/');
  await other.close();

  // Deleting the user asks for the name typed.
  await page.goto(`${server.url}/access?user=bob#user`);
  await hydrated(page);
  await page.getByTestId('delete-user').click();
  await expect(page.getByTestId('confirm-what')).toContainText('Delete the user bob.');
  await page.getByTestId('confirm-name').fill('bob');
  await page.getByTestId('confirm-change').click();
  await expect(page.getByTestId('notice')).toHaveText('Deleted the user bob.');
  await expect(page.getByTestId('user-row')).toHaveCount(1);
});
