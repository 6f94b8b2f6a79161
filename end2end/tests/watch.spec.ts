// The watch page: a live log of the changes under a prefix, with the values written and those
// before them, pause, resume and export.
import { test, expect, hydrated, uniquePrefix } from './fixtures';

test('the watch page logs changes as they happen, pauses, resumes and exports them', async ({ page, request }) => {
  const prefix = uniquePrefix('watch');
  // The log starts when the page's stream opens: the server answers once its etcd watch is in
  // place, so changes made after that answer are the page's.
  const following = page.waitForResponse((response) => response.url().includes('/api/v1/watch'));
  await page.goto(`/watch?prefix=${encodeURIComponent(prefix)}`);
  await hydrated(page);
  expect((await following).headers()['content-type']).toBe('text/event-stream');
  const rows = page.getByTestId('watch-log').locator('tbody tr');
  await expect(rows).toHaveCount(0);

  const path = (key: string) => `/api/v1/keys/${encodeURIComponent(prefix + key)}`;
  const put = await request.put(path('a'), { data: { value: 'hello' } });
  const revision = (await put.json()).revision;
  await request.put(`/api/v1/keys/${encodeURIComponent(`${uniquePrefix('elsewhere')}x`)}`, { data: { value: 'v' } });
  expect((await request.delete(path('a'))).status()).toBe(200);
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(1)).toContainText(`put${prefix}ahello${revision}15 B`);
  await expect(rows.nth(0)).toHaveAttribute('data-kind', 'delete');
  await expect(page.getByTestId('watch-status')).toContainText('2 changes since this page opened');

  await page.getByTestId('watch-pause').click();
  await request.put(path('b'), { data: { value: 'v' } });
  await expect(page.getByTestId('watch-status')).toContainText('Paused: 1 held.');
  await expect(rows).toHaveCount(2);
  await page.getByTestId('watch-pause').click();
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toContainText(`${prefix}b`);

  const exported = decodeURIComponent(
    (await page.getByTestId('watch-export').getAttribute('href'))!.replace(/^data:application\/x-ndjson;charset=utf-8,/, ''),
  );
  const lines = exported.trim().split('\n').map((line) => JSON.parse(line));
  expect(lines.map((line) => [line.kind, line.key])).toEqual([
    ['put', `${prefix}a`],
    ['delete', `${prefix}a`],
    ['put', `${prefix}b`],
  ]);
});

test('each change shows the value written and the value before it', async ({ page, request }) => {
  const prefix = uniquePrefix('watch-values');
  const following = page.waitForResponse((response) => response.url().includes('/api/v1/watch'));
  await page.goto(`/watch?prefix=${encodeURIComponent(prefix)}`);
  await hydrated(page);
  await following;
  const rows = page.getByTestId('watch-log').locator('tbody tr');
  const path = `/api/v1/keys/${encodeURIComponent(`${prefix}config`)}`;
  expect((await request.put(path, { data: { value: '{"replicas": 2}' } })).status()).toBe(200);
  expect((await request.put(path, { data: { value: '{"replicas": 3}' } })).status()).toBe(200);
  expect((await request.put(path, { data: { value: 'x'.repeat(2000) } })).status()).toBe(200);
  expect((await request.delete(path)).status()).toBe(200);
  await expect(rows).toHaveCount(4);

  // Newest first: the delete shows what was deleted.
  await expect(rows.nth(0).getByTestId('watch-value')).toHaveCount(0);
  await expect(rows.nth(0).getByTestId('watch-previous')).toHaveText(`was ${'x'.repeat(160)}…`);
  // A long value shows its start only.
  await expect(rows.nth(1).getByTestId('watch-value')).toHaveText(`${'x'.repeat(160)}…`);
  await expect(rows.nth(1).getByTestId('watch-previous')).toHaveText('was {"replicas": 3}');
  await expect(rows.nth(2).getByTestId('watch-value')).toHaveText('{"replicas": 3}');
  await expect(rows.nth(2).getByTestId('watch-previous')).toHaveText('was {"replicas": 2}');
  await expect(rows.nth(3).getByTestId('watch-value')).toHaveText('{"replicas": 2}');
  await expect(rows.nth(3).getByTestId('watch-previous')).toHaveCount(0);

  const exported = decodeURIComponent(
    (await page.getByTestId('watch-export').getAttribute('href'))!.replace(/^data:application\/x-ndjson;charset=utf-8,/, ''),
  );
  const lines = exported.trim().split('\n').map((line) => JSON.parse(line));
  expect(lines[1].value).toBe('{"replicas": 3}');
  expect(lines[1].prev_value).toBe('{"replicas": 2}');
});
