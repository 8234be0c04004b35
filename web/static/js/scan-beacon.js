/**
 * Count this page view: one tiny cookie-free beacon, sent after the first paint.
 *
 * Pages may come from a CDN that the server never hears from, so the page itself says
 * that it was shown (with SCAN_COUNTING=beacon the server counts only these, never the
 * page requests, so nothing is counted twice). Without JavaScript the page's <noscript>
 * image does the same. Prerendered pages wait until they are really shown.
 */

const URL_ = '/api/scan-events';

/** @param {Document} doc */
function send(doc) {
  const uri = doc.querySelector('meta[name="originxr-scan"]')?.getAttribute('content');
  if (!uri) return;
  const body = new URLSearchParams({ uri, kind: 'scan', locale: doc.documentElement.lang || '' });
  try {
    // fetch, not sendBeacon: sendBeacon always sends the site's cookies
    fetch(URL_, { method: 'POST', body, keepalive: true, credentials: 'omit' }).catch(() => {
      // analytics only: a lost count is acceptable, a broken page is not
    });
  } catch {
    // as above
  }
}

/** @param {Document} doc */
function afterFirstPaint(doc) {
  // The frame callback runs just before the first paint; the task it queues, just after.
  requestAnimationFrame(() => setTimeout(() => send(doc), 0));
}

if (document.prerendering) {
  document.addEventListener('prerenderingchange', () => afterFirstPaint(document), { once: true });
} else {
  afterFirstPaint(document);
}
