// The shop micro-app in a real browser: server-rendered pages, then hydrated WASM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, strictPage, hydrated } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('home page shows the store, its categories and featured products', async () => {
  const { page, context, problems } = await strictPage(browser);
  const response = await page.goto(BASE + '/');
  assert.equal(response.status(), 200);
  await hydrated(page);
  assert.equal(await page.title(), 'The Better Store');
  assert.match(await page.locator('.brand').innerText(), /The Better Store/);
  const categories = await page.locator('.category__name').allInnerTexts();
  assert.ok(categories.includes('Kitchen') && categories.includes('Garden'), categories.join());
  assert.equal(await page.locator('.product-grid .card').count(), 8);
  // Every product picture loads (served from public/).
  const broken = await page.$$eval('.card__image', (imgs) => imgs.filter((i) => !i.complete || i.naturalWidth === 0).length);
  assert.equal(broken, 0);
  // The first row's pictures (the largest paint) are fetched at once, the others when scrolled near.
  const loading = await page.$$eval('.card__image', (imgs) => imgs.map((i) => `${i.loading}/${i.getAttribute('fetchpriority')}`));
  assert.deepEqual(loading.slice(0, 5), ['eager/high', 'eager/high', 'eager/high', 'eager/high', 'lazy/auto']);
  assert.deepEqual(problems, []);
  await context.close();
});

test('searching is case-insensitive and shows matching products', async () => {
  const { page, context, problems } = await strictPage(browser);
  await page.goto(BASE + '/');
  await hydrated(page);
  await page.getByLabel('Search products').fill('SKILLET');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/\/search\?q=SKILLET/);
  await page.getByRole('heading', { name: 'Results for “SKILLET”' }).waitFor();
  const names = await page.locator('.card__name').allInnerTexts();
  assert.deepEqual(names, ['Cast Iron Skillet 26 cm']);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a category lists its products and pages through them', async () => {
  const { page, context } = await strictPage(browser);
  await page.goto(BASE + '/');
  await hydrated(page);
  await page.getByRole('link', { name: /Garden/ }).first().click();
  await page.getByRole('heading', { name: 'Garden', level: 1 }).waitFor();
  assert.equal(await page.locator('.card').count(), 5);
  await context.close();
});

test('the product page hydrates: the quantity stepper updates the total', async () => {
  const { page, context, problems } = await strictPage(browser);
  // Before the WASM runs the stepper cannot work: the page is sent with it disabled.
  const sent = await (await page.request.get(BASE + '/products/KIT-005')).text();
  for (const name of ['Decrease quantity', 'Increase quantity']) {
    assert.match(sent, new RegExp(`aria-label="${name}" disabled`), `${name} is sent disabled`);
  }
  const response = await page.goto(BASE + '/products/KIT-005');
  assert.equal(response.status(), 200);
  await hydrated(page);
  await page.getByRole('heading', { name: 'Pour-Over Coffee Set' }).waitFor();
  assert.match(await page.locator('.product__stock').innerText(), /Only 3 left/);
  const plus = page.getByRole('button', { name: 'Increase quantity' });
  const quantity = page.locator('.stepper__value');
  const total = page.locator('.line-total__amount');
  assert.equal(await total.innerText(), '$39.00');
  await plus.click();
  await plus.click();
  // Only the WASM can do this: the server sent "1" and "$39.00".
  assert.equal(await quantity.innerText(), '3');
  assert.equal(await total.innerText(), '$117.00');
  assert.ok(await plus.isDisabled(), 'cannot order more than the 3 in stock');
  await page.getByRole('button', { name: 'Decrease quantity' }).click();
  assert.equal(await quantity.innerText(), '2');
  assert.deepEqual(problems, []);
  await context.close();
});

test('client-side navigation from a card opens the product', async () => {
  const { page, context, problems } = await strictPage(browser);
  await page.goto(BASE + '/search?category=outdoors');
  await hydrated(page);
  await page.getByRole('link', { name: 'Packable Rain Jacket' }).click();
  await page.getByRole('heading', { name: 'Packable Rain Jacket', level: 1 }).waitFor();
  assert.match(await page.locator('.product__stock').innerText(), /Out of stock/);
  assert.equal(await page.locator('.stepper').count(), 0, 'nothing to order when out of stock');
  assert.deepEqual(problems, []);
  await context.close();
});

test('without JavaScript the shop still works (server rendering)', async () => {
  const { page, context } = await strictPage(browser, { javaScriptEnabled: false });
  await page.goto(BASE + '/');
  assert.equal(await page.locator('.category').count(), 7);
  await page.getByLabel('Search products').fill('notebook');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/q=notebook/);
  assert.deepEqual(await page.locator('.card__name').allInnerTexts(), ['Dot Grid Notebook A5']);
  await page.getByRole('link', { name: 'Dot Grid Notebook A5' }).click();
  await page.getByRole('heading', { name: 'Dot Grid Notebook A5', level: 1 }).waitFor();
  assert.equal(await page.locator('.line-total__amount').innerText(), '$16.00');
  assert.equal(await page.locator('body[data-hydrated]').count(), 0, 'no WASM ran');
  await context.close();
});

test('an unknown product or category, or an address no order can have, is a 404 page', async () => {
  const { page, context } = await strictPage(browser);
  for (const path of ['/products/NO-SUCH-SKU', '/search?category=no-such-category', '/orders/not-a-uuid']) {
    const response = await page.goto(BASE + path);
    assert.equal(response.status(), 404, path);
    await page.getByRole('heading', { name: 'We couldn’t find that' }).waitFor();
  }
  // Where the page's code leads there, too (a link to a category gone
  // since, a cut link to an order's invoice: the orders micro-app's code).
  for (const href of ['/search?category=no-such-category', '/orders/not-a-uuid/invoice']) {
    await page.goto(BASE + '/');
    await hydrated(page);
    await page.evaluate((href) => {
      const a = Object.assign(document.createElement('a'), { href, textContent: 'gone' });
      document.querySelector('main').append(a);
    }, href);
    await page.getByRole('link', { name: 'gone' }).click();
    await page.getByRole('heading', { name: 'We couldn’t find that' }).waitFor();
  }
  await context.close();
});
