// Runs before the WASM: installs the service worker (public/sw.js) and keeps
// what the status bar and the page's notices show (app/src/components/device.rs)
// on <html>, with a `tbs-device` event on every change:
// * data-network="online|offline": whether the store itself last answered —
//   a request the service worker or the outbox made, or a heartbeat to
//   /health/live every second while the page is visible (so a change in
//   either direction shows within about a second);
// * data-last-sync: when it last answered (UTC, kept in localStorage);
// * data-saved-at: the page, or data on it, is a copy saved on this device
//   at that time (UTC), shown because the store could not be reached;
// * data-update="ready": a new release is installed; the page offers to reload.
// Coming back online sends the outbox (public/outbox.js).
(() => {
  const root = document.documentElement;
  const HEARTBEAT_MS = 1000;
  const HEARTBEAT_TIMEOUT_MS = 2500;
  let storeAnswered = true;
  const saved = localStorage.getItem('tbs-last-sync');
  if (saved) root.dataset.lastSync = saved;
  const changed = () => dispatchEvent(new Event('tbs-device'));
  const update = () => {
    const online = navigator.onLine && storeAnswered;
    const was = root.dataset.network;
    root.dataset.network = online ? 'online' : 'offline';
    if (online) delete root.dataset.savedAt;
    if (online && was === 'offline') self.tbsOutbox?.kick();
    changed();
  };
  const answered = (online, at) => {
    storeAnswered = online;
    if (online && at) {
      root.dataset.lastSync = at;
      localStorage.setItem('tbs-last-sync', at);
    }
    update();
  };
  const heard = (message) => {
    if (message?.type === 'network') answered(message.online, message.at);
    if (message?.type === 'saved' && message.at && root.dataset.network === 'offline') {
      root.dataset.savedAt = message.at;
      changed();
    }
    if (message?.type === 'outbox') dispatchEvent(new Event('tbs-outbox'));
  };
  new BroadcastChannel('tbs').onmessage = (e) => heard(e.data);
  addEventListener('tbs-channel', (e) => heard(e.detail));
  addEventListener('offline', update);
  addEventListener('online', () => heartbeat());

  async function heartbeat() {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), HEARTBEAT_TIMEOUT_MS);
    try {
      const response = await fetch('/health/live', { cache: 'no-store', signal: abort.signal });
      answered(response.ok, new Date().toISOString());
    } catch {
      answered(false);
    } finally {
      clearTimeout(timer);
    }
  }
  setInterval(() => { if (document.visibilityState === 'visible') heartbeat(); }, HEARTBEAT_MS);

  if ('serviceWorker' in navigator) {
    const ready = (registration) => {
      if (registration.waiting && navigator.serviceWorker.controller && root.dataset.update !== 'accepted') {
        root.dataset.update = 'ready';
        changed();
      }
    };
    // Once the page's own code has started (the worker's first install
    // downloads every micro-app, which must not hold up the page's code), or
    // after 5 s for a page whose code never starts.
    const afterHydration = (then) => {
      if (document.body.dataset.hydrated === 'true') return then();
      const done = () => { observer.disconnect(); clearTimeout(timer); then(); };
      const observer = new MutationObserver(() => { if (document.body.dataset.hydrated === 'true') done(); });
      observer.observe(document.body, { attributes: true, attributeFilter: ['data-hydrated'] });
      const timer = setTimeout(done, 5000);
    };
    addEventListener('load', () => afterHydration(async () => {
      // A browser may refuse a worker (private browsing, a policy): the page goes on without offline.
      const registration = await navigator.serviceWorker.register('/sw.js', { updateViaCache: 'none' }).catch(() => undefined);
      if (!registration) return;
      ready(registration);
      registration.addEventListener('updatefound', () => {
        registration.installing?.addEventListener('statechange', () => ready(registration));
      });
    }));
    let reloading = false;
    navigator.serviceWorker.addEventListener('controllerchange', () => {
      if (root.dataset.update === 'accepted' && !reloading) { reloading = true; location.reload(); }
    });
    // The app moved to another page in place: the worker saves that page as if it had been loaded.
    self.tbsVisited = (url) => navigator.serviceWorker.controller?.postMessage({ type: 'visited', url });
    // The page's "Reload" button: the waiting release takes over, then the page reloads on it.
    self.tbsReload = async () => {
      root.dataset.update = 'accepted';
      const registration = await navigator.serviceWorker.getRegistration();
      if (registration?.waiting) registration.waiting.postMessage({ type: 'reload' });
      else location.reload();
    };
  }
  if (root.dataset.savedAt) storeAnswered = false;
  update();
  self.tbsOutbox?.kick();
})();
