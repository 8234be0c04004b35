/**
 * Scan-analytics beacon: tells the server that the shopper entered 3D, VR or AR, or
 * finished the tour. Fire and forget: no cookies, no identifiers, no retries, and never an
 * error for the page — analytics must not get in the shopper's way.
 *
 * The batch page names its Digital Link path in `<meta name="originxr-batch">`; pages
 * without it (tests, previews) send nothing.
 */

export const SCAN_EVENTS_URL = '/api/scan-events';

/** @typedef {'3d' | 'xr' | 'ar' | 'tour_complete'} ScanEventKind */

/**
 * Send one scan event for the current batch page.
 * @param {ScanEventKind} kind
 * @param {Document} [doc]
 * @returns {boolean} whether the browser accepted the beacon for sending
 */
export function sendScanEvent(kind, doc = document) {
  const uri = doc.querySelector('meta[name="originxr-batch"]')?.getAttribute('content');
  if (!uri) return false;
  const body = new URLSearchParams({ uri, kind, locale: doc.documentElement.lang || '' });
  try {
    if (typeof navigator.sendBeacon === 'function') {
      return navigator.sendBeacon(SCAN_EVENTS_URL, body);
    }
    const init = { method: 'POST', body, keepalive: true, credentials: /** @type {const} */ ('omit') };
    fetch(SCAN_EVENTS_URL, init).catch(() => {
      // analytics only: a lost event is acceptable, a broken page is not
    });
    return true;
  } catch {
    // e.g. a beacon over the browser's size quota: drop it, as above
    return false;
  }
}
