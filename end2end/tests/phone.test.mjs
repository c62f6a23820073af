// The phone is the first screen: on a 390 px wide phone no page scrolls
// sideways, text meets WCAG AA contrast and every tap target is at least
// 24 px, no picture repeats the words beside it and headings step down one
// level at a time (axe-core's color-contrast, heading-order,
// target-size and image-redundant-alt rules, and checks of its own), and no
// form would put what is typed in a URL when sent before its code has loaded,
// for a shopper, a dispatcher and an administrator alike.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { BASE, launch, hydrated, confirmedOrder, invoiced, signIn, sendLines, returnable } from './support.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const ADMIN = { email: process.env.TBS_E2E_ADMIN_EMAIL, password: process.env.TBS_E2E_ADMIN_PASSWORD };
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true, bypassCSP: true };

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** What is wrong with the page as it is now: sideways scrolling, low contrast, small targets. */
async function problems(page) {
  const found = [];
  // A phone browser widens its layout to fit what overflows, so compare with the screen, not innerWidth.
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  if (width > PHONE.viewport.width) {
    const wide = await page.evaluate((screen) => [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > screen + 0.5)
      .slice(0, 5).map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`), PHONE.viewport.width);
    found.push(`${width} px wide on a ${PHONE.viewport.width} px screen (past the edge: ${wide.join(', ')})`);
  }
  await page.addScriptTag({ path: AXE });
  const axe = await page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: 'rule', values: ['color-contrast', 'target-size', 'image-redundant-alt', 'heading-order'] } });
    const nodes = (v) => v.nodes.slice(0, 4).map((n) => `${n.target.join(' ')} (${n.any.map((a) => a.message).join('; ')})`);
    // Text too short for axe to judge (a count, a mark): judged here instead.
    const short = r.incomplete.filter((v) => v.id === 'color-contrast').flatMap((v) => v.nodes)
      .filter((n) => n.any.some((a) => /too short/.test(a.message))).map((n) => n.target.join(' '));
    return { violations: r.violations.map((v) => `${v.id}: ${nodes(v).join(' | ')}`), short };
  });
  found.push(...axe.violations);
  found.push(...await page.evaluate(contrastOf, axe.short));
  found.push(...await page.evaluate(smallTargets));
  found.push(...await page.evaluate(formsThatLeak));
  return found;
}

/**
 * Forms that, sent without JavaScript (or before it has loaded), would put
 * what is typed in a URL: one with no action (it would GET its own page with
 * every field), or a GET form holding a password, an e-mail address or a card.
 */
function formsThatLeak() {
  return [...document.querySelectorAll('form')].flatMap((form) => {
    const name = form.getAttribute('aria-label') ?? form.className;
    if (!form.hasAttribute('action')) return [`form "${name}" has no action: sent early, it GETs this page with what was typed`];
    const get = (form.getAttribute('method') ?? 'get').toLowerCase() === 'get';
    const secret = form.querySelector('input[type="password"], input[type="email"], input[autocomplete^="cc-"]');
    return get && secret ? [`form "${name}" would send ${secret.name} in a URL`] : [];
  });
}

/** WCAG contrast of each selected element's text against what is behind it (translucent layers composited). */
function contrastOf(selectors) {
  const rgba = (c) => (c.match(/[\d.]+/g) ?? []).map(Number).concat([1]).slice(0, 4);
  const over = (top, below) => top.slice(0, 3).map((v, i) => v * top[3] + below[i] * (1 - top[3])).concat([1]);
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const behind = (element) => {
    const layers = [];
    for (let e = element; e; e = e.parentElement) layers.push(rgba(getComputedStyle(e).backgroundColor));
    return layers.reverse().reduce((below, layer) => over(layer, below), [255, 255, 255, 1]);
  };
  return selectors.flatMap((selector) => {
    const element = document.querySelector(selector);
    if (!element) return [];
    const background = behind(element);
    const text = over(rgba(getComputedStyle(element).color), background);
    const [light, dark] = [luminance(text), luminance(background)].sort((a, b) => b - a);
    const ratio = (light + 0.05) / (dark + 0.05);
    const large = parseFloat(getComputedStyle(element).fontSize) >= 24;
    return ratio < (large ? 3 : 4.5) ? [`contrast ${ratio.toFixed(2)}:1 for ${selector} "${element.textContent.trim()}"`] : [];
  });
}

/** Controls smaller than 24 x 24 px (a box or radio counts with its label, which taps it too). */
function smallTargets() {
  const controls = document.querySelectorAll('button, select, textarea, input:not([type="hidden"]), a.button, [role="button"]');
  return [...controls].flatMap((control) => {
    const target = ['checkbox', 'radio'].includes(control.type) ? control.closest('label') ?? control : control;
    const box = target.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || getComputedStyle(target).visibility === 'hidden') return [];
    const name = `${control.tagName.toLowerCase()}${control.id ? `#${control.id}` : ''}.${[...control.classList].join('.')}`;
    return box.width < 24 || box.height < 24 ? [`tap target ${Math.round(box.width)}x${Math.round(box.height)} px: ${name}`] : [];
  });
}

async function check(page, path, ready) {
  await page.goto(`${BASE}${path}`);
  await hydrated(page);
  if (ready) await ready(page);
  return (await problems(page)).map((p) => `${path}: ${p}`);
}

test('a shopper on a phone: no sideways scrolling, readable text, tappable controls', async () => {
  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  const order = await confirmedOrder(page.request, 'phone@example.com', ['KIT-001']);
  const added = await page.request.put(`${BASE}/api/cart/items/GAR-001`, { data: { quantity: 2 } });
  assert.equal(added.status(), 200);
  const found = [];
  found.push(...await check(page, '/'));
  found.push(...await check(page, '/search?q=mug'));
  found.push(...await check(page, '/products/KIT-001'));
  found.push(...await check(page, '/cart', (p) => p.locator('.cart-line').first().waitFor()));
  found.push(...await check(page, '/checkout'));
  found.push(...await check(page, '/account/sign-in'));
  found.push(...await check(page, '/account/reset-password'));
  found.push(...await check(page, `/orders/${order.id}`, (p) => p.getByTestId('order-status').waitFor()));
  await invoiced(page.request, order.id);
  found.push(...await check(page, `/orders/${order.id}/invoice`, (p) => p.getByTestId('invoice-number').waitFor()));
  await context.close();
  assert.deepEqual(found, []);
});

test('staff on a phone: the dispatch app and the report fit and can be used', async () => {
  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  await signIn(page, ADMIN);
  const order = await confirmedOrder(page.request, 'phone-staff@example.com', ['KIT-001', 'GAR-001']);
  const found = [];
  found.push(...await check(page, '/account'));
  found.push(...await check(page, '/dispatch', (p) => p.locator('.dispatch-queue, table, ul').first().waitFor()));
  found.push(...await check(page, `/dispatch/so-${order.id}`, (p) => p.getByTestId('shipping-status').waitFor()));
  found.push(...await check(page, '/reports/completed-orders', (p) => p.locator('table').first().waitFor()));
  // The chart shrinks to the screen; its words and figures must not.
  const small = await page.locator('svg.chart text').evaluateAll((texts) => texts
    .map((t) => ({ text: t.textContent, px: t.getBoundingClientRect().height }))
    .filter((t) => t.px < 12));
  found.push(...small.map((t) => `/reports/completed-orders: chart text "${t.text}" is ${t.px.toFixed(1)} px tall`));
  const cut = await page.locator('svg.chart').evaluate((svg) => {
    const chart = svg.getBoundingClientRect();
    return [...svg.querySelectorAll('text')].map((t) => ({ text: t.textContent, box: t.getBoundingClientRect() }))
      .filter(({ box }) => box.left < chart.left - 0.5 || box.right > chart.right + 0.5).map(({ text }) => text);
  });
  found.push(...cut.map((t) => `/reports/completed-orders: chart text "${t}" runs past the chart's edge`));
  assert.ok(await page.locator('svg.chart .chart__scale').count() === 1, 'the chart says what its tallest bar stands for');
  found.push(...await check(page, '/admin/inventory?below=1000', (p) => p.getByTestId('low-stock').waitFor()));
  found.push(...await check(page, '/admin/inventory/KIT-001', (p) => p.getByTestId('stock').waitFor()));
  found.push(...await check(page, '/admin/products', (p) => p.getByTestId('products').waitFor()));
  found.push(...await check(page, '/admin/products/KIT-001', (p) => p.getByLabel('Price').waitFor()));
  await sendLines(page.request, order.id, ['KIT-001']);
  await returnable(page.request, order.id);
  found.push(...await check(page, `/orders/${order.id}/return`, (p) => p.getByLabel(/Enamel Camp Mug/).waitFor()));
  const asked = await page.request.put(`${BASE}/api/returns/${crypto.randomUUID()}`, {
    data: { order_id: order.id, lines: [{ sku: 'KIT-001', quantity: 1 }], reason: 'Checking the phone layout' },
  });
  assert.equal(asked.status(), 201, await asked.text());
  found.push(...await check(page, '/dispatch/returns', (p) => p.getByTestId('open-return').first().waitFor()));
  await context.close();
  assert.deepEqual(found, []);
});
