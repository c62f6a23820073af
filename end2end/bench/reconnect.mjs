// Offline-first, measured: (1) the time from the store becoming reachable
// again to a cart edit queued offline being applied on the server, p50/p99
// over 20 runs, beside the page's own round trip to the store (the
// baseline, measured in the same run); (2) what the service worker and the
// outbox keep on the device after a typical shopping session.
// Run by `cargo xtask bench` against a release `tbs serve` (TBS_BASE_URL).
import { launch, hydrated, proxy, eventually, until } from '../tests/support.mjs';

const RUNS = 20;
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

const browser = await launch();
try {
  let link = await proxy();
  const context = await browser.newContext();
  const page = await context.newPage();
  // A typical session: home, a category, a product, add to cart, the cart, checkout.
  await page.goto(`${link.url}/`);
  await hydrated(page);
  await page.waitForFunction(() => navigator.serviceWorker?.controller);
  await page.locator('a[href^="/search?category="]').first().click();
  await page.locator('a[href^="/products/"]').first().click();
  await page.waitForURL(/\/products\//);
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.locator('a.cart-badge').click();
  await page.waitForURL(/\/cart$/);
  await page.getByRole('link', { name: 'Checkout' }).click();
  await page.getByLabel('E-mail').fill('measure@example.com');
  // The worker saves the pages shown in place; the last one is the checkout.
  await eventually(page, () => caches.match('/checkout', { ignoreVary: true }).then(Boolean));
  const stored = await page.evaluate(async () => {
    let bytes = 0;
    let entries = 0;
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) {
        bytes += (await (await cache.match(request)).blob()).size;
        entries += 1;
      }
    }
    const { usage } = await navigator.storage.estimate();
    return { bytes, entries, usage };
  });
  console.log(`device storage after a typical session: ${stored.entries} responses, ${(stored.bytes / 1024).toFixed(0)} KiB in the worker's caches; origin usage ${(stored.usage / 1024).toFixed(0)} KiB (caches + IndexedDB)`);

  await page.goto(`${link.url}/products/KIT-001`);
  await hydrated(page);
  const baseline = [];
  const applied = [];
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now();
    await page.evaluate(() => fetch('/health/live', { cache: 'no-store' }));
    baseline.push(performance.now() - t0);
    const before = (await (await page.request.get(`${link.url}/api/cart`)).json()).item_count;
    await link.close();
    await page.getByTestId('connection').filter({ hasText: 'Offline' }).waitFor();
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByTestId('waiting').filter({ hasText: '1 change waiting' }).waitFor();
    link = await proxy(link.port);
    const back = performance.now();
    await until('the queued edit to reach the store', async () => (await (await page.request.get(`${link.url}/api/cart`)).json()).item_count > before, 10_000, 5);
    applied.push(performance.now() - back);
    if (before >= 8) await page.request.delete(`${link.url}/api/cart`);
    await page.getByTestId('connection').filter({ hasText: 'Online', hasNotText: 'waiting' }).waitFor();
  }
  const ms = (x) => `${x.toFixed(0)} ms`;
  console.log(`reconnect → queued cart edit applied: p50 ${ms(percentile(applied, 0.5))}, p99 ${ms(percentile(applied, 0.99))} over ${RUNS} runs`);
  console.log(`baseline (the page's round trip to the store): p50 ${ms(percentile(baseline, 0.5))}`);
} finally {
  await browser.close();
}
