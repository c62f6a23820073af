// Shared set-up for the browser tests: one headless Debian chromium per file.
import { chromium } from 'playwright-core';

export const BASE = process.env.TBS_BASE_URL ?? 'http://127.0.0.1:3000';

// Flags that keep chromium off the (closed) network and quiet.
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export async function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ARGS });
}

/** A page that fails the test on any console error or uncaught exception. */
export async function strictPage(browser, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()} @ ${m.location().url}`); });
  page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
  return { page, context, problems };
}

/** Waits until the WASM has hydrated the page (the app marks <body>). */
export async function hydrated(page) {
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 20_000 });
}
