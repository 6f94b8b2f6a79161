// The test fixture every spec uses: a page that fails the test on any browser console error or
// uncaught exception, plus page objects for etcd-deck's pages.
import { test as base, expect, Page, Locator } from '@playwright/test';

/** Waits until the wasm has hydrated the page, so clicks reach their handlers. */
export async function hydrated(page: Page): Promise<void> {
  await page.locator('body[data-hydrated="true"]').waitFor();
}

/** A unique prefix per test, so tests never see each other's keys. */
export function uniquePrefix(name: string): string {
  return `e2e/${name}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}/`;
}

export class KeyListPage {
  readonly newKey: Locator;
  readonly newValue: Locator;
  readonly create: Locator;
  readonly keyList: Locator;
  readonly notice: Locator;
  readonly error: Locator;
  readonly banner: Locator;

  constructor(readonly page: Page) {
    const form = page.locator('details.new-key');
    this.newKey = form.getByLabel('Key');
    this.newValue = form.getByLabel('Value', { exact: true });
    this.create = form.getByRole('button', { name: 'Create' });
    this.keyList = page.getByTestId('key-list');
    this.notice = page.getByTestId('notice');
    this.error = page.getByTestId('error');
    this.banner = page.getByTestId('etcd-banner');
  }

  async open(prefix = ''): Promise<void> {
    await this.page.goto(prefix ? `/?prefix=${encodeURIComponent(prefix)}` : '/');
  }

  /** Opens the listing of a prefix of the test's own, hydrated; answers the prefix. */
  async openFresh(name: string): Promise<string> {
    const prefix = uniquePrefix(name);
    await this.open(prefix);
    await hydrated(this.page);
    return prefix;
  }

  /** Creates a key from the list page, then opens its page from the list. */
  async createAndOpen(key: string, value: string): Promise<void> {
    await this.createKey(key, value);
    await this.keyLink(key).click();
  }

  /** Opens the new-key form, a button above the list until then. */
  async openNewKey(): Promise<void> {
    const form = this.page.locator('details.new-key');
    if (!(await form.evaluate((details) => (details as HTMLDetailsElement).open))) {
      await form.getByText('New key…').click();
    }
  }

  async createKey(key: string, value: string): Promise<void> {
    await this.openNewKey();
    await this.newKey.fill(key);
    await this.newValue.fill(value);
    await this.create.click();
  }

  keyLink(key: string): Locator {
    return this.keyList.getByRole('link', { name: key, exact: true });
  }
}

export class KeyPage {
  readonly name: Locator;
  readonly value: Locator;
  readonly encoding: Locator;
  readonly valueInput: Locator;
  readonly save: Locator;
  readonly notice: Locator;
  readonly error: Locator;

  constructor(readonly page: Page) {
    this.name = page.getByTestId('key-name');
    this.value = page.getByTestId('value');
    this.encoding = page.getByTestId('value-encoding');
    this.valueInput = page.getByTestId('value-input');
    this.save = page.getByRole('button', { name: 'Save' });
    this.notice = page.getByTestId('notice');
    this.error = page.getByTestId('error');
  }

  async edit(value: string): Promise<void> {
    await this.valueInput.fill(value);
    await this.save.click();
  }

  async delete(): Promise<void> {
    await this.page.getByRole('link', { name: 'Delete…' }).click();
    // Deleting asks first, and does not claim what History can undo cannot be undone.
    const confirm = this.page.getByRole('alertdialog', { name: 'Confirm deletion' });
    await expect(confirm).toContainText('History can bring it back');
    await expect(confirm).not.toContainText('cannot be undone');
    await confirm.getByRole('button', { name: 'Delete the key' }).click();
  }
}

/** Chromium's console line for a response with an error status. */
function httpErrorStatus(text: string): number | undefined {
  const match = /^Failed to load resource: the server responded with a status of (\d{3})/.exec(text);
  return match ? Number(match[1]) : undefined;
}

export const test = base.extend<{ allowedHttpErrors: number[]; consoleErrors: string[] }>({
  // HTTP error statuses a test provokes on purpose; Chromium logs each one as a console error.
  allowedHttpErrors: [[], { option: true }],
  consoleErrors: [
    async ({ page, allowedHttpErrors }, use) => {
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() !== 'error') return;
        const status = httpErrorStatus(message.text());
        if (status === undefined || !allowedHttpErrors.includes(status)) errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
      // Anything the page's Content-Security-Policy blocks fails the test too.
      await page.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (event) =>
          console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`),
        );
      });
      page.on('dialog', (dialog) => {
        errors.push(`unexpected dialog: ${dialog.message()}`);
        void dialog.dismiss();
      });
      await use(errors);
      expect(errors, 'browser console errors').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
export type { Page };
