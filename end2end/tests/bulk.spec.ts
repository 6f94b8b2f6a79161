// Many keys at once: picking keys on the list for the bulk page (delete, copy, export), the
// whole-prefix delete that must be typed, and an import through the page: dry run, then apply.
import { test, expect, hydrated, uniquePrefix } from './fixtures';

async function put(request: any, key: string, value = 'v'): Promise<void> {
  const response = await request.put(`/api/v1/keys/${encodeURIComponent(key)}`, { data: { value } });
  expect(response.status()).toBe(200);
}

async function value(request: any, key: string): Promise<string | null> {
  const response = await request.get(`/api/v1/keys/${encodeURIComponent(key)}`);
  return response.status() === 200 ? (await response.json()).value : null;
}

test('picked keys are deleted from the bulk page, leaving a key changed since', async ({ page, request }) => {
  const prefix = uniquePrefix('pick');
  for (const name of ['a', 'b', 'c', 'd']) await put(request, `${prefix}${name}`);
  await page.goto(`/?prefix=${encodeURIComponent(prefix)}`);
  await hydrated(page);
  const row = (name: string) => page.getByTestId('key-list').locator('tbody tr').filter({ hasText: `${prefix}${name}` });
  for (const name of ['a', 'b', 'c']) await row(name).getByTestId('pick').check();
  await page.getByTestId('act-on-picked').click();

  await expect(page).toHaveURL(/\/bulk\?/);
  await expect(page.getByTestId('bulk-summary')).toContainText('3 keys picked');
  await expect(page.getByTestId('bulk-keys').locator('tbody tr')).toHaveCount(3);
  // Someone writes b after the page was read: it stays.
  await hydrated(page);
  await put(request, `${prefix}b`, 'theirs');
  // Deleting asks first, as deleting one key does: the button alone deletes nothing.
  await page.getByRole('button', { name: 'Delete these 3 keys' }).click();
  await expect(page.getByTestId('bulk-report')).toHaveCount(0);
  expect(await value(request, `${prefix}a`)).toBe('v');
  await page.getByTestId('bulk-confirm').check();
  await page.getByRole('button', { name: 'Delete these 3 keys' }).click();
  await expect(page.getByTestId('bulk-report')).toContainText('2 keys deleted');
  await expect(page.getByTestId('bulk-report')).toContainText(`1 left: written after the revision shown (${prefix}b)`);
  expect(await value(request, `${prefix}a`)).toBeNull();
  expect(await value(request, `${prefix}b`)).toBe('theirs');
  expect(await value(request, `${prefix}d`)).toBe('v');
  // The deleted keys are no longer listed as if they were there.
  await expect(page.getByTestId('bulk-keys')).toHaveCount(0);
  await expect(page.getByTestId('bulk-next')).toContainText('Back to the keys under');
});

test('a move says it moved, and the moved keys are no longer listed here', async ({ page, request }) => {
  const prefix = uniquePrefix('move');
  for (const name of ['p', 'q']) await put(request, `${prefix}${name}`, name);
  await page.goto(`/?prefix=${encodeURIComponent(prefix)}`);
  await hydrated(page);
  await page.getByTestId('act-on-all').click();
  await expect(page.getByTestId('bulk-keys').locator('tbody tr')).toHaveCount(2);
  await hydrated(page);
  const target = `${prefix.slice(0, -1)}-moved/`;
  await page.getByTestId('bulk-to').fill(target);
  await page.getByTestId('bulk-move').check();
  await page.getByRole('button', { name: 'Go' }).click();
  await expect(page.getByTestId('bulk-report')).toContainText('2 keys moved.');
  await expect(page.getByTestId('bulk-keys')).toHaveCount(0);
  await page.getByTestId('bulk-next').getByRole('link', { name: `See ${target}` }).click();
  await expect(page.getByTestId('key-list')).toContainText(`${target}p`);
  expect(await value(request, `${prefix}p`)).toBeNull();
});

test('every key under a prefix is copied, exported, and deleted once the prefix is typed', async ({ page, request }) => {
  const prefix = uniquePrefix('all');
  for (const name of ['x', 'y']) await put(request, `${prefix}${name}`, name);
  await page.goto(`/?prefix=${encodeURIComponent(prefix)}`);
  await hydrated(page);
  await page.getByTestId('act-on-all').click();
  await expect(page.getByTestId('bulk-summary')).toContainText('Every key under');
  await expect(page.getByTestId('bulk-summary')).toContainText('2 keys');

  const href = await page.getByTestId('bulk-export').getAttribute('href');
  const exported = await request.get(href!);
  expect(exported.status()).toBe(200);
  const lines = (await exported.text()).trim().split('\n').map((l) => JSON.parse(l));
  expect(lines[0].format).toBe('etcd-deck-export');
  expect(lines.slice(1).map((l) => [l.key, l.value])).toEqual([[`${prefix}x`, 'x'], [`${prefix}y`, 'y']]);

  await hydrated(page);
  const copy = `${prefix.slice(0, -1)}-copy/`;
  await page.getByTestId('bulk-to').fill(copy);
  await page.getByRole('button', { name: 'Go' }).click();
  await expect(page.getByTestId('bulk-report')).toContainText('2 keys copied');
  expect(await value(request, `${copy}y`)).toBe('y');

  await page.getByTestId('bulk-confirm').fill(prefix);
  await page.getByRole('button', { name: 'Delete these 2 keys' }).click();
  await expect(page.getByTestId('bulk-report')).toContainText('2 keys deleted');
  expect(await value(request, `${prefix}x`)).toBeNull();
  expect(await value(request, `${copy}x`)).toBe('x');
});

test('a copy or move says what it would do before it runs, as the target is typed', async ({ page, request }) => {
  const prefix = uniquePrefix('plan');
  for (const name of ['a', 'b', 'c']) await put(request, `${prefix}${name}`, name);
  const target = `${prefix.slice(0, -1)}-to/`;
  await put(request, `${target}b`, 'there');
  await page.goto(`/?prefix=${encodeURIComponent(prefix)}`);
  await hydrated(page);
  await page.getByTestId('act-on-all').click();
  await expect(page.getByTestId('bulk-keys').locator('tbody tr')).toHaveCount(3);
  await hydrated(page);
  const plan = page.getByTestId('copy-plan');
  await expect(plan).toBeEmpty();

  // The copy form is in a lazily loaded part of the page: a target typed before that part has
  // hydrated is not seen by it (the plan is only offered once it has), so type it again until
  // the plan answers.
  const summary = plan.getByTestId('copy-plan-summary');
  await expect(async () => {
    await page.getByTestId('bulk-to').fill('');
    await page.getByTestId('bulk-to').fill(target);
    await expect(summary).toHaveText('2 keys would be copied; 1 key exists there already and would be left as it is.', { timeout: 3000 });
  }).toPass({ timeout: 20000 });
  await expect(plan.locator('tbody tr').first()).toContainText(`${target}b`);
  await expect(plan.locator('tbody tr').first()).toContainText('left as it is');
  await page.getByText('Write over keys that exist there').click();
  await expect(summary).toHaveText('3 keys would be copied; 1 key exists there already and would be written over.');
  await page.getByTestId('bulk-move').check();
  await expect(summary).toHaveText('3 keys would be moved; 1 key exists there already and would be written over.');
  // Nothing was written by looking.
  expect(await value(request, `${target}b`)).toBe('there');
  expect(await value(request, `${target}a`)).toBeNull();

  await page.getByRole('button', { name: 'Go' }).click();
  await expect(page.getByTestId('bulk-report')).toContainText('3 keys moved');
  expect(await value(request, `${target}b`)).toBe('b');
});

test('an import is checked first, then applied, and a second look shows nothing to write', async ({ page, request }) => {
  const prefix = uniquePrefix('import');
  await put(request, `${prefix}same`, 'kept');
  await put(request, `${prefix}old`, 'before');
  await page.goto('/bulk');
  await hydrated(page);
  const file = JSON.stringify({ [`${prefix}same`]: 'kept', [`${prefix}old`]: 'after', [`${prefix}new`]: 'hello' });
  await page.getByTestId('import-text').fill(file);
  await page.getByRole('button', { name: 'Check it (dry run)' }).click();

  const report = page.getByTestId('import-report');
  await expect(report).toContainText('3 keys in the file');
  await expect(report).toContainText(`1 would be created: ${prefix}new`);
  await expect(report).toContainText(`1 would be updated: ${prefix}old`);
  await expect(report).toContainText('1 holds that value already');
  expect(await value(request, `${prefix}new`)).toBeNull();

  await hydrated(page);
  await page.getByRole('button', { name: 'Apply: write 2 keys' }).click();
  await expect(page.getByTestId('import-applied')).toContainText('1 was created');
  await expect(report).toContainText('3 hold that value already');
  expect(await value(request, `${prefix}new`)).toBe('hello');
  expect(await value(request, `${prefix}old`)).toBe('after');

  // Text that does not parse is refused, and given back to fix: nothing pasted is lost.
  const typo = `{"${prefix}a": "1",, "${prefix}b": "2"}`;
  await page.getByTestId('import-text').fill(typo);
  await page.getByRole('button', { name: 'Check it (dry run)' }).click();
  await expect(page.getByTestId('import-error')).toContainText('neither an etcd-deck export');
  await expect(page.getByTestId('import-text')).toHaveValue(typo);
});

test('after an apply, the keys it left alone are not offered for writing over again', async ({ page, request }) => {
  const prefix = uniquePrefix('import-left');
  await put(request, `${prefix}contested`, 'before');
  await page.goto('/bulk');
  await hydrated(page);
  const file = JSON.stringify({ [`${prefix}contested`]: 'from the file', [`${prefix}new`]: 'hello' });
  await page.getByTestId('import-text').fill(file);
  await page.getByRole('button', { name: 'Check it (dry run)' }).click();
  await expect(page.getByTestId('import-report')).toContainText('1 would be updated');
  await hydrated(page);
  // Someone writes the key after the dry run: the import leaves it alone.
  await put(request, `${prefix}contested`, 'theirs');
  await page.getByRole('button', { name: 'Apply: write 2 keys' }).click();
  await expect(page.getByTestId('import-applied')).toContainText('1 was created');
  await expect(page.getByTestId('import-applied')).toContainText('1 left alone');
  await expect(page.getByTestId('import-left')).toContainText('1 key the file still differs from');
  await expect(page.getByRole('button', { name: /^Apply/ })).toHaveCount(0);
  expect(await value(request, `${prefix}contested`)).toBe('theirs');
  // Checking the file again is a choice made knowingly.
  await page.getByRole('link', { name: 'Check the file again' }).click();
  await expect(page.getByRole('button', { name: 'Apply: write 1 key' })).toBeVisible();
});
