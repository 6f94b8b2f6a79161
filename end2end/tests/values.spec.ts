// Values people can read (detected formats, pretty, raw and hex views), an editor that checks
// what it saves, and conflicting saves resolved from three versions.
import type { APIRequestContext } from '@playwright/test';
import { test, expect, hydrated, uniquePrefix, KeyPage, Page } from './fixtures';

const keyUrl = (key: string) => `/key/${encodeURIComponent(key)}`;

async function put(request: APIRequestContext, key: string, value: string): Promise<void> {
  const response = await request.put(`/api/v1/keys/${encodeURIComponent(key)}`, { data: { value } });
  expect(response.ok()).toBe(true);
}

async function openKey(page: Page, key: string): Promise<KeyPage> {
  await page.goto(keyUrl(key));
  await hydrated(page);
  return new KeyPage(page);
}

const saveButton = (page: Page) => page.getByRole('button', { name: 'Save', exact: true });

test('JSON is shown pretty, folds, and saving it untouched writes nothing', async ({ page, request }) => {
  const key = `${uniquePrefix('pretty')}service`;
  const json = '{"name":"deck","replicas":3,"ports":[80,443],"tls":{"on":true,"ca":null}}';
  await put(request, key, json);
  const keyPage = await openKey(page, key);

  await expect(keyPage.encoding).toContainText('JSON, 73 B');
  const pretty = page.getByTestId('value-pretty');
  await expect(pretty).toContainText('"replicas": 3,');
  await expect(pretty.locator('.t-k').first()).toHaveText('"name"');
  await expect(pretty.locator('.t-n').first()).toHaveText('3');
  // Folding is <details>: the nested object's lines hide, its first line stays.
  const tls = pretty.locator('details details').filter({ hasText: '"tls"' });
  await expect(tls.getByText('"on"')).toBeVisible();
  await tls.locator('summary').click();
  await expect(tls.getByText('"on"')).toBeHidden();

  await page.getByTestId('view-raw').click();
  await expect(keyPage.value).toHaveText(json);
  await page.getByTestId('view-hex').click();
  await expect(page.getByTestId('value-hex')).toContainText('00000000  7b 22 6e 61 6d 65 22 3a');

  const meta = page.getByTestId('key-meta');
  const before = await meta.textContent();
  await expect(page.getByTestId('value-format')).toHaveValue('json');
  await saveButton(page).click();
  await expect(keyPage.notice).toContainText('Nothing to save');
  await expect(meta).toHaveText(before!);
  const stored = await (await request.get(`/api/v1/keys/${encodeURIComponent(key)}`)).json();
  expect(stored.version).toBe(1);
});

test.describe('refused saves', () => {
  test.use({ allowedHttpErrors: [400, 412] });

  test('invalid JSON is refused with its line and column, and kept; plain text saves it', async ({ page, request }) => {
    const key = `${uniquePrefix('invalid')}config`;
    await put(request, key, '{"a": 1}');
    const keyPage = await openKey(page, key);

    const typed = '{\n  "a": 1,\n  "b" 2\n}';
    await keyPage.valueInput.fill(typed);
    await saveButton(page).click();
    await expect(keyPage.error).toContainText('not valid JSON: line 3, column 7');
    await expect(page).toHaveURL(/draft=[0-9a-f]{32}/);
    await expect(keyPage.valueInput).toHaveValue(typed);
    const unchanged = await (await request.get(`/api/v1/keys/${encodeURIComponent(key)}`)).json();
    expect(unchanged.version).toBe(1);

    await page.getByTestId('value-format').selectOption('text');
    await saveButton(page).click();
    await expect(keyPage.notice).toContainText('Saved at revision');
    await expect(keyPage.encoding).toContainText('UTF-8 text');
  });

  /** Opens `key` holding three lines, has someone else change the first, then saves a change
   * to the third: the save lands on the three-way conflict page. */
  async function conflict(page: Page, request: APIRequestContext, name: string): Promise<string> {
    const key = `${uniquePrefix(name)}lines`;
    await put(request, key, 'one\ntwo\nthree');
    const keyPage = await openKey(page, key);
    await put(request, key, 'ONE\ntwo\nthree');
    await keyPage.valueInput.fill('one\ntwo\nTHREE');
    await saveButton(page).click();
    const view = page.getByTestId('conflict');
    await expect(view).toContainText('the key changed while you were editing it');
    await expect(page.getByTestId('conflict-base')).toHaveText('one\ntwo\nthree');
    await expect(page.getByTestId('conflict-theirs')).toHaveText('ONE\ntwo\nthree');
    await expect(page.getByTestId('conflict-yours')).toHaveText('one\ntwo\nTHREE');
    await expect(keyPage.error).toContainText('changed by someone else');
    return key;
  }

  test('a conflict: keep theirs', async ({ page, request }) => {
    const key = await conflict(page, request, 'keep');
    await page.getByTestId('keep-theirs').click();
    await expect(page.getByTestId('conflict')).toHaveCount(0);
    await expect(new KeyPage(page).value).toHaveText('ONE\ntwo\nthree');
    const stored = await (await request.get(`/api/v1/keys/${encodeURIComponent(key)}`)).json();
    expect(stored.version).toBe(2);
  });

  test('a conflict: overwrite with yours, against their revision', async ({ page, request }) => {
    const key = await conflict(page, request, 'overwrite');
    await page.getByTestId('overwrite').click();
    await expect(new KeyPage(page).notice).toContainText('Saved at revision');
    await expect(new KeyPage(page).value).toHaveText('one\ntwo\nTHREE');
    const stored = await (await request.get(`/api/v1/keys/${encodeURIComponent(key)}`)).json();
    expect(stored.version).toBe(3);
  });

  test('a conflict: overwrite is refused again when a third change came in', async ({ page, request }) => {
    const key = await conflict(page, request, 'third');
    await put(request, key, 'third writer');
    await page.getByTestId('overwrite').click();
    await expect(page.getByTestId('conflict-theirs')).toHaveText('third writer');
    const stored = await (await request.get(`/api/v1/keys/${encodeURIComponent(key)}`)).json();
    expect(stored.value).toBe('third writer');
  });

  test('a conflict: merge by hand starts from both changes merged', async ({ page, request }) => {
    const key = await conflict(page, request, 'merge');
    await expect(page.getByTestId('merge-note')).toContainText('different lines');
    const merge = new KeyPage(page).valueInput;
    await expect(merge).toHaveValue('ONE\ntwo\nTHREE');
    await merge.fill('ONE\ntwo\nTHREE\nfour');
    await page.getByRole('button', { name: 'Save the merge' }).click();
    await expect(new KeyPage(page).notice).toContainText('Saved at revision');
    const stored = await (await request.get(`/api/v1/keys/${encodeURIComponent(key)}`)).json();
    expect(stored.value).toBe('ONE\ntwo\nTHREE\nfour');
  });

  test('a conflict on a one-line value without a final newline: the markers stand on lines of their own', async ({ page, request }) => {
    const key = `${uniquePrefix('oneline')}doc.json`;
    await put(request, key, '{"v": "base"}');
    const keyPage = await openKey(page, key);
    await put(request, key, '{"v": "theirs"}');
    await keyPage.valueInput.fill('{"v": "mine"}');
    await saveButton(page).click();
    await expect(page.getByTestId('conflict')).toBeVisible();
    const merged = await keyPage.valueInput.inputValue();
    const lines = merged.split('\n');
    for (const marker of ['<<<<<<<', '|||||||', '=======', '>>>>>>>']) {
      expect(lines.filter((line) => line.startsWith(marker)), merged).toHaveLength(1);
    }
    expect(lines, merged).toContain('{"v": "mine"}');
    expect(lines, merged).toContain('{"v": "base"}');
    expect(lines, merged).toContain('{"v": "theirs"}');
    // The panel above the three versions does not send the user away from them.
    await expect(keyPage.error).not.toContainText('Reload');
  });
});

test("YAML's comments stay in its pretty view", async ({ page, request }) => {
  const key = `${uniquePrefix('yaml-comments')}deploy.yaml`;
  await put(request, key, '# rollout of the web tier\nname: web # the service\nports:\n  # public\n  - 80\n  - 443 # tls\n');
  await openKey(page, key);
  const pretty = page.getByTestId('value-pretty');
  await expect(pretty).toContainText('# rollout of the web tier');
  await expect(pretty).toContainText('name: web # the service');
  await expect(pretty).toContainText('# public');
  await expect(pretty).toContainText('- 443 # tls');
  await expect(pretty.locator('.t-c').first()).toHaveText('# rollout of the web tier');
});

test('the editor indents with Tab, formats JSON and numbers its lines', async ({ page, request }) => {
  const key = `${uniquePrefix('editor')}doc`;
  await put(request, key, '{"a":[1,2]}');
  const keyPage = await openKey(page, key);
  const input = keyPage.valueInput;

  await page.getByTestId('format-value').click();
  await expect(input).toHaveValue('{\n  "a": [\n    1,\n    2\n  ]\n}\n');
  await expect(page.locator('.editor .gutter')).toHaveText('1\n2\n3\n4\n5\n6\n7');
  // Format is offered only where it can work: JSON and YAML, not text, TOML or hex.
  for (const format of ['text', 'toml', 'hex']) {
    await page.getByTestId('value-format').selectOption(format);
    await expect(page.getByTestId('format-value')).toHaveCount(0);
  }
  await page.getByTestId('value-format').selectOption('yaml');
  await expect(page.getByTestId('format-value')).toBeVisible();

  await input.fill('x');
  await input.press('Home');
  await input.press('Tab');
  await expect(input).toHaveValue('  x');
  await input.press('End');
  await input.press('Enter');
  await input.pressSequentially('y');
  await expect(input).toHaveValue('  x\n  y');
  await input.press('Shift+Tab');
  await expect(input).toHaveValue('  x\ny');
});
