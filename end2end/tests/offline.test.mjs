// Offline-first, first slice: the store is an installable PWA whose service
// worker keeps the shop pages a shopper has seen, and a status bar says when
// the store can't be reached. The connection really goes: the page talks to
// the store through a proxy this test closes (chromium's offline emulation
// does not reach service workers), and the browser is told it is offline too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, strictPage, hydrated, proxy, eventually } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the shop keeps working offline, and the status bar says so', async () => {
  let link = await proxy();
  const { page, context } = await strictPage(browser);
  const status = page.getByTestId('connection');

  // Online: the manifest is installable and the service worker takes control.
  await page.goto(`${link.url}/`);
  await hydrated(page);
  const manifest = await (await page.request.get(`${link.url}/manifest.webmanifest`)).json();
  assert.deepEqual(manifest.icons.map((i) => i.sizes).sort(), ['192x192', '512x512']);
  assert.equal(manifest.display, 'standalone');
  await page.waitForFunction(() => navigator.serviceWorker?.controller, null, { timeout: 20_000 });
  await page.goto(`${link.url}/products/KIT-001`);
  await hydrated(page);
  await status.filter({ hasText: /Online · last sync \d\d:\d\d UTC/ }).waitFor();

  // The store becomes unreachable: a page seen before still opens, from this device.
  await link.close();
  await context.setOffline(true);
  await status.filter({ hasText: 'Offline' }).waitFor();
  await page.reload();
  await page.getByRole('heading', { name: 'Enamel Camp Mug' }).waitFor();
  await hydrated(page);
  await status.filter({ hasText: 'Offline' }).waitFor();
  // A page never seen says it is offline rather than failing, in the store's own style.
  await page.goto(`${link.url}/products/KIT-003`);
  await page.getByTestId('offline-page').waitFor();
  assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('a')).color), 'rgb(31, 77, 58)', 'styled by the store');

  // Back online: fresh pages again, and the status bar says so.
  link = await proxy(link.port);
  await context.setOffline(false);
  await page.goto(`${link.url}/products/KIT-003`);
  await hydrated(page);
  await status.filter({ hasText: 'Online' }).waitFor();

  // Signed in, the saved pages show who; signing out forgets them.
  const email = `off+${Date.now()}@example.com`;
  const registered = await page.evaluate(async (email) => (await fetch('/api/account/register', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, name: 'Olive Offline', password: 'long enough pw' }),
  })).status, email);
  assert.equal(registered, 201);
  await page.goto(`${link.url}/products/KIT-001`);
  await page.getByText('Olive Offline').first().waitFor();
  assert.equal(await page.evaluate(async () => (await fetch('/api/account/sign-out', { method: 'POST' })).status), 204);
  await eventually(page, () => caches.match('/products/KIT-001', { ignoreVary: true }).then((saved) => !saved));
  await link.close();
  await page.reload();
  await page.getByTestId('offline-page').waitFor();
});
