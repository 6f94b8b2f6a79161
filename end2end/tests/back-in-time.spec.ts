// Going back in time: the keyspace as it was at a past revision, undeleting from it; leases
// counting down, with their keys, revoked after a confirmation that lists those keys.
import { test, expect, hydrated, uniquePrefix } from './fixtures';

async function put(request: any, key: string, value = 'v'): Promise<number> {
  const response = await request.put(`/api/v1/keys/${encodeURIComponent(key)}`, { data: { value } });
  expect(response.status()).toBe(200);
  return (await response.json()).revision;
}

test('the keyspace as it was marks what became of each key, and brings deleted ones back', async ({ page, request }) => {
  const prefix = uniquePrefix('past');
  await put(request, `${prefix}kept`);
  await put(request, `${prefix}changed`);
  await put(request, `${prefix}gone-1`, 'first');
  await put(request, `${prefix}gone-2`, 'second');
  const then = await put(request, `${prefix}gone-3`, 'third');
  await put(request, `${prefix}changed`, 'later');
  for (const key of ['gone-1', 'gone-2', 'gone-3']) {
    const deleted = await request.delete(`/api/v1/keys/${encodeURIComponent(prefix + key)}`);
    expect(deleted.status()).toBe(200);
  }

  await page.goto(`/past?prefix=${encodeURIComponent(prefix)}&revision=${then}`);
  await hydrated(page);
  await expect(page.getByTestId('past-bounds')).toContainText(`as they were at revision ${then}`);
  const row = (key: string) => page.getByTestId('past-keys').locator('tbody tr').filter({ hasText: prefix + key });
  await expect(row('kept')).toHaveAttribute('data-now', 'unchanged');
  await expect(row('changed')).toHaveAttribute('data-now', 'changed');
  await expect(row('gone-1')).toHaveAttribute('data-now', 'deleted');

  // One key, then a selection; a key back again was written since.
  await row('gone-1').getByRole('button', { name: 'Restore' }).click();
  await expect(row('gone-1')).toHaveAttribute('data-now', 'changed');
  await expect(row('gone-1').getByRole('button', { name: 'Restore' })).toHaveCount(0);
  // A selection: gone-3 unticked stays deleted; then it is the only one selected.
  await row('gone-3').getByTestId('select').uncheck();
  await page.getByRole('button', { name: 'Restore the selected keys (of 2 deleted)' }).click();
  await expect(row('gone-2')).toHaveAttribute('data-now', 'changed');
  await expect(row('gone-3')).toHaveAttribute('data-now', 'deleted');
  await row('gone-3').getByTestId('select').check();
  await page.getByRole('button', { name: 'Restore the selected keys (of 1 deleted)' }).click();
  await expect(row('gone-3')).toHaveAttribute('data-now', 'changed');
  for (const [key, value] of [['gone-1', 'first'], ['gone-2', 'second'], ['gone-3', 'third']]) {
    const restored = await request.get(`/api/v1/keys/${encodeURIComponent(prefix + key)}`);
    expect((await restored.json()).value).toBe(value);
  }
});

test('a lease counts down, lists its keys and is revoked with them after a confirmation', async ({ page, request }) => {
  const prefix = uniquePrefix('lease');
  // A key written with a ttl goes on a lease of its own.
  const response = await request.put(`/api/v1/keys/${encodeURIComponent(`${prefix}session`)}`, {
    data: { value: 'alive', ttl: 300 },
  });
  expect(response.status()).toBe(200);

  await page.goto('/leases');
  await hydrated(page);
  const row = page.locator('tr[data-lease]').filter({ hasText: `${prefix}session` });
  await expect(row).toHaveCount(1);
  const first = Number(await row.getByTestId('ttl').textContent());
  expect(first).toBeGreaterThan(290);
  await expect.poll(async () => Number(await row.getByTestId('ttl').textContent())).toBeLessThan(first);

  await row.getByRole('link', { name: 'Revoke…' }).click();
  const confirm = page.getByTestId('revoke-confirm');
  await expect(confirm).toContainText('This key will be deleted with it:');
  await expect(confirm.getByRole('listitem')).toHaveText([`${prefix}session`]);
  await confirm.getByRole('button', { name: 'Revoke lease' }).click();
  await expect(page.locator('tr[data-lease]').filter({ hasText: `${prefix}session` })).toHaveCount(0);
  const gone = await request.get(`/api/v1/keys/${encodeURIComponent(`${prefix}session`)}`);
  expect(gone.status()).toBe(404);
});

test('a lease granted from the page shows with its time to live', async ({ page }) => {
  await page.goto('/leases');
  await hydrated(page);
  const before = await page.locator('tr[data-lease]').count();
  await page.getByTestId('grant-ttl').fill('120');
  await page.getByRole('button', { name: 'Grant' }).click();
  await expect(page.locator('tr[data-lease]')).toHaveCount(before + 1);
});

test('a key is put on a lease from its page, counts down in the list and comes off it', async ({ page, request }) => {
  const prefix = uniquePrefix('on-lease');
  const granted = await request.post('/api/v1/leases', { data: { ttl: 600 } });
  expect(granted.status()).toBe(200);
  const id: string = (await granted.json()).id;
  await put(request, `${prefix}worker`, 'busy');

  await page.goto(`/key/${encodeURIComponent(`${prefix}worker`)}`);
  await hydrated(page);
  await expect(page.getByTestId('key-lease')).toHaveText('none');
  await page.getByTestId('lease-id').fill(id);
  await page.getByRole('button', { name: 'Attach', exact: true }).click();
  await expect(page.getByTestId('key-lease')).toContainText(id);
  await expect(page.getByTestId('key-lease').getByTestId('lease-left')).toContainText('min');
  await expect(page.getByTestId('value')).toHaveText('busy');

  // The list shows the lease with its time left, counting down.
  await page.goto(`/?prefix=${encodeURIComponent(prefix)}`);
  await hydrated(page);
  const left = page.getByTestId('key-list').getByTestId('lease-left');
  const first = await left.textContent();
  await expect(left).not.toHaveText(first ?? '', { timeout: 5000 });
  await page.getByTestId('key-list').getByRole('link', { name: id }).click();
  await expect(page).toHaveURL(new RegExp(`/leases#lease-${id}$`));
  await expect(page.locator(`#lease-${id}`)).toContainText(`${prefix}worker`);

  await page.goto(`/key/${encodeURIComponent(`${prefix}worker`)}`);
  await hydrated(page);
  await page.getByTestId('lease-detach').click();
  await expect(page.getByTestId('key-lease')).toHaveText('none');
  const key = await request.get(`/api/v1/keys/${encodeURIComponent(`${prefix}worker`)}`);
  expect((await key.json()).lease_id ?? null).toBeNull();
});
