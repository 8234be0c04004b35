import { Vector3 } from 'three';
import { firstTourSnapshot } from './tour/firstSnapshot.js';

/**
 * The sites' reality snapshots (manifest.snapshots) in the viewer: what loads ahead of the
 * first one, and the splat layer over a site's marker. Spark and the splat code are fetched
 * for the first snapshot shown: a manifest without snapshots never loads them.
 */

// a site's snapshot is shown over its marker, this fraction of the diorama's size across
const SNAPSHOT_SIZE = 0.25;

/**
 * @typedef {object} Snapshots
 * @property {(siteId: string) => Promise<void>} show
 * @property {() => void} hide
 * @property {() => void} update call once per frame
 * @property {() => import('./splats/splatLayer.js').SplatLayerState | null} state
 * @property {() => void} prefetch load Spark ahead of the first snapshot (a tour's start)
 * @property {() => void} stop
 */

/** @type {Set<string>} URLs already hinted or fetched ahead by warmSnapshots */
const warmed = new Set();

/**
 * @param {string} rel "modulepreload" or "preload"
 * @param {string} href
 */
function addHint(rel, href) {
  const url = new URL(href, document.baseURI).href;
  if (warmed.has(`${rel} ${url}`)) return;
  warmed.add(`${rel} ${url}`);
  // fetched already (Spark started at idle, warmCache.js): a hint would go unused
  if (performance.getEntriesByName(url).length > 0) return;
  const link = document.createElement('link');
  link.rel = rel;
  link.href = url;
  if (rel === 'preload') {
    // Spark fetch()es its WASM (mode cors, same-origin credentials): the preload must match
    link.as = 'fetch';
    link.crossOrigin = 'anonymous';
  }
  document.head.append(link);
}

/**
 * Start downloading what the first snapshot needs, without running any of it: Spark's
 * scripts (modulepreload) and WebAssembly (preload), the tileset and root tile of the
 * snapshot a tour reaches first (with `all`, the other tilesets too: each is small). Each
 * lands in the HTTP or module cache, where the splat layer finds it. Nothing happens for a
 * manifest without snapshots; each URL is asked for once.
 * @param {import('./sceneLoader.js').SceneManifest} manifest
 * @param {string[]} splatUrls Spark's bundle files
 * @param {AbortSignal} signal
 * @param {boolean} [all] every snapshot's tileset, not only the first's
 */
export function warmSnapshots(manifest, splatUrls, signal, all = false) {
  if (!manifest.snapshots?.length) return;
  for (const url of splatUrls) addHint(url.endsWith('.wasm') ? 'preload' : 'modulepreload', url);
  const first = firstTourSnapshot(manifest);
  for (const entry of all ? manifest.snapshots : [first]) {
    if (!entry) continue;
    const url = new URL(entry.tileset, document.baseURI).href;
    if (warmed.has(url)) continue;
    warmed.add(url);
    const tileset = fetch(url, { priority: 'low', signal });
    if (entry !== first) continue;
    tileset
      .then((response) => (response.ok ? response.json() : null))
      .then((/** @type {{root?: {content?: {sha256?: string}}} | null} */ json) => {
        const sha256 = json?.root?.content?.sha256;
        if (!sha256) return;
        // tiles are content-addressed blobs beside the tileset (splats/splatLayer.js)
        const tile = new URL(sha256, url).href;
        if (warmed.has(tile)) return;
        warmed.add(tile);
        return fetch(tile, { signal }).then((response) => response.arrayBuffer());
      })
      .catch(() => {
        // the splat layer fetches what is missing when the snapshot is shown
      });
  }
}

/**
 * Show a site's reality snapshot over its marker; the layers share one SparkRenderer.
 * @param {import('./sceneLoader.js').SceneManifest} manifest
 * @param {{scene: import('three').Scene, renderer: import('three').WebGLRenderer,
 *   camera: import('three').PerspectiveCamera, root: import('three').Object3D, size: number,
 *   container: HTMLElement, splatUrls: string[],
 *   spark?: Promise<import('@sparkjsdev/spark').SparkRenderer> | null}} context `spark`: one
 *   made ahead on the same renderer (warmStage.js), to share instead of making one
 * @returns {Snapshots}
 */
export function createSnapshots(manifest, context) {
  const { scene, renderer, camera, root, size, container, splatUrls } = context;
  const abort = new AbortController();
  /** @type {import('./splats/splatLayer.js').SplatLayer | null} */
  let layer = null;
  /** @type {string | null} */
  let current = null;
  /** @type {Promise<import('@sparkjsdev/spark').SparkRenderer> | null} */
  let sparkMade = context.spark ?? null;
  /** @returns {Promise<import('@sparkjsdev/spark').SparkRenderer>} the layers' one renderer */
  const sharedSpark = () => {
    sparkMade ??= import('./splats/splatLayer.js').then(
      ({ createSplatRenderer }) => createSplatRenderer({ scene, renderer, camera }).spark,
    );
    sparkMade.catch(() => {
      sparkMade = null; // a failed load (offline?) may be retried
    });
    return sparkMade;
  };
  /**
   * @param {{site: string, tileset: string}} entry
   * @returns {Promise<import('./splats/splatLayer.js').SplatLayer>} placed over its marker
   */
  const makeLayer = async (entry) => {
    const [{ createSplatLayer }, spark] = await Promise.all([
      import('./splats/splatLayer.js'),
      sharedSpark(),
    ]);
    const made = await createSplatLayer({
      scene,
      renderer,
      camera,
      tilesetUrl: entry.tileset,
      signal: abort.signal,
      spark,
    });
    const { min, max } = made.bounds;
    const extent = Math.max(max[0] - min[0], max[1] - min[1], max[2] - min[2], 1e-6);
    const scale = (size * SNAPSHOT_SIZE) / extent;
    made.group.scale.setScalar(scale);
    // the snapshot's footprint (bottom centre) stands on the marker
    const foot = new Vector3((min[0] + max[0]) / 2, min[1], (min[2] + max[2]) / 2);
    root.updateMatrixWorld();
    root.traverse((object) => {
      if (object.userData.type === 'site' && object.userData.id === entry.site) {
        object.getWorldPosition(made.group.position).addScaledVector(foot, -scale);
      }
    });
    // under the diorama, it moves with it onto the table of an immersive session
    root.attach(made.group);
    return made;
  };

  /**
   * Load the splat code (Spark) ahead of the first snapshot, if there is any snapshot: its
   * module runs now (compiling its WASM), and the first tileset and root tile download
   * beside it, not after it (warmSnapshots; already under way when the tour was tapped).
   * Then the SparkRenderer the snapshots share is made: its shaders compile and its sort
   * worker starts while the tour's map stop shows, not when the first snapshot is reached.
   */
  const prefetch = () => {
    if (!manifest.snapshots?.length) return;
    warmSnapshots(manifest, splatUrls, abort.signal);
    const first = firstTourSnapshot(manifest);
    if (first && !context.spark) {
      // the first snapshot's root tile decodes as soon as Spark's WebAssembly is in, and the
      // program copying its splats compiles from it, before the tour reaches that stop
      import('./splats/splatLayer.js')
        .then(({ warmSplats }) => warmSplats(new URL(first.tileset, document.baseURI).href))
        .catch(() => {
          // the layer loads the tile itself
        });
    }
    sharedSpark().catch(() => {
      // a failed prefetch is retried by show()
    });
  };

  /** @param {string} siteId */
  const show = async (siteId) => {
    const entry = manifest.snapshots?.find((s) => s.site === siteId);
    if (!entry || current === siteId) return;
    current = siteId;
    layer?.stop();
    layer = null;
    container.dataset.snapshot = 'loading';
    try {
      const made = await makeLayer(entry);
      if (abort.signal.aborted || current !== siteId) {
        made.stop();
        return;
      }
      layer = made;
      await made.ready;
      if (layer === made) container.dataset.snapshot = siteId;
      // the other sites' tilesets (a few KB each) once this one is drawn, not beside it
      warmSnapshots(manifest, [], abort.signal, true);
    } catch (error) {
      if (abort.signal.aborted) return;
      // the diorama still works without the snapshot: say so on the stage, keep going
      container.dataset.snapshot = 'failed';
      console.warn('snapshot failed to load', error);
    }
  };

  return {
    show,
    prefetch,
    hide() {
      current = null;
      layer?.stop();
      layer = null;
      delete container.dataset.snapshot;
    },
    update() {
      layer?.update();
    },
    state() {
      return layer?.state() ?? null;
    },
    stop() {
      abort.abort();
      layer?.stop();
      layer = null;
      sparkMade
        ?.then((spark) => {
          scene.remove(spark);
          spark.dispose();
        })
        .catch(() => {
          // never made: nothing to dispose
        });
    },
  };
}
