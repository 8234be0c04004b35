/**
 * Warm the browser's HTTP cache with what the 3D viewer, the tour and Spark will need, so a
 * tap finds them there: hashed bundles and content-addressed blobs are immutable, so a
 * cached copy is used without asking the server again.
 *
 * `<link rel=prefetch>` downloads at the lowest priority and neither parses nor runs the
 * script: the viewer and the tour do not run until the shopper asks for 3D. Spark alone is
 * then started (startSpark): its start is most of the wait between a tour's tap and its
 * first splats. Nothing is fetched on Save-Data or a 2G connection, and nothing before the
 * page has loaded and the main thread is idle.
 */

import { firstTourSnapshot } from './tour/firstSnapshot.js';

/**
 * @typedef {object} ConnectionInfo
 * @property {boolean} [saveData]
 * @property {string} [effectiveType]
 */

/**
 * @param {ConnectionInfo | undefined} connection `navigator.connection` where there is one
 * @returns {boolean} whether the shopper's connection welcomes speculative downloads
 */
export function mayPrefetch(connection) {
  if (!connection) return true;
  if (connection.saveData) return false;
  return !/(^|-)2g$/.test(connection.effectiveType ?? '');
}

/**
 * Add `<link rel=prefetch>` (or `modulepreload`) for `url` unless one is there already.
 * @param {Document} doc
 * @param {string} url
 * @param {'prefetch' | 'modulepreload'} [rel]
 * @returns {Promise<void>} settles when the download ends, well or not
 */
export function hint(doc, url, rel = 'prefetch') {
  const href = new URL(url, doc.baseURI).href;
  for (const link of doc.head.querySelectorAll(`link[rel="${rel}"]`)) {
    if (/** @type {HTMLLinkElement} */ (link).href === href) return Promise.resolve();
  }
  const link = doc.createElement('link');
  link.rel = rel;
  link.href = href;
  const done = new Promise((resolve) => {
    link.addEventListener('load', () => resolve(undefined), { once: true });
    link.addEventListener('error', () => resolve(undefined), { once: true });
  });
  doc.head.append(link);
  return /** @type {Promise<void>} */ (done);
}

/**
 * @typedef {object} WarmPlan
 * @property {string[]} viewer the viewer's bundle files (URLs), its imports included
 * @property {string[]} tour the tour's
 * @property {string[]} splats Spark's
 * @property {string} [manifestUrl] the scene manifest
 * @property {string} [glbUrl] the scene's GLB
 * @property {(tilesetUrl: string) => Promise<void>} [startSpark] once Spark is cached, run
 *   it and decode the root tile of the snapshot a tour reaches first
 */

/**
 * Prefetch, one group after the other so the small first group is not slowed by Spark:
 * the viewer's bundles, the GLB and the scene manifest; then, when the manifest lists
 * snapshots, the tour's bundles and Spark, and then Spark is started (`startSpark`).
 * @param {Document} doc
 * @param {WarmPlan} plan
 * @returns {Promise<boolean>} whether Spark was prefetched
 */
export async function warmCache(doc, plan) {
  const first = [...plan.viewer, plan.glbUrl].filter(Boolean).map((u) => hint(doc, String(u)));
  /** @type {Promise<{snapshots?: unknown[]} | null>} */
  const manifest = plan.manifestUrl
    ? fetch(plan.manifestUrl, { priority: 'low' })
        .then((response) => (response.ok ? response.json() : null))
        .catch(() => null)
    : Promise.resolve(null);
  const [scene] = await Promise.all([manifest, ...first]);
  doc.documentElement.dataset.xrPrefetched = 'viewer'; // for benchmarks and tests
  if (!Array.isArray(scene?.snapshots) || scene.snapshots.length === 0) return false;
  await Promise.all([...plan.tour, ...plan.splats].map((u) => hint(doc, u)));
  doc.documentElement.dataset.xrPrefetched = 'splats';
  const reached = firstTourSnapshot(/** @type {Parameters<typeof firstTourSnapshot>[0]} */ (scene));
  if (reached && plan.startSpark) {
    // Spark's start (its module, WebAssembly, a worker, the first root tile) is a second or
    // two of a slow phone's CPU: spent now, at idle after the paint, not after the tap
    try {
      await plan.startSpark(new URL(reached.tileset, doc.baseURI).href);
    } catch {
      // the tap starts it instead
    }
    doc.documentElement.dataset.xrPrefetched = 'spark';
  }
  return true;
}

/**
 * Run Spark (splats/splatLayer.js warmSplats): its module, WebAssembly and a worker, and
 * decode the root tile of `tilesetUrl`. Its own function here, so that boot's bundle names
 * the Spark chunk (to hint it) without importing it.
 * @param {string} tilesetUrl
 * @returns {Promise<void>}
 */
export function startSpark(tilesetUrl) {
  return import('./splats/splatLayer.js').then(({ warmSplats }) => warmSplats(tilesetUrl));
}
