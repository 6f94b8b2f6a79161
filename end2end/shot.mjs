import { chromium } from '@playwright/test';
const [url, out, w] = process.argv.slice(2);
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox','--disable-gpu','--disable-dev-shm-usage','--disable-background-networking','--disable-component-update','--disable-sync','--disable-quic','--no-first-run'] });
const p = await b.newPage({ viewport: { width: Number(w), height: 844 } });
await p.goto(url); await p.waitForTimeout(800);
await p.screenshot({ path: out, fullPage: true }); await b.close();
