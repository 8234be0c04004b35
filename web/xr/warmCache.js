/**
 * Warm the browser's HTTP cache with what the 3D viewer, the tour and Spark will need, so a
 * tap finds them there: hashed bundles and content-addressed blobs are immutable, so a
 * cached copy is used without asking the server again.
 *
 * `<link rel=prefetch>` downloads at the lowest priority and neither parses nor runs the
 * script: the viewer and the tour do not run until the shopper asks for 3D. Their stage is
 * made, unmounted (warmStage.js: the GL context, the parsed scene, compiled programs), and
 * Spark is started on it: that work is most of the wait between a tour's tap and its first
 * splats. Nothing is fetched on Save-Data or a 2G connection, and nothing before the
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
 * @property {() => boolean} [late] whether the shopper has tapped already: the stage is then
 *   neither made nor handed over (the tap makes its own), Spark not started
 * @property {() => import('./glContext.js').GlCanvas | null} [takeGl] boot's WebGL 2 probe,
 *   for the stage to draw on
 * @property {(stage: import('./warmStage.js').PreparedStage) => void} [onStage] once the
 *   viewer's files are cached, its stage is made (renderer, scene, compiled programs:
 *   warmStage.js) and handed here; for a scene with snapshots, once Spark is cached too it is
 *   started on it: the root tile of the snapshot a tour reaches first decoded, Spark's
 *   programs compiled on the stage's renderer
 */

/**
 * Prefetch, one group after the other so the small first group is not slowed by Spark:
 * the viewer's bundles, the GLB and the scene manifest; then the viewer's stage is made
 * (`onStage`) while, when the manifest lists snapshots, the tour's bundles and Spark
 * download, and then Spark is started on the stage.
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
  const withSnapshots = Array.isArray(scene?.snapshots) && scene.snapshots.length > 0;
  // the stage's CPU work beside Spark's download, not before it
  const splats = withSnapshots
    ? Promise.all([...plan.tour, ...plan.splats].map((u) => hint(doc, u)))
    : Promise.resolve();
  const late = plan.late ?? (() => false);
  /** @type {import('./warmStage.js').PreparedStage | null} */
  let stage = null;
  if (plan.onStage && plan.manifestUrl && plan.glbUrl && !late()) {
    try {
      const made = await warmStage(plan.manifestUrl, plan.glbUrl, plan.takeGl?.() ?? null);
      if (late()) made.dispose();
      else stage = made;
    } catch {
      // the tap makes the stage instead
    }
    if (stage) plan.onStage(stage);
  }
  doc.documentElement.dataset.xrPrefetched = 'viewer'; // for benchmarks and tests
  if (!withSnapshots) return false;
  await splats;
  doc.documentElement.dataset.xrPrefetched = 'splats';
  const reached = firstTourSnapshot(/** @type {Parameters<typeof firstTourSnapshot>[0]} */ (scene));
  if (reached && stage && !late()) {
    // Spark's start (its module, WebAssembly, a worker, the first root tile, its programs)
    // is a second or two of a slow phone's CPU: spent now, at idle after the paint, not
    // after the tap (it settles, never rejects: the tap starts what failed)
    await stage.startSpark(new URL(reached.tileset, doc.baseURI).href);
    doc.documentElement.dataset.xrPrefetched = 'spark';
  }
  return true;
}

/**
 * Make the viewer's stage (warmStage.js, its own chunk: three.js runs in it).
 * @param {string} manifestUrl
 * @param {string} glbUrl
 * @param {import('./glContext.js').GlCanvas | null} gl boot's WebGL 2 probe, to draw on
 * @returns {Promise<import('./warmStage.js').PreparedStage>}
 */
function warmStage(manifestUrl, glbUrl, gl) {
  return import('./warmStage.js').then((stage) => stage.warmStage({ manifestUrl, glbUrl, gl }));
}
