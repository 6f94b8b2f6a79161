// Every page passes axe-core's WCAG 2 A and AA rules in light mode, in dark mode, and on a phone
// (390 px wide), and no page scrolls sideways on a phone.
import AxeBuilder from '@axe-core/playwright';
import { test, expect, hydrated, uniquePrefix, Page } from './fixtures';

const prefix = uniquePrefix('a11y');
const key = `${prefix}config.json`;

// Each page, and what to do on it before it is checked (a folder opened in place, a copy planned).
const pages: [string, string, ((page: Page) => Promise<void>)?][] = [
  ['the key list', `/?prefix=${encodeURIComponent(prefix)}`],
  ['a key beside the list', `/?prefix=${encodeURIComponent(prefix)}&open=${encodeURIComponent(key)}`],
  ['the tree', `/?view=tree&prefix=${encodeURIComponent(prefix)}`, async (page) => {
    await page.getByTestId('expand').first().click();
    await expect(page.locator('tr[data-depth="1"]').first()).toBeVisible();
  }],
  ['a key', `/key/${encodeURIComponent(key)}`],
  ['search', `/search?prefix=${encodeURIComponent(prefix)}&q=config`],
  ['watch', `/watch?prefix=${encodeURIComponent(prefix)}`],
  ['leases', '/leases'],
  ['history', `/past?prefix=${encodeURIComponent(prefix)}`],
  ['import', '/bulk'],
  ['the bulk page', `/bulk?prefix=${encodeURIComponent(prefix)}&all=1`, async (page) => {
    await page.getByTestId('bulk-to').fill(`${prefix}copy/`);
    await expect(page.getByTestId('copy-plan-summary')).toBeVisible();
  }],
  ['the cluster', '/cluster'],
  ['the charts', '/cluster/charts'],
  ['maintenance', '/maintenance', async (page) => {
    await expect(page.getByTestId('recovery-plan')).toBeVisible();
  }],
  ['a defragmentation asked', '/maintenance?do=defragment&member=m1'],
  ['access, and who may write', '/access?who=write&kind=prefix&key=e2e%2F', async (page) => {
    await expect(page.getByTestId('who-answer')).toBeVisible();
  }],
  ['a permission asked', '/access?do=grant_permission&role=r&permits=read&kind=prefix&key=e2e%2F'],
  ['the API reference', '/api'],
];

const modes = [
  { name: 'light', colorScheme: 'light', width: 1280 },
  { name: 'dark', colorScheme: 'dark', width: 1280 },
  { name: 'a phone', colorScheme: 'light', width: 390 },
] as const;

test.beforeAll(async ({ request }) => {
  for (const [name, value] of [
    ['config.json', '{"replicas": 3, "image": "deck:1.4"}'],
    ['feature/dark-mode', 'on'],
    ['tenants/0001', 'a'],
  ]) {
    const put = await request.put(`/api/v1/keys/${encodeURIComponent(prefix + name)}`, { data: { value } });
    expect(put.status()).toBe(200);
  }
});

for (const mode of modes) {
  test(`every page passes axe's WCAG 2 A and AA rules in ${mode.name}`, async ({ page }) => {
    test.setTimeout(120_000);
    await page.emulateMedia({ colorScheme: mode.colorScheme });
    await page.setViewportSize({ width: mode.width, height: 800 });
    const found: string[] = [];
    for (const [name, url, act] of pages) {
      await page.goto(url);
      await hydrated(page);
      if (act) await act(page);
      const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
      for (const violation of results.violations) {
        const where = violation.nodes.slice(0, 3).map((node) => node.target.join(' ')).join('; ');
        found.push(`${name}: ${violation.id} (${violation.impact}): ${violation.help} — ${where}`);
      }
      if (mode.width < 600) {
        const wide = await page.evaluate(() => document.documentElement.scrollWidth);
        if (wide > mode.width) found.push(`${name}: ${wide} px wide, scrolls sideways at ${mode.width} px`);
      }
    }
    expect(found).toEqual([]);
  });
}
