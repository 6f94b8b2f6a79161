// Signing in, in a real browser: a second server with a users file, where a viewer sees no write
// controls and an editor can create a key; sign-out ends the session; the admin manages the file.
import { ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { binary, startServer } from '../harness';
import { test, expect, hydrated, uniquePrefix } from './fixtures';

let server: { url: string; process: ChildProcess };
let dir: string;

test.beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'etcd-deck-users-'));
  const users = path.join(dir, 'users');
  for (const [name, role] of [['vera', 'viewer'], ['ed', 'editor'], ['ada', 'admin']]) {
    execFileSync(binary, ['user', 'add', name, '--role', role, '--users-file', users], {
      env: { ...process.env, ETCD_DECK_PASSWORD: `${name}-password` },
      stdio: 'ignore',
    });
  }
  server = await startServer({ ETCD_DECK_USERS_FILE: users });
});

test.afterAll(async () => {
  server?.process.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

async function signIn(page: import('@playwright/test').Page, user: string, password: string) {
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('a viewer signs in, sees no write controls, and signs out', async ({ page }) => {
  await page.goto(`${server.url}/?prefix=app/`);
  await expect(page).toHaveURL(/\/sign-in\?next=/);
  // The help speaks of this server's users file, not of etcd's users.
  const help = page.getByTestId('sign-in-help').filter({ visible: true });
  await expect(help).toHaveCount(1);
  await expect(help).toContainText("this server's users file");
  await signIn(page, 'vera', 'wrong');
  await expect(page.getByTestId('sign-in-message')).toHaveText('Wrong user name or password.');
  await signIn(page, 'vera', 'vera-password');
  await expect(page).toHaveURL(`${server.url}/?prefix=app/`);
  await hydrated(page);
  await expect(page.getByTestId('signed-in-as')).toHaveText('vera (viewer)');
  await expect(page.getByTestId('read-only')).toBeVisible();
  await expect(page.locator('details.new-key')).toBeHidden();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByTestId('sign-in-message')).toHaveText('You are signed out.');
  await page.goto(`${server.url}/`);
  await expect(page).toHaveURL(/\/sign-in\?next=/);
});

test('a viewer sees how full each member is, and who may maintain instead of the buttons', async ({ page }) => {
  await page.goto(`${server.url}/sign-in?next=/maintenance`);
  await signIn(page, 'vera', 'vera-password');
  await expect(page).toHaveURL(`${server.url}/maintenance`);
  await hydrated(page);
  await expect(page.getByTestId('maintenance-member').first()).toBeVisible();
  await expect(page.getByTestId('maintenance-refused')).toContainText('admin');
  await expect(page.getByTestId('recover')).toHaveCount(0);
  await expect(page.getByTestId('snapshot-link')).toHaveCount(0);
  await expect(page.getByText('Defragment…')).toHaveCount(0);
});

test('an editor signs in and creates a key', async ({ page }) => {
  const prefix = uniquePrefix('signed-in');
  await page.goto(`${server.url}/sign-in`);
  await signIn(page, 'ed', 'ed-password');
  await hydrated(page);
  await expect(page.getByTestId('signed-in-as')).toHaveText('ed (editor)');
  const form = page.locator('details.new-key');
  await form.getByText('New key…').click();
  await form.getByLabel('Key').fill(`${prefix}made-by-ed`);
  await form.getByLabel('Value', { exact: true }).fill('hello');
  await form.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByTestId('notice')).toContainText('made-by-ed');
});

test('the admin adds a user to the users file from the access page, and removes them', async ({ page }) => {
  await page.goto(`${server.url}/access`);
  await signIn(page, 'ada', 'ada-password');
  await expect(page).toHaveURL(`${server.url}/access`);
  await hydrated(page);
  const rows = page.getByTestId('local-user');
  await expect(rows).toHaveCount(3);
  await page.getByTestId('local-name').fill('viv');
  await page.getByTestId('local-role').selectOption('viewer');
  await page.getByTestId('local-password').fill('viv-password');
  await page.getByTestId('local-again').fill('viv-password');
  await page.getByTestId('set-local').click();
  await expect(rows).toHaveCount(4);
  await expect(page.locator('[data-testid="local-user"][data-user="viv"]')).toContainText('viewer');

  await page.locator('[data-testid="local-user"][data-user="viv"]').getByRole('link', { name: 'Remove…' }).click();
  await expect(page.getByTestId('local-confirm')).toContainText('Remove viv from etcd-deck');
  await page.getByTestId('confirm-name').fill('viv');
  await page.getByTestId('confirm-remove-local').click();
  await expect(rows).toHaveCount(3);
  await expect(page.getByTestId('local-confirm')).toHaveCount(0);
});
