// The Better Store's service worker: every micro-app keeps working on a flaky connection.
//
// * Install: precache the app shell (the WASM bundle, its JS and CSS, the
//   offline page, the outbox, the manifest and icons) in a cache named by
//   the build (`cargo xtask build` stamps BUILD), so a release replaces the
//   old code whole. A new version waits until the page says "reload".
// * Pages and the reads behind them (server functions under /rpc, API GETs):
//   network first, so nothing is stale while online; every good answer is
//   saved with the time it was fetched, and served with that time (as of …)
//   when the store can't be reached, or can't serve just now (a gateway's
//   502 or 504, a 503), or has not answered within PATIENCE_MS (a stalled
//   connection: the answer, if it comes, still refreshes the copy). A page
//   never seen gets /offline.html (or, when the store answered, its answer);
//   a read never seen gets a 503 the app shows as "not saved on this device".
//   No request waits for ever (`fetchWithin`, public/outbox.js).
// * Writes go to the network; the app queues them in the outbox
//   (public/outbox.js) first, and this worker sends the queue on Background
//   Sync, even with no page open.
// * Every answer it passes on (and every failure to get one) is announced
//   on the BroadcastChannel `tbs` for the status bar: whether the store
//   itself answered — fetched with `no-store`, never from the HTTP cache.
// * Private data (what a signed-in account saw) is forgotten when the
//   account signs out or is deleted; pwa.js also clears it when another
//   account signs in on this browser.
importScripts('/outbox.js');

const BUILD = 'dev';
const SHELL_CACHE = `tbs-shell-${BUILD}`;
const PAGES_CACHE = 'tbs-pages';
// This build's bundle and shell files, written by `cargo xtask build`.
const PRECACHE = [];
const channel = new BroadcastChannel('tbs');
// How long a page, a read or a shell file waits for the network before this
// device's copy is shown instead.
const PATIENCE_MS = 4000;
const TOO_SLOW = Symbol('too slow');
const { fetchWithin } = self.tbsOutbox;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL_CACHE);
    await cache.addAll(PRECACHE.map((path) => new Request(path, { cache: 'reload' })));
    // The first install takes over at once; an update waits for the page's "reload".
    if (!self.registration.active) await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== SHELL_CACHE && name !== PAGES_CACHE) await caches.delete(name);
    await self.clients.claim();
    // The first page of the first visit loaded before this worker: save it now.
    for (const client of await self.clients.matchAll({ type: 'window', includeUncontrolled: true })) await savePage(client.url);
  })());
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'reload') self.skipWaiting();
  if (event.data?.type === 'flush') event.waitUntil(self.tbsOutbox.flush().catch(() => {}));
  // The app navigated in place (no page load passed through here): save the page too.
  if (event.data?.type === 'visited') event.waitUntil(savePage(event.data.url));
});

/** Fetches the page at `url` as a navigation would and saves it (never throws). */
async function savePage(url) {
  const target = new URL(url, self.location.origin);
  if (target.origin !== self.location.origin || PASSED.test(target.pathname) || SHELL_PATHS.test(target.pathname)) return;
  try {
    const response = await fetchWithin(target, { cache: 'no-store', credentials: 'same-origin', headers: { accept: 'text/html' } });
    if (response.ok && !response.redirected) await (await caches.open(PAGES_CACHE)).put(target, await stamped(response));
  } catch {
    // Offline: it is saved the next time it is seen online.
  }
}

self.addEventListener('sync', (event) => {
  if (event.tag === 'tbs-outbox') event.waitUntil(self.tbsOutbox.flush({ fromSync: true }).then((outcome) => {
    if (outcome !== 'sent') throw new Error(`outbox not sent: ${outcome}`); // the browser retries later
  }));
});

// Never stored: live streams, sign-in redirects, health and metrics, webhooks.
const PASSED = /^\/(api\/account\/oidc\/|rpc\/account\/single-sign-on|health\/|metrics|webhooks\/|sw\.js$)|\/events$|\/stream$/;
const SHELL_PATHS = /^\/(pkg|images|icons)\/|^\/(favicon\.svg|manifest\.webmanifest|offline\.html|pwa\.js|outbox\.js)$/;
// Signing out or deleting the account forgets the saved pages (they show who was signed in).
const SIGNS_OUT = /^\/(api\/account\/sign-out|api\/account\/me|rpc\/account\/sign-out|rpc\/account\/delete)$/;

// Answers meaning the store could not serve just now: a gateway on the way
// could not reach it (502, 504), or it was unavailable (503). Where this device
// saved a copy, the copy is better than the error.
const UNAVAILABLE = new Set([502, 503, 504]);

function announce(online) {
  channel.postMessage(online ? { type: 'network', online, at: new Date().toISOString() } : { type: 'network', online });
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || PASSED.test(url.pathname)) return;
  if ((request.headers.get('accept') ?? '').includes('text/event-stream')) return;
  if (request.method !== 'GET') {
    if (SIGNS_OUT.test(url.pathname)) event.waitUntil(caches.delete(PAGES_CACHE));
    if (request.mode !== 'navigate') event.respondWith(passOn(request));
    return;
  }
  if (SHELL_PATHS.test(url.pathname)) event.respondWith(asset(event, request));
  else event.respondWith(networkFirst(event, request));
});

/** A write: to the network, telling the status bar whether the store answered. */
async function passOn(request) {
  try {
    const response = await fetchWithin(request, { cache: 'no-store' });
    announce(true);
    return response;
  } catch (failure) {
    announce(false);
    throw failure;
  }
}

/**
 * The bundle (under /pkg/<build>/, never changed under its name): this device's copy, else the network.
 * Other shell files: the network when it answers in time (fresh after a release), else the saved copy.
 */
async function asset(event, request) {
  const bundled = new URL(request.url).pathname.startsWith('/pkg/');
  const copy = () => caches.match(request, { ignoreVary: true });
  if (bundled) {
    const kept = await copy();
    if (kept) return kept;
  }
  const fetched = fetchWithin(request).then(async (response) => {
    if (response.ok) await (await caches.open(SHELL_CACHE)).put(request, response.clone());
    return response;
  }).catch(() => null);
  const response = await patiently(event, fetched, copy);
  if (response === TOO_SLOW || !response) return (await copy()) ?? Response.error();
  return UNAVAILABLE.has(response.status) ? (await copy()) ?? response : response;
}

async function networkFirst(event, request) {
  const cache = await caches.open(PAGES_CACHE);
  const response = await patiently(event, fromStore(cache, request), () => cache.match(request, { ignoreVary: true }));
  if (response === TOO_SLOW) announce(false);
  if (response === TOO_SLOW || !response) return saved(cache, request);
  if (UNAVAILABLE.has(response.status) && (await cache.match(request, { ignoreVary: true }))) return saved(cache, request);
  return response;
}

/**
 * The store's answer to `request`, saved when good, or null when it could not
 * be had; says on the channel whether the store answered. Never throws.
 */
async function fromStore(cache, request) {
  let response;
  try {
    response = await fetchWithin(request, { cache: 'no-store' });
  } catch {
    announce(false);
    return null;
  }
  announce(!UNAVAILABLE.has(response.status));
  if (response.ok && !response.redirected) {
    // A copy that cannot be kept (the device is full) does not cost the answer.
    await stamped(response.clone()).then((copy) => cache.put(request, copy)).catch(() => {});
  }
  return response;
}

/**
 * What `fetched` gives if it comes within PATIENCE_MS. Past that, TOO_SLOW
 * when `copy()` finds one to show instead (`fetched` still finishes, keeping
 * the worker alive, so a late answer refreshes what is saved), or else
 * whatever `fetched` gives when it comes.
 */
async function patiently(event, fetched, copy) {
  const first = await Promise.race([fetched, new Promise((wake) => setTimeout(wake, PATIENCE_MS, TOO_SLOW))]);
  if (first !== TOO_SLOW) return first;
  if (!(await copy())) return fetched;
  event.waitUntil(fetched);
  return TOO_SLOW;
}

/** A copy of `response` that remembers when it was fetched (`x-tbs-saved-at`, UTC). */
async function stamped(response) {
  const headers = new Headers(response.headers);
  headers.set('x-tbs-saved-at', new Date().toISOString());
  // The body kept is the decoded one.
  headers.delete('content-encoding');
  headers.delete('content-length');
  return new Response(await response.blob(), { status: response.status, statusText: response.statusText, headers });
}

/** What this device saved for `request`, marked with when it was fetched. */
async function saved(cache, request) {
  const copy = await cache.match(request, { ignoreVary: true });
  const url = new URL(request.url);
  if (!copy) return unsaved(request, url);
  const at = copy.headers.get('x-tbs-saved-at');
  channel.postMessage({ type: 'saved', path: url.pathname, at });
  if (request.mode !== 'navigate' || !at) return copy;
  // The page itself says how old it is: pwa.js shows "as of …" from <html data-saved-at>.
  // A page saved before this build was installed loads this build's bundle (the old one is gone).
  const html = (await copy.text())
    .replace('<html', `<html data-saved-at="${at}"`)
    .replaceAll(/\/pkg\/[0-9a-f]{16}\//g, `/pkg/${BUILD}/`);
  const headers = new Headers(copy.headers);
  headers.delete('content-length');
  return new Response(html, { status: copy.status, headers });
}

function unsaved(request, url) {
  const message = "You're offline, and this wasn't saved on this device";
  if (request.mode === 'navigate') return caches.match('/offline.html');
  // Server functions decode their errors from `<kind>|<message>`.
  if (url.pathname.startsWith('/rpc/')) return new Response(`ServerError|${message}`, { status: 503 });
  return new Response(JSON.stringify({ error: { code: 'offline', message } }), {
    status: 503, headers: { 'content-type': 'application/json' },
  });
}
