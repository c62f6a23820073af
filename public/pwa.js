// Runs before the WASM: installs the service worker (public/sw.js) and keeps
// the connection state for the status bar (app/src/components/connection.rs)
// on <html>: data-network="online|offline" and data-last-sync (UTC, kept in
// localStorage), with a `tbs-network` event on every change.
(() => {
  const root = document.documentElement;
  let serverAnswered = true;
  const saved = localStorage.getItem('tbs-last-sync');
  if (saved) root.dataset.lastSync = saved;
  const update = () => {
    root.dataset.network = navigator.onLine && serverAnswered ? 'online' : 'offline';
    dispatchEvent(new Event('tbs-network'));
  };
  const answered = (online, at) => {
    serverAnswered = online;
    if (online) {
      root.dataset.lastSync = at;
      localStorage.setItem('tbs-last-sync', at);
    }
    update();
  };
  addEventListener('offline', update);
  addEventListener('online', () => {
    update();
    fetch('/health/live', { cache: 'no-store' }).then(
      () => answered(true, new Date().toISOString()),
      () => answered(false),
    );
  });
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.addEventListener('message', (e) => {
      if (e.data?.type === 'tbs-network') answered(e.data.online, e.data.at);
    });
    addEventListener('load', () => navigator.serviceWorker.register('/sw.js'));
  }
  update();
})();
