// The Better Store's service worker: the shop keeps working on a flaky connection.
//
// * Install: precache the app shell — the WASM bundle, its JS and CSS, the
//   offline page, the manifest and icons.
// * Shop pages (/, /search, /products/…, /cart), assets and catalog/cart API
//   GETs: network first, so nothing is stale while online; every good answer
//   is saved, and served when the network fails (read-through cache).
//   A page never visited gets /offline.html.
// * Everything else (account, orders, dispatch, reports, writes, live
//   streams) goes to the network untouched: private pages are not stored,
//   and signing out forgets the shop pages saved while signed in.
// * After every request it handled, it tells the page whether the server
//   answered (`{ type: 'tbs-network', online, at }`): the status bar.
const VERSION = 'tbs-v1';
const SHELL = [
  '/pkg/tbs.js', '/pkg/tbs_bg.wasm', '/pkg/tbs.css', '/offline.html', '/pwa.js',
  '/manifest.webmanifest', '/icons/icon-192.png', '/icons/icon-512.png', '/favicon.svg',
];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(VERSION).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== VERSION) await caches.delete(name);
    await self.clients.claim();
  })());
});

const SHOP_PAGE = /^\/($|search$|cart$|products\/[^/]+$)/;
const STORED = /^\/(pkg|images|icons)\/|^\/(favicon\.svg|manifest\.webmanifest|offline\.html|pwa\.js)$|^\/api\/(catalog\/|cart$)/;

function handled(request, url) {
  if (request.method !== 'GET' || url.origin !== self.location.origin) return false;
  if ((request.headers.get('accept') ?? '').includes('text/event-stream')) return false;
  if (request.mode === 'navigate') return SHOP_PAGE.test(url.pathname);
  return STORED.test(url.pathname);
}

async function tell(event, online) {
  const client = await self.clients.get(event.resultingClientId || event.clientId);
  client?.postMessage({ type: 'tbs-network', online, at: new Date().toISOString() });
}

// Signing out (or deleting the account) forgets the saved pages: they show
// who was signed in and their cart. The app shell stays.
const SIGNS_OUT = /^\/(api\/account\/sign-out|api\/account\/me|rpc\/account\/sign-out|rpc\/account\/delete)$/;

async function forgetPages() {
  const cache = await caches.open(VERSION);
  for (const request of await cache.keys()) {
    if (!SHELL.includes(new URL(request.url).pathname)) await cache.delete(request);
  }
}

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' && SIGNS_OUT.test(url.pathname)) {
    event.waitUntil(forgetPages());
    return;
  }
  if (!handled(event.request, url)) return;
  event.respondWith((async () => {
    const cache = await caches.open(VERSION);
    try {
      const response = await fetch(event.request);
      if (response.ok) await cache.put(event.request, response.clone());
      event.waitUntil(tell(event, true));
      return response;
    } catch (offline) {
      event.waitUntil(tell(event, false));
      const saved = await cache.match(event.request, { ignoreVary: true });
      if (saved) return saved;
      if (event.request.mode === 'navigate') return cache.match('/offline.html');
      return new Response(JSON.stringify({ error: { code: 'offline', message: "You're offline, and this wasn't saved on this device" } }), {
        status: 503, headers: { 'content-type': 'application/json' },
      });
    }
  })());
});
