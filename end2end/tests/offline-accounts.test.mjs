// What a device keeps belongs to the account that was signed in: when another
// account signs in on the same browser, the first one's queued edits are
// never applied for the second (the store refuses them) and its checkout
// draft, last cart and saved pages are forgotten; deleting the account
// forgets its saved pages too. The connection really goes: the browser talks
// to the store through a proxy the test closes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, strictPage, hydrated, proxy, eventually, until } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Registers (and so signs in) a new account in `context`: cookies are per host, so every proxy port shares them. */
async function register(context, name) {
  const email = `${name.toLowerCase()}+${Date.now()}@example.com`;
  const reply = await context.request.post(`${BASE}/api/account/register`, { data: { email, name, password: 'long enough pw' } });
  assert.equal(reply.status(), 201, await reply.text());
  return email;
}

/** What the device holds for the app: queued and refused edits, the checkout draft, the saved pages' paths and queries. */
function onDevice(page) {
  return page.evaluate(async () => ({
    outbox: JSON.parse(await self.tbsOutbox.snapshot()),
    draft: localStorage.getItem('tbs-checkout-draft'),
    pages: (await (await caches.open('tbs-pages')).keys()).map((r) => { const u = new URL(r.url); return u.pathname + u.search; }),
  }));
}

test('another account signing in on this browser never gets the first one’s queued edits, draft or saved pages', async () => {
  let link = await proxy();
  const { page, context } = await strictPage(browser);
  await register(context, 'Ann');
  // Ann shops: a line in her cart, a checkout draft, My orders seen (saved on the device).
  await page.goto(`${link.url}/products/KIT-002`);
  await hydrated(page);
  await page.waitForFunction(() => navigator.serviceWorker?.controller, null, { timeout: 20_000 });
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.getByTestId('cart-count').filter({ hasText: /^1$/ }).waitFor();
  await page.goto(`${link.url}/orders`);
  await hydrated(page);
  await page.goto(`${link.url}/checkout`);
  await hydrated(page);
  await page.getByLabel('Full name').fill('Ann Device');
  await eventually(page, () => localStorage.getItem('tbs-checkout-draft')?.includes('Ann Device'));
  await eventually(page, () => caches.match('/orders', { ignoreVary: true }).then(Boolean));

  // Offline, Ann adds one more; her session ends and Bob signs in on this browser before it is sent.
  await page.goto(`${link.url}/products/KIT-001`);
  await hydrated(page);
  await link.close();
  await page.getByTestId('connection').filter({ hasText: 'Offline' }).waitFor({ timeout: 3_000 });
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.getByTestId('waiting').filter({ hasText: '1 change waiting' }).waitFor();
  await context.clearCookies();
  await register(context, 'Bob');

  // Back online, Ann's edit goes out with Bob's session: the store refuses it.
  link = await proxy(link.port);
  await eventually(page, async () => JSON.parse(await self.tbsOutbox.snapshot()).pending.length === 0);
  const bobsCart = await (await context.request.get(`${BASE}/api/cart`)).json();
  assert.equal(bobsCart.item_count, 0, 'nothing Ann queued reached Bob’s cart');

  // The app learns Bob is here: Ann's leftovers are forgotten, and Bob sees none of them.
  await page.goto(`${link.url}/cart`);
  await hydrated(page);
  await page.getByRole('link', { name: /Bob/ }).first().waitFor();
  await until('Ann’s leftovers to be forgotten', async () => {
    const { outbox, draft, pages } = await onDevice(page);
    return outbox.pending.length === 0 && outbox.refused.length === 0 && outbox.cart === null && draft === null
      && !pages.some((p) => /^\/(orders|checkout)(\?|$)/.test(p));
  });
  assert.equal(await page.getByTestId('cart-refused').count(), 0, 'Bob is not shown Ann’s refused edit');
  assert.equal((await context.request.put(`${BASE}/api/cart/items/KIT-001`, { data: { quantity: 1 } })).status(), 200);
  await page.goto(`${link.url}/checkout`);
  await hydrated(page);
  assert.equal(await page.getByLabel('Full name').inputValue(), '', 'Bob does not get Ann’s draft');
  await context.close();
});

test('deleting the account forgets what it saved on this device', async () => {
  let link = await proxy();
  const { page, context } = await strictPage(browser);
  const email = await register(context, 'Cy');
  await page.goto(`${link.url}/orders`);
  await hydrated(page);
  await page.waitForFunction(() => navigator.serviceWorker?.controller, null, { timeout: 20_000 });
  await eventually(page, () => caches.match('/orders', { ignoreVary: true }).then(Boolean));
  await page.goto(`${link.url}/account`);
  await hydrated(page);
  await page.getByLabel('Type DELETE to confirm').fill('DELETE');
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await page.getByRole('link', { name: 'Sign in' }).first().waitFor();
  await until('Cy’s saved pages to be forgotten', async () => {
    const { pages } = await onDevice(page);
    return !pages.includes('/orders') && !pages.includes('/account');
  });
  // The page saying the account is deleted may be kept (it is seen after the deletion); it names no one.
  const kept = await page.evaluate(async () => Promise.all((await (await caches.open('tbs-pages')).keys())
    .map(async (r) => (await (await caches.open('tbs-pages')).match(r)).text())));
  assert.ok(kept.every((html) => !html.includes(email) && !html.includes('>Cy<')), 'no saved page shows Cy');
  await link.close();
  await page.goto(`${link.url}/orders`);
  await page.getByTestId('offline-page').waitFor();
  await context.close();
});
