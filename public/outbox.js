// The device's outbox: edits made in the app (cart, checkout, dispatch) are
// queued here first and sent to the store's REST API in order, each with its
// own Idempotency-Key, so an edit made offline reaches the store exactly once.
//
// Loaded by the page (before the WASM, which queues and reads through
// `self.tbsOutbox`) and by the service worker (`importScripts`), which sends
// the queue on a Background Sync event even when no page is open. Whoever
// sends holds the origin's Web Lock `tbs-outbox`, so two tabs and the worker
// never send the same edit at once; an edit leaves the queue only after the
// store answered it, and the store applies an Idempotency-Key at most once.
//
// IndexedDB `tbs-device`: `outbox` (queued edits, by `seq`), `refused` (edits
// the store refused, kept until the person has seen them) and `meta` (the
// last cart the store sent, and which account the device's data belongs to).
// Every change is announced on the BroadcastChannel `tbs` as
// `{ type: 'outbox' }`, and whether the store answered as `{ type: 'network' }`.
// No request waits for ever (`fetchWithin`): the service worker's own use it too.
(() => {
  const channel = new BroadcastChannel('tbs');
  const GUEST = 'guest';
  // How long a request waits for the store's answer at all. The store answers
  // within its own request timeout (15 s, `request_timeout_secs`), so past this
  // the connection has stalled: it takes requests and gives nothing back, as a
  // phone's does in a tunnel. The request is then given up as unsent.
  const DEADLINE_MS = 20_000;
  let opening;

  function database() {
    opening ??= new Promise((resolve, reject) => {
      const request = indexedDB.open('tbs-device', 1);
      request.onupgradeneeded = () => {
        const db = request.result;
        db.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
        db.createObjectStore('refused', { keyPath: 'id' });
        db.createObjectStore('meta', { keyPath: 'key' });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => { opening = undefined; reject(request.error); };
    });
    return opening;
  }

  /** Runs `work(stores)` in one transaction over `names`; resolves with its result once committed. */
  async function transaction(names, mode, work) {
    const tx = (await database()).transaction(names, mode);
    const committed = new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = tx.onabort = () => reject(tx.error);
    });
    const result = await work(Object.fromEntries(names.map((n) => [n, tx.objectStore(n)])));
    await committed;
    return result;
  }

  const request = (r) => new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });

  function announce(message) {
    channel.postMessage(message);
    // The channel does not deliver to its sender: tell this context too.
    if (typeof window !== 'undefined') dispatchEvent(new CustomEvent('tbs-channel', { detail: message }));
  }

  /** Queues one edit (`change`, or its JSON: method, url, body, kind, owner, label, …) and tries to send it. */
  async function enqueue(change) {
    if (typeof change === 'string') change = JSON.parse(change);
    const entry = { ...change, id: crypto.randomUUID(), queued_at: new Date().toISOString() };
    entry.owner ??= GUEST;
    await transaction(['outbox'], 'readwrite', ({ outbox }) => { outbox.add(entry); });
    announce({ type: 'outbox' });
    kick();
    return entry.id;
  }

  /**
   * What the app shows: queued and refused edits, and the last cart the store
   * sent (JSON text). The page knows an empty outbox's text (`NOTHING_KEPT` in
   * app/src/device/js.rs) and loads no code to read it: keep the keys' order.
   */
  async function snapshot() {
    const state = await transaction(['outbox', 'refused', 'meta'], 'readonly', async ({ outbox, refused, meta }) => ({
      pending: await request(outbox.getAll()),
      refused: await request(refused.getAll()),
      cart: (await request(meta.get('cart'))) ?? null,
    }));
    return JSON.stringify(state);
  }

  async function dismiss(id) {
    await transaction(['refused'], 'readwrite', ({ refused }) => { refused.delete(id); });
    announce({ type: 'outbox' });
  }

  /**
   * Sends the queue in order until it is empty or the store can't be reached;
   * then asks for a Background Sync — except from a sync event itself, whose
   * failure the browser retries later (registering again from inside it would
   * fire it again at once: a busy loop for as long as the device is offline).
   */
  async function flush({ fromSync = false } = {}) {
    const send = () => drain(fromSync ? async () => {} : registerSync);
    return navigator.locks ? navigator.locks.request('tbs-outbox', send) : send();
  }

  async function drain(retryLater) {
    for (;;) {
      const next = await transaction(['outbox'], 'readonly', async ({ outbox }) => (await request(outbox.openCursor()))?.value);
      if (!next) return 'sent';
      const headers = { 'content-type': 'application/json', accept: 'application/json', 'idempotency-key': next.id };
      // Made by an account: the store applies it for that account only (a guest's goes to the cart at hand).
      if (next.owner !== GUEST) headers['tbs-made-by'] = next.owner;
      let response;
      try {
        response = await fetchWithin(next.url, {
          method: next.method, body: next.body ?? undefined, cache: 'no-store', credentials: 'same-origin', headers,
        });
      } catch {
        announce({ type: 'network', online: false });
        await retryLater();
        return 'offline';
      }
      announce({ type: 'network', online: true, at: new Date().toISOString() });
      if (notNow(response.status)) { await retryLater(); return 'later'; }
      await settle(next, response.status, await response.text());
      announce({ type: 'outbox' });
    }
  }

  /**
   * `fetch(resource, init)` given up (rejected) when no answer has begun
   * within `DEADLINE_MS`; a body that is coming may take longer (a big file on
   * a slow line). An edit given up stays queued and goes again under its
   * Idempotency-Key, so one that did reach the store is not applied twice.
   */
  async function fetchWithin(resource, init = {}) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new DOMException('The store did not answer in time', 'TimeoutError')), DEADLINE_MS);
    try {
      return await fetch(resource, { ...init, signal: abort.signal });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Whether an answer says "not now" rather than yes or no: the store failed
   * (5xx), did not finish in time (408) or asks to slow down (429). The edit
   * stays queued and is sent again under its Idempotency-Key.
   */
  function notNow(status) {
    return status >= 500 || status === 408 || status === 429;
  }

  /** The store answered `entry`: it leaves the queue; a refusal is kept to be shown, a cart is kept to show. */
  function settle(entry, status, text) {
    return transaction(['outbox', 'refused', 'meta'], 'readwrite', ({ outbox, refused, meta }) => {
      outbox.delete(entry.seq);
      if (status < 300 && entry.kind === 'cart') meta.put({ key: 'cart', value: text, at: new Date().toISOString(), owner: entry.owner });
      if (status >= 300) refused.put({ ...entry, status, message: errorMessage(text) });
    });
  }

  function errorMessage(text) {
    try { return JSON.parse(text).error?.message ?? 'The store refused this change'; } catch { return 'The store refused this change'; }
  }

  async function registerSync() {
    const registration = self.registration ?? (await navigator.serviceWorker?.getRegistration());
    await registration?.sync?.register('tbs-outbox').catch(() => {});
  }

  /**
   * Sends now. From a page the service worker sends (so leaving the page does
   * not cut a request short); a page no worker controls yet sends itself.
   */
  function kick() {
    const worker = typeof window !== 'undefined' ? navigator.serviceWorker?.controller : null;
    if (worker) worker.postMessage({ type: 'flush' });
    else flush().catch(() => {});
  }

  /**
   * Says whose data this device holds. When another account signs in, or
   * nobody is signed in any more, what belonged to the previous account
   * (its queued and refused edits, the saved cart) is forgotten; a guest's
   * queued edits stay for the guest cart. Resolves true when it forgot anything.
   */
  async function belongsTo(account) {
    const owner = account ?? GUEST;
    return transaction(['outbox', 'refused', 'meta'], 'readwrite', async ({ outbox, refused, meta }) => {
      const previous = (await request(meta.get('owner')))?.value ?? GUEST;
      meta.put({ key: 'owner', value: owner });
      if (previous === owner || previous === GUEST) return false;
      for (const store of [outbox, refused]) {
        for (const entry of await request(store.getAll())) {
          if (entry.owner !== GUEST) store.delete(store.keyPath === 'seq' ? entry.seq : entry.id);
        }
      }
      meta.delete('cart');
      localStorage.removeItem('tbs-checkout-draft'); // the checkout form's draft (app/src/device/js.rs)
      return true;
    }).then(async (forgot) => {
      if (forgot) {
        await caches.delete('tbs-pages'); // the pages the previous account saw
        announce({ type: 'outbox' });
      }
      return forgot;
    });
  }

  self.tbsOutbox = { enqueue, snapshot, dismiss, flush, kick, belongsTo, fetchWithin };
})();
