import { Vector3 } from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { createSiteList } from './siteList.js';
import { createSitePanel } from './sitePanel.js';
import { createSitePicker } from './sitePicker.js';
import { createSnapshots, warmSnapshots } from './snapshots.js';
import { BACKGROUND, buildStage, createRenderer } from './stage.js';
import { createXrButtons } from './xrButtons.js';

/**
 * @typedef {import('./xrButtons.js').XrStrings & {close: string, sites: string}} ViewerStrings
 */

/**
 * What the viewer shares with the tour (tour/tour.js), which drives the same scene.
 * @typedef {object} ViewerParts
 * @property {HTMLElement} container
 * @property {HTMLElement} ui the DOM controls' host
 * @property {import('three').Scene} scene
 * @property {import('three').WebGLRenderer} renderer one per viewer: its snapshots' layers
 *   and the tour draw through it (and through one SparkRenderer made on it)
 * @property {import('three').PerspectiveCamera} camera
 * @property {OrbitControls} controls
 * @property {import('three').Object3D} root the diorama
 * @property {Map<string, import('three').Object3D>} sites site id → marker
 * @property {import('./sceneLoader.js').SceneManifest} manifest
 * @property {string} locale
 * @property {number} size the diorama's diagonal (metres)
 * @property {Vector3} centre the diorama's centre
 * @property {MediaQueryList} reducedMotion
 * @property {import('./snapshots.js').Snapshots} snapshots
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
 * @property {import('./warmStage.js').PreparedStage | null} [prepared] the stage made at
 *   idle (warmStage.js): taken over when it holds this scene and its GL context still lives
 * @property {import('./glContext.js').GlCanvas | null} [gl] boot's WebGL 2 probe, to draw on
 *   (without `prepared`) instead of a second context
 */

// where the diorama stands in an immersive session: a table in front of the user
const XR_OFFSET = new Vector3(0, 0.8, -1.1);

/**
 * @param {import('./warmStage.js').PreparedStage | null | undefined} prepared
 * @param {string} manifestUrl
 * @returns {import('./warmStage.js').PreparedStage | null} `prepared` if the viewer can take it
 */
function usable(prepared, manifestUrl) {
  if (!prepared) return null;
  const { renderer } = prepared.stage;
  if (prepared.manifestUrl === manifestUrl && !renderer.getContext().isContextLost()) {
    return prepared;
  }
  prepared.dispose();
  return null;
}

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
export async function mountViewer(container, options) {
  const { manifestUrl, glbUrl, locale, strings, tour: wantsTour = false } = options;
  const { splatUrls = [] } = options;
  const abort = new AbortController();
  const prepared = usable(options.prepared, manifestUrl);
  // a tour's first snapshot (its tileset and root tile, a few KB) and Spark (~480 KB) as soon
  // as the manifest is read: boot.js asked for the manifest and the GLB at the tap, beside
  // the viewer's code, so they are in or nearly in by now and the link stays busy
  const onManifest = (/** @type {import('./sceneLoader.js').SceneManifest} */ m) => {
    if (wantsTour) warmSnapshots(m, splatUrls, abort.signal);
  };
  /** @type {import('./stage.js').Stage} */
  let made;
  if (prepared) {
    made = prepared.stage;
    onManifest(made.loaded.manifest);
  } else {
    // the GL context is made while the scene downloads
    const fresh = createRenderer(options.gl);
    try {
      made = await buildStage(fresh, { manifestUrl, glbUrl, signal: abort.signal, onManifest });
    } catch (error) {
      fresh.dispose();
      throw error;
    }
  }
  const { renderer, scene, camera, centre, size } = made;
  const { root, manifest, sites } = made.loaded;
  const canvas = renderer.domElement;
  // for tests and benchmarks: whether the stage was made at idle and taken over
  container.dataset.stageMade = prepared ? 'ahead' : 'on-tap';
  container.classList.add('xr-viewer');
  container.append(canvas);

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

  // the size last given to the renderer: setting a canvas's size, even to the one it has,
  // reallocates its drawing buffer (and the ResizeObserver's first call repeats resize()'s)
  let sized = '';
  const resize = () => {
    const width = Math.max(container.clientWidth, 1);
    const height = Math.max(canvas.clientHeight || container.clientHeight, 1);
    camera.aspect = width / height;
    camera.updateProjectionMatrix();
    if (renderer.xr.isPresenting) return;
    const size = `${width}x${height}@${renderer.getPixelRatio()}`;
    if (size === sized) return;
    sized = size;
    renderer.setSize(width, height, false);
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
    spark: prepared?.spark,
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
      sized = ''; // the session sized the renderer for its own framebuffer
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
      delete container.dataset.stageMade;
    },
  };
}
