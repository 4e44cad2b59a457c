/// <reference lib="dom" />
/**
 * The interactive API reference (/docs) in real Chromium, straight from the service and through
 * the page's proxy in workerd (/api/docs): it renders every route of the contract, loads nothing
 * from another origin, and causes no CSP violation.
 */
import { Browser } from 'playwright-core';
import { ROUTES } from '../../service/src/http/contract';
import { ServedTestApp, serveTestApp, TOKEN } from '../../service/test/helpers';
import { PagesDev, startPagesDev } from '../dev/pages-dev';
import { launchChromium, SCREENSHOTS } from './browser';
import { join } from 'node:path';

let service: ServedTestApp;
let pages: PagesDev;
let browser: Browser;

beforeAll(async () => {
  service = await serveTestApp();
  pages = await startPagesDev({ apiUrl: service.url, apiToken: TOKEN });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await pages?.stop();
  await service?.close();
});

describe('/docs in Chromium', () => {
  it.each([
    ['the service', () => `${service.url}/docs`],
    ["the page's proxy", () => `${pages.url}/api/docs`],
  ])('renders every route from %s without CSP violations or other origins', async (name, url) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const violations: string[] = [];
    const origins = new Set<string>();
    page.on('console', (m) => /Content Security Policy|Refused to/i.test(m.text()) && violations.push(m.text()));
    page.on('pageerror', (e) => violations.push(`page error: ${e.message}`));
    page.on('request', (r) => origins.add(new URL(r.url()).origin));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`Content Security Policy: ${e.violatedDirective} ${e.blockedURI}`));
    });
    await page.goto(url());
    await page.waitForSelector('.swagger-ui .info .title');
    await page.waitForSelector('.opblock');
    const rendered = await page.$$eval('.opblock .opblock-summary-path', (els) => els.map((e) => e.getAttribute('data-path')));
    expect([...new Set(rendered)].sort()).toEqual([...new Set(ROUTES.map((r) => r.path))].sort());
    // Expanding an operation draws its parameters: the query parameters are there.
    await page.click('#operations-default-predict .opblock-summary-control');
    await page.waitForSelector('#operations-default-predict tr[data-param-name="row_offset"]');
    await page.screenshot({ path: join(SCREENSHOTS, `docs-${name.replace(/\W+/g, '-')}.png`), fullPage: false });
    expect(violations).toEqual([]);
    expect([...origins]).toEqual([new URL(url()).origin]);
    await context.close();
  });
});
