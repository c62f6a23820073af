// Store administration: an administrator creates a product (a price the
// store cannot read is named beside its field, and what was typed stays),
// sets its stock, and a shopper finds it by search and buys it at the
// administrator's price.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, strictPage, hydrated, signIn, addToCart, fillCheckout, payWith } from './support.mjs';

const ADMIN = { email: process.env.TBS_E2E_ADMIN_EMAIL, password: process.env.TBS_E2E_ADMIN_PASSWORD };
const STAMP = Date.now().toString(36).toUpperCase();
// Sorted after the demo catalog and in a category no other test counts.
const SKU = `ZZ-${STAMP}`;
const NAME = `Brass Pencil Sharpener ${STAMP}`;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function createProduct(page) {
  await page.getByRole('link', { name: 'Inventory' }).click();
  await page.getByRole('link', { name: 'All products: add, change or archive them' }).click();
  await page.getByRole('heading', { name: 'Products' }).waitFor();
  await page.getByRole('link', { name: 'New product' }).click();
  await page.getByRole('heading', { name: 'New product' }).waitFor();
  await hydrated(page);
  await page.getByLabel('SKU').fill(SKU);
  await page.getByLabel('Name').fill(NAME);
  await page.getByLabel('Description').fill('Solid brass, two holes.');
  await page.getByLabel('Price').fill('8,50');
  await page.getByLabel('Category').selectOption('stationery');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#price-error').filter({ hasText: 'enter a price like 12.50' }).waitFor();
  assert.equal(await page.getByLabel('Name').inputValue(), NAME, 'what was typed stays');
  await page.getByLabel('Price').fill('8.50');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL(`${BASE}/admin/products/${SKU}`);
  await page.getByTestId('product-saved').filter({ hasText: `Saved ${NAME} (${SKU}), on sale.` }).waitFor();
}

async function stock(page, quantity) {
  await page.getByRole('link', { name: 'Set its stock' }).click();
  await page.getByTestId('stock').filter({ hasText: 'In stock: 0 ·' }).waitFor();
  await hydrated(page);
  await page.getByLabel('Reason').selectOption('received');
  await page.getByLabel('Quantity').fill(String(quantity));
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').filter({ hasText: `Saved: ${quantity} in stock.` }).waitFor();
}

test('an administrator creates a product and sets its stock, and a shopper finds and buys it', async () => {
  const admin = await strictPage(browser);
  await signIn(admin.page, ADMIN);
  await createProduct(admin.page);
  await stock(admin.page, 4);
  await admin.page.goto(`${BASE}/admin/products`);
  await admin.page.getByLabel('Name or description').fill(`sharpener ${STAMP}`);
  await admin.page.getByRole('button', { name: 'Find' }).click();
  const row = admin.page.getByTestId('products').locator('tbody tr');
  await row.filter({ hasText: SKU }).waitFor();
  assert.deepEqual(await row.allInnerTexts(), [`${SKU}\t${NAME}\t$8.50\t4\tOn sale`], 'found on the products list');
  assert.deepEqual(admin.problems.filter((p) => !p.includes('400')), []);

  const { page, problems } = await strictPage(browser);
  await page.goto(`${BASE}/search?q=${encodeURIComponent(`pencil sharpener ${STAMP}`)}`);
  assert.deepEqual(await page.locator('.card__name').allInnerTexts(), [NAME]);
  await page.getByRole('link', { name: NAME }).first().click();
  await page.getByRole('heading', { name: NAME, level: 1 }).waitFor();
  assert.equal(await page.locator('.product__price').innerText(), '$8.50');
  await addToCart(page, SKU);
  const orderId = await fillCheckout(page, `pat+${STAMP.toLowerCase()}@example.com`);
  await payWith(page, '4242 4242 4242 4242');
  await page.waitForURL(`${BASE}/orders/${orderId}/confirmation`);
  await page.getByTestId('order-status').filter({ hasText: 'Confirmed' }).waitFor({ timeout: 15_000 });
  const order = await (await page.request.get(`${BASE}/api/orders/${orderId}`)).json();
  assert.deepEqual(order.lines.map((l) => [l.sku, l.unit_price_minor]), [[SKU, 850]]);
  const left = await (await page.request.get(`${BASE}/api/catalog/products/${SKU}`)).json();
  assert.equal(left.stock, 3, 'one sold');
  assert.deepEqual(problems, []);
});

test('without JavaScript an administrator creates a product and lands on its page, which says it is saved', async () => {
  const { page, context } = await strictPage(browser, { javaScriptEnabled: false });
  await signIn(page, ADMIN, { script: false });
  const [sku, name] = [`ZZ-${STAMP}-R`, `Tin Ruler ${STAMP}`];
  const fill = async (price) => {
    await page.getByLabel('SKU').fill(sku);
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Price').fill(price);
    await page.getByLabel('Category').selectOption('stationery');
    await page.getByRole('button', { name: 'Save' }).click();
  };
  await page.goto(`${BASE}/admin/products/new`);
  await fill('3,25');
  await page.waitForURL((url) => url.pathname === '/admin/products/new' && url.searchParams.has('__err'));
  await page.locator('#price-error').filter({ hasText: 'enter a price like 12.50' }).waitFor();
  await fill('3.25');
  await page.waitForURL(`${BASE}/admin/products/${sku}?done=saved`);
  await page.getByTestId('product-saved').filter({ hasText: `Saved ${name} (${sku}), on sale.` }).waitFor();
  assert.equal(await page.getByLabel('Name').inputValue(), name, 'the page is the product saved');
  const saved = await (await page.request.get(`${BASE}/api/catalog/products/${sku}`)).json();
  assert.equal(saved.price.amount_minor, 325);

  // An edit comes back to the same page, which says so again, as edited.
  await page.getByLabel('Name').fill(`${name}, 30 cm`);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('product-saved').filter({ hasText: `Saved ${name}, 30 cm (${sku}), on sale.` }).waitFor();
  assert.equal(page.url(), `${BASE}/admin/products/${sku}?done=saved`);
  await context.close();
});
