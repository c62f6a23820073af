import { launch, hydrated, proxy } from './tests/support.mjs';
const browser = await launch();
let link = await proxy();
const page = await (await browser.newContext()).newPage();
await page.goto(`${link.url}/products/KIT-001`); await hydrated(page);
await page.waitForFunction(() => navigator.serviceWorker?.controller);
await page.goto(`${link.url}/products/KIT-001`); await hydrated(page);
await page.evaluate(() => { window.__n = 0; new BroadcastChannel('tbs').onmessage = (e) => { if (e.data?.type === 'network') window.__n++; }; });
await link.close();
await page.getByTestId('connection').filter({ hasText: 'Offline' }).waitFor();
await page.getByRole('button', { name: 'Add to cart' }).click();
for (let i = 0; i < 6; i++) { const a = await page.evaluate(() => window.__n); await new Promise((r) => setTimeout(r, 1000)); console.log('second', i, await page.evaluate(() => window.__n) - a); }
await page.goto(`${link.url}/cart`).catch(() => {});
await page.evaluate(() => { window.__n = 0; new BroadcastChannel('tbs').onmessage = (e) => { if (e.data?.type === 'network') window.__n++; }; });
for (let i = 0; i < 3; i++) { const a = await page.evaluate(() => window.__n); await new Promise((r) => setTimeout(r, 1000)); console.log('after reload, second', i, await page.evaluate(() => window.__n) - a); }
await browser.close();
