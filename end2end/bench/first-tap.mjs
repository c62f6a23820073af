// A phone's first visit, measured: a 390×844 viewport with the CPU slowed 4×
// (Chrome's mobile throttling), on loopback. For each shop page and one page
// of a lazily loaded micro-app: when content painted, when the page was
// hydrated (its controls answer taps from then on), and the WASM it used (as
// sent, compressed; from the network or the service worker);
// p50 over 5 cold loads each (a new browser context: no cache, no worker).
// Run by `cargo xtask bench` against a release `tbs serve` (TBS_BASE_URL).
import { BASE, launch, hydrated } from '../tests/support.mjs';

const RUNS = 5;
const PAGES = ['/', '/search?q=mug', '/products/KIT-001', '/cart', '/account/sign-in'];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function coldLoad(browser, path) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  // When the app marks <body> hydrated, as the page's own clock reads it.
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.body?.dataset.hydrated !== 'true') return;
      window.tbsHydratedAt = performance.now();
      observer.disconnect();
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-hydrated'] });
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  await page.goto(`${BASE}${path}`);
  await hydrated(page);
  const figures = await page.evaluate(() => {
    const paint = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN;
    const hydratedAt = window.tbsHydratedAt;
    const wasm = performance.getEntriesByType('resource').filter((r) => r.name.endsWith('.wasm'));
    return { paint, hydratedAt, wasmBytes: wasm.reduce((n, r) => n + r.encodedBodySize, 0), wasmFiles: wasm.length };
  });
  await context.close();
  return figures;
}

const browser = await launch();
try {
  console.log(`${'first visit, 390 px, CPU 4× slower'.padEnd(40)} ${'FCP ms'.padStart(8)} ${'hydrated ms'.padStart(12)} ${'WASM B'.padStart(9)} files`);
  for (const path of PAGES) {
    const runs = [];
    for (let i = 0; i < RUNS; i += 1) runs.push(await coldLoad(browser, path));
    const at = (key) => median(runs.map((r) => r[key]));
    console.log(`${path.padEnd(40)} ${at('paint').toFixed(0).padStart(8)} ${at('hydratedAt').toFixed(0).padStart(12)} ${String(at('wasmBytes')).padStart(9)} ${at('wasmFiles')}`);
  }
} finally {
  await browser.close();
}
