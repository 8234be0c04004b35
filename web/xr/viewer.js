import {
  Box3,
  Color,
  DirectionalLight,
  HemisphereLight,
  PerspectiveCamera,
  Scene,
  Vector3,
  WebGLRenderer,
} from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { loadScene } from './sceneLoader.js';
import { createSiteList } from './siteList.js';
import { createSitePanel } from './sitePanel.js';
import { createSitePicker } from './sitePicker.js';
import { firstTourSnapshot } from './tour/firstSnapshot.js';
import { createXrButtons } from './xrButtons.js';

/**
 * @typedef {import('./xrButtons.js').XrStrings & {close: string, sites: string}} ViewerStrings
 */

/**
 * What the viewer shares with the tour (tour/tour.js), which drives the same scene.
 * @typedef {object} ViewerParts
 * @property {HTMLElement} container
 * @property {HTMLElement} ui the DOM controls' host
 * @property {Scene} scene
 * @property {WebGLRenderer} renderer
 * @property {PerspectiveCamera} camera
 * @property {OrbitControls} controls
 * @property {import('three').Object3D} root the diorama
 * @property {Map<string, import('three').Object3D>} sites site id → marker
 * @property {import('./sceneLoader.js').SceneManifest} manifest
 * @property {string} locale
 * @property {number} size the diorama's diagonal (metres)
 * @property {Vector3} centre the diorama's centre
 * @property {MediaQueryList} reducedMotion
 * @property {{show(siteId: string): Promise<void>, hide(): void,
 *   state(): import('./splats/splatLayer.js').SplatLayerState | null}} snapshots
 * @property {(siteId: string | null) => void} highlight enlarge a site's marker (null: none)
 * @property {Set<(time: number, frame?: XRFrame) => void>} onFrame called every frame
 * @property {Set<(event: {type: 'start' | 'end', mode: string,
 *   session?: XRSession}) => void>} onXr immersive sessions starting and ending
 */

/**
 * @typedef {object} Viewer
 * @property {() => void} stop
 * @property {(strings: Record<string, string>, onExit?: () => void) => Promise<{stop(): void}>}
 *   startTour load the tour's code and start it (once; a second call returns the running
 *   tour); `onExit` runs when the shopper leaves it (e.g. to put the focus back)
 */

/**
 * @typedef {object} ViewerOptions
 * @property {string} manifestUrl
 * @property {string} glbUrl
 * @property {string} locale
 * @property {ViewerStrings} strings translated by the page
 * @property {boolean} [tour] a tour was asked for: once the manifest names snapshots,
 *   Spark, the first snapshot's tileset and its root tile start downloading at once
 * @property {string[]} [splatUrls] Spark's bundle files (web/build.mjs "splats": scripts and
 *   its `.wasm`), to hint ahead of the import
 */

const BACKGROUND = new Color(0xf3ede4);
// where the diorama stands in an immersive session: a table in front of the user
const XR_OFFSET = new Vector3(0, 0.8, -1.1);
// a site's snapshot is shown over its marker, this fraction of the diorama's size across
const SNAPSHOT_SIZE = 0.25;

/**
 * Pick a chapter's text in `locale`, falling back to the manifest's first locale.
 * @param {import('./sceneLoader.js').SceneManifest} manifest
 * @param {string | null} chapterKey
 * @param {string} locale
 * @returns {{title: string, body: string}}
 */
export function chapterText(manifest, chapterKey, locale) {
  const chapter = manifest.chapters.find((c) => c.key === chapterKey);
  if (!chapter) return { title: '', body: '' };
  const text =
    chapter.text[locale] ?? chapter.text[manifest.locales[0]] ?? Object.values(chapter.text)[0];
  return text ?? { title: '', body: '' };
}

/**
 * Mount the batch's 3D journey into `container` and start rendering.
 * @param {HTMLElement} container
 * @param {ViewerOptions} options
 * @returns {Promise<Viewer>}
 */
export async function mountViewer(
  container,
  { manifestUrl, glbUrl, locale, strings, tour: wantsTour = false, splatUrls = [] },
) {
  const abort = new AbortController();
  const { root, manifest, sites } = await loadScene(manifestUrl, glbUrl, abort.signal, (m) => {
    // a tour's first snapshot: its tileset and root tile (a few KB) beside the GLB
    if (wantsTour) warmSnapshots(m, [], abort.signal);
  });
  // and Spark (~480 KB) as soon as the GLB is in, not once the renderer is up and the tour's
  // code has run: the download overlaps that work. Not beside the GLB: sharing a slow link
  // with it would hold back the diorama (the tour's first stop) for no gain in total time.
  if (wantsTour) warmSnapshots(manifest, splatUrls, abort.signal);

  const renderer = new WebGLRenderer({ antialias: true, alpha: true });
  renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
  renderer.xr.enabled = true;
  const canvas = renderer.domElement;
  canvas.className = 'xr-canvas';
  container.classList.add('xr-viewer');
  container.append(canvas);

  const scene = new Scene();
  scene.background = BACKGROUND;
  scene.add(new HemisphereLight(0xffffff, 0x8a7a66, 1.6));
  const sun = new DirectionalLight(0xffffff, 1.8);
  sun.position.set(1, 3, 2);
  scene.add(sun);
  scene.add(root);

  const box = new Box3().setFromObject(root);
  const centre = box.getCenter(new Vector3());
  const size = box.getSize(new Vector3()).length();
  const camera = new PerspectiveCamera(40, 1, 0.01, 50);
  camera.position.copy(centre).add(new Vector3(0, size * 0.85, size * 0.8));
  const controls = new OrbitControls(camera, canvas);
  controls.target.copy(centre);
  controls.enableDamping = true;
  controls.maxPolarAngle = Math.PI * 0.48;
  const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)');
  controls.autoRotate = !reducedMotion.matches;
  controls.autoRotateSpeed = 0.4;
  const stopAutoRotate = () => {
    controls.autoRotate = false;
  };
  controls.addEventListener('start', stopAutoRotate);
  const onMotionPref = () => {
    if (reducedMotion.matches) controls.autoRotate = false;
  };
  reducedMotion.addEventListener('change', onMotionPref);

  const resize = () => {
    const width = Math.max(container.clientWidth, 1);
    const height = Math.max(canvas.clientHeight || container.clientHeight, 1);
    camera.aspect = width / height;
    camera.updateProjectionMatrix();
    if (!renderer.xr.isPresenting) renderer.setSize(width, height, false);
  };
  const observer = new ResizeObserver(resize);
  observer.observe(container);
  resize();

  const ui = document.createElement('div');
  ui.className = 'xr-ui';
  container.append(ui);
  const panel = createSitePanel(ui, strings);
  /** @type {import('three').Object3D | null} */
  let highlighted = null;
  /** @param {string | null} siteId */
  const highlight = (siteId) => {
    highlighted?.scale.setScalar(1);
    highlighted = siteId ? (sites.get(siteId) ?? null) : null;
    highlighted?.scale.setScalar(1.5);
  };
  /** @param {string} siteId */
  const select = (siteId) => {
    const site = manifest.sites.find((s) => s.id === siteId);
    if (!site) return;
    highlight(siteId);
    const text = chapterText(manifest, site.chapter, locale);
    panel.show({ heading: site.name, title: text.title, body: text.body });
    container.dataset.selectedSite = siteId;
  };
  const snapshots = createSnapshots(manifest, {
    scene,
    renderer,
    camera,
    root,
    size,
    container,
    splatUrls,
  });
  const list = createSiteList(ui, manifest.sites, strings.sites, (siteId) => {
    select(siteId);
    snapshots.show(siteId);
  });
  const picker = createSitePicker(canvas, camera, root, (siteId) => {
    select(siteId);
    snapshots.show(siteId);
  });
  /** @type {ViewerParts['onXr']} */
  const onXr = new Set();
  const xrButtons = createXrButtons(ui, renderer, strings, {
    onStart(mode, session) {
      root.position.copy(XR_OFFSET).sub(new Vector3(centre.x, 0, centre.z));
      if (mode === 'immersive-ar') scene.background = null;
      container.dataset.xr = mode;
      for (const listener of onXr) listener({ type: 'start', mode, session });
    },
    onEnd(mode) {
      root.position.set(0, 0, 0);
      scene.background = BACKGROUND;
      delete container.dataset.xr;
      for (const listener of onXr) listener({ type: 'end', mode });
      resize();
    },
  });

  /** @type {ViewerParts['onFrame']} */
  const onFrame = new Set();
  let frames = 0;
  renderer.setAnimationLoop((time, frame) => {
    if (!renderer.xr.isPresenting) controls.update();
    for (const listener of onFrame) listener(time, frame);
    snapshots.update();
    renderer.render(scene, camera);
    frames += 1;
    container.dataset.frames = String(frames);
    // splats on screen now (0 without a snapshot, and until Spark has sorted the first
    // tiles shown): what tests and benchmarks wait for
    const state = snapshots.state();
    const splats = String(state && state.drawn > 0 ? state.splats : 0);
    if (container.dataset.splats !== splats) container.dataset.splats = splats;
    // and those of the tiles handed to Spark, drawn or not yet (benchmarks: where time goes)
    const loaded = String(state?.splats ?? 0);
    if (container.dataset.splatsLoaded !== loaded) container.dataset.splatsLoaded = loaded;
  });

  /** @type {ViewerParts} */
  const parts = {
    container,
    ui,
    scene,
    renderer,
    camera,
    controls,
    root,
    sites,
    manifest,
    locale,
    size,
    centre,
    reducedMotion,
    snapshots,
    highlight,
    onFrame,
    onXr,
  };
  /** @type {Promise<{stop(): void}> | null} */
  let tour = null;

  return {
    startTour(tourStrings, onExit) {
      // A tour visits the snapshots: start fetching Spark now, beside the tour's own chunk,
      // rather than when the first snapshot stop is reached.
      snapshots.prefetch();
      // the tour's code is its own chunk: fetched on the first tour only
      tour ??= import('./tour/tour.js').then(({ startTour }) =>
        startTour(parts, tourStrings, () => {
          tour = null;
          onExit?.();
        }),
      );
      tour.catch(() => {
        tour = null; // a failed load (offline?) may be retried
      });
      return tour;
    },
    stop() {
      abort.abort();
      tour?.then((t) => t.stop()).catch(() => {
        // a tour that failed to start has nothing to stop
      });
      renderer.setAnimationLoop(null);
      observer.disconnect();
      reducedMotion.removeEventListener('change', onMotionPref);
      controls.removeEventListener('start', stopAutoRotate);
      controls.dispose();
      picker.stop();
      snapshots.stop();
      list.stop();
      panel.stop();
      xrButtons.stop();
      ui.remove();
      root.traverse((object) => {
        const mesh = /** @type {import('three').Mesh} */ (object);
        mesh.geometry?.dispose();
        const materials = Array.isArray(mesh.material) ? mesh.material : [mesh.material];
        for (const material of materials) material?.dispose();
      });
      renderer.dispose();
      canvas.remove();
      container.classList.remove('xr-viewer');
    },
  };
}

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
 * snapshot a tour reaches first (with `all`, the other tilesets too: each is small) (the splat layer draws the root before
 * anything finer). Each lands in the HTTP or module cache, where the splat layer finds it.
 * Nothing happens for a manifest without snapshots; each URL is asked for once.
 * @param {import('./sceneLoader.js').SceneManifest} manifest
 * @param {string[]} splatUrls Spark's bundle files
 * @param {AbortSignal} signal
 * @param {boolean} [all] every snapshot's tileset, not only the first's
 */
function warmSnapshots(manifest, splatUrls, signal, all = false) {
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
 * Show a site's reality snapshot (manifest.snapshots) over its marker. Spark and the splat
 * code are fetched on the first snapshot shown: a manifest without snapshots never loads them.
 * @param {import('./sceneLoader.js').SceneManifest} manifest
 * @param {{scene: Scene, renderer: WebGLRenderer, camera: PerspectiveCamera,
 *   root: import('three').Object3D, size: number, container: HTMLElement,
 *   splatUrls: string[]}} context
 * @returns {{show(siteId: string): Promise<void>, hide(): void, update(): void,
 *   state(): import('./splats/splatLayer.js').SplatLayerState | null, stop(): void,
 *   prefetch(): void}}
 */
function createSnapshots(manifest, context) {
  const { scene, renderer, camera, root, size, container, splatUrls } = context;
  const abort = new AbortController();
  /** @type {import('./splats/splatLayer.js').SplatLayer | null} */
  let layer = null;
  /** @type {string | null} */
  let current = null;
  /** @type {Promise<import('@sparkjsdev/spark').SparkRenderer> | null} */
  let sparkMade = null;
  /** @returns {Promise<import('@sparkjsdev/spark').SparkRenderer>} the layers' one renderer */
  const sharedSpark = () => {
    sparkMade ??= import('./splats/splatLayer.js').then(({ createSplatRenderer }) =>
      createSplatRenderer({ scene, renderer, camera }),
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
    const { createSplatLayer } = await import('./splats/splatLayer.js');
    const made = await createSplatLayer({
      scene,
      renderer,
      camera,
      tilesetUrl: entry.tileset,
      signal: abort.signal,
      spark: await sharedSpark(),
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
   * module runs now (compiling its WASM), and the tilesets and first root tile download
   * beside it, not after it (warmSnapshots; already under way when the tour was tapped).
   * Then the SparkRenderer the snapshots share is made: its shaders compile and its sort
   * worker starts while the tour's map stop shows, not when the first snapshot is reached.
   */
  const prefetch = () => {
    if (!manifest.snapshots?.length) return;
    warmSnapshots(manifest, splatUrls, abort.signal, true);
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
