// Inventory: an administrator finds a product running low, receives a
// delivery with a note, corrects a count, and reads both in its history;
// the shop's product page shows the new stock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, strictPage, hydrated, signIn } from './support.mjs';

const ADMIN = { email: process.env.TBS_E2E_ADMIN_EMAIL, password: process.env.TBS_E2E_ADMIN_PASSWORD };
const SKU = 'OUT-002';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function stock(request) {
  return (await (await request.get(`${BASE}/api/catalog/products/${SKU}`)).json()).stock;
}

async function save(page, reason, quantity, note = '') {
  await page.getByLabel('Reason').selectOption(reason);
  await page.getByLabel('Quantity').fill(String(quantity));
  await page.getByLabel('Note (optional)').fill(note);
  await page.getByRole('button', { name: 'Save' }).click();
}

test('an administrator receives a delivery and corrects a count, and reads both in the history', async () => {
  const { page, problems } = await strictPage(browser);
  await signIn(page, ADMIN);
  const before = await stock(page.request);

  await page.getByRole('link', { name: 'Inventory' }).click();
  await page.getByRole('heading', { name: 'Inventory' }).waitFor();
  await page.getByLabel('Running low: fewer than').fill('1000');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.getByRole('link', { name: SKU }).click();
  await page.getByTestId('stock').filter({ hasText: `In stock: ${before} ·` }).waitFor();
  await hydrated(page);

  await save(page, 'received', 7, 'delivery 4711');
  await page.getByRole('status').filter({ hasText: `Saved: ${before + 7} in stock.` }).waitFor();
  await page.getByTestId('stock').filter({ hasText: `In stock: ${before + 7} ·` }).waitFor();
  await save(page, 'count_correction', 3);
  await page.getByTestId('stock').filter({ hasText: 'In stock: 3 ·' }).waitFor();
  const rows = await page.getByTestId('stock-history').locator('tbody tr').allInnerTexts();
  assert.match(rows[0], new RegExp(`Count correction\\s+${3 - before - 7}\\s+3`));
  assert.match(rows[1], new RegExp(`Received\\s+\\+7\\s+${before + 7}\\s+delivery 4711\\s+${ADMIN.email}`));
  assert.equal(await stock(page.request), 3, 'the shop sees the count');

  await save(page, 'damaged', 0);
  await page.getByRole('alert').filter({ hasText: 'above 0' }).waitFor();
  assert.equal(await stock(page.request), 3, 'a refused adjustment changes nothing');
  assert.deepEqual(problems.filter((p) => !p.includes('400')), []);
});

test('without JavaScript an administrator adjusts stock and the page says what was saved', async () => {
  const { page, context } = await strictPage(browser, { javaScriptEnabled: false });
  await signIn(page, ADMIN, { script: false });
  const before = await stock(page.request);
  await page.goto(`${BASE}/admin/inventory/${SKU}`);
  await save(page, 'received', 4, 'delivery without script');
  await page.waitForURL((url) => url.pathname === `/admin/inventory/${SKU}` && url.searchParams.has('done'));
  await page.getByRole('status').filter({ hasText: `Saved: ${before + 4} in stock.` }).waitFor();
  await page.getByTestId('stock').filter({ hasText: `In stock: ${before + 4} ·` }).waitFor();
  const rows = await page.getByTestId('stock-history').locator('tbody tr').allInnerTexts();
  assert.match(rows[0], /Received\s+\+4.*delivery without script/s);

  await save(page, 'damaged', 0);
  await page.getByRole('alert').filter({ hasText: 'above 0' }).waitFor();
  assert.equal(await page.getByRole('status').filter({ hasText: 'Saved:' }).count(), 0, 'a refusal says nothing was saved');
  assert.equal(await stock(page.request), before + 4, 'a refused adjustment changes nothing');
  await context.close();
});
