// The REST API's reference page, reached from the navigation.
import { test, expect, hydrated } from './fixtures';

test('the API page lists every endpoint and links the OpenAPI document', async ({ page }) => {
  await page.goto('/');
  await hydrated(page);
  await page.getByRole('link', { name: 'API', exact: true }).click();

  await expect(page).toHaveURL(/\/api$/);
  const operations = page.getByTestId('api-operation');
  await expect(operations.filter({ hasText: 'PUT /api/v1/keys/{key}' })).toContainText('If-Match');
  // One entry per operation of the served OpenAPI document, not a number written down here.
  const served = await (await page.request.get('/api/v1/openapi.json')).json();
  const methods = ['get', 'put', 'post', 'delete', 'patch', 'head'];
  const count = Object.values(served.paths as Record<string, object>)
    .map((item) => Object.keys(item).filter((key) => methods.includes(key)).length)
    .reduce((sum, n) => sum + n, 0);
  expect(count).toBeGreaterThan(20);
  await expect(operations).toHaveCount(count);
  await expect(operations.filter({ hasText: 'DELETE /api/v1/session' })).toHaveCount(1);
  // Code in the descriptions is shown as code, not as markdown's backticks.
  await expect(page.locator('main')).not.toContainText('`');
  await expect(page.locator('main code').filter({ hasText: 'If-Match' }).first()).toBeVisible();
  // A POST documents the fields of its body.
  const copy = operations.filter({ hasText: 'POST /api/v1/copy' });
  for (const field of ['from', 'to', 'prefix', 'overwrite']) {
    const row = copy.locator('tr').filter({ has: page.locator('td:first-child code', { hasText: new RegExp(`^${field}$`) }) });
    await expect(row).toContainText('body');
  }

  const href = await page.getByRole('link', { name: 'openapi.json' }).getAttribute('href');
  const document = await (await page.request.get(href!)).json();
  expect(Object.keys(document.paths)).toContain('/api/v1/keys/{key}/append');
});
