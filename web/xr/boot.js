/**
 * The batch page's tiny loader: the 3D viewer (three.js, ~160 KB gzipped) runs only when the
 * shopper asks for it. Once the page has loaded and the main thread is idle, the viewer's
 * bundles, the scene and (for a scene with snapshots) the tour and Spark are downloaded
 * into the HTTP cache, not run, and then Spark alone is started (warmCache.js; all skipped
 * on Save-Data and 2G). The viewer's stage (its GL context, the parsed scene, compiled
 * programs) is then made too, unmounted, for the tap to take over (warmStage.js).
 */

import { createGlCanvas } from './glContext.js';

/**
 * The hashed files of the lazy entries (each with its imports; the tour's and Spark's less
 * the viewer's, always asked for first), written in by web/build.mjs
 * once every bundle is named; unbuilt (node's tests) it stays the placeholder: no hints.
 * @type {Record<string, string[]>}
 */
const CHUNKS = (() => {
  const text = '__ORIGINXR_CHUNKS__';
  return text.startsWith('{') ? JSON.parse(text) : {};
})();

/**
 * @param {string} entry "viewer", "tour" or "splats"
 * @returns {string[]} its files' URLs, beside this module
 */
export function chunkUrls(entry) {
  return (CHUNKS[entry] ?? []).map((file) => new URL(file, import.meta.url).href);
}

/** @param {string} url a module to fetch and compile now, ahead of its import */
function modulepreload(url) {
  if (document.head.querySelector(`link[rel="modulepreload"][href="${url}"]`)) return;
  const link = document.createElement('link');
  link.rel = 'modulepreload';
  link.href = url;
  document.head.append(link);
}

/**
 * Wire every `[data-xr-launch]` button under `root` to mount the viewer into `#xr-stage`;
 * a button with `data-xr-tour` then starts the guided tour (its own chunk, which brings
 * Spark in for the sites' snapshots).
 *
 * Attributes, on the button or else on the first `[data-xr-launch]` that has them:
 * `data-manifest-url`, `data-glb-url`, `data-locale`, and `data-strings` (JSON of translated
 * strings: loading, failed, noWebgl, close, sites, enterVR, enterAR, exitXR, vrUnavailable,
 * arUnavailable). A tour button carries `data-tour-strings` (see tour/tour.js TourStrings).
 * @param {ParentNode} root
 * @returns {{stop(): void}}
 */
export function bootXr(root) {
  const buttons = [...root.querySelectorAll('[data-xr-launch]')];
  /** @type {import('./viewer.js').Viewer | null} */
  let viewer = null;
  let stopped = false;
  let busy = false;
  /** @type {import('./warmStage.js').PreparedStage | null} the stage made at idle */
  let prepared = null;
  /** @type {import('./glContext.js').GlCanvas | null} the probe's canvas, until taken */
  let gl = null;
  /** @type {boolean | undefined} */
  let webgl2;
  // whether 3D can run, learnt once; the probe's context is the renderer's, not a second one
  const hasWebGL2 = () => {
    if (webgl2 === undefined) {
      gl = createGlCanvas();
      webgl2 = Boolean(gl);
    }
    return webgl2;
  };
  /** @returns {import('./glContext.js').GlCanvas | null} the probe, for one taker only */
  const takeGl = () => {
    const taken = gl;
    gl = null;
    return taken;
  };

  /**
   * @param {HTMLButtonElement} button
   * @returns {DOMStringMap} the launch data: the button's own, or the first button's
   */
  const launchData = (button) =>
    (button.dataset.manifestUrl
      ? button
      : /** @type {HTMLElement | undefined} */ (
          buttons.find((b) => /** @type {HTMLElement} */ (b).dataset.manifestUrl)
        ) ?? button
    ).dataset;

  /** @param {Event} event */
  const onClick = async (event) => {
    const button = /** @type {HTMLButtonElement} */ (event.currentTarget);
    const stage = document.getElementById('xr-stage');
    if (!stage || busy) return;
    const data = launchData(button);
    const wantsTour = 'xrTour' in button.dataset;
    if (viewer && !wantsTour) return;
    const strings = JSON.parse(data.strings || '{}');
    const status = stage.querySelector('.xr-status') ?? document.createElement('p');
    status.className = 'xr-status';
    status.setAttribute('role', 'status');
    stage.append(status);
    if (!hasWebGL2()) {
      // keep the poster: it is the whole map without 3D
      status.textContent = strings.noWebgl ?? '';
      stage.dataset.state = 'unsupported';
      return;
    }
    busy = true;
    button.setAttribute('aria-busy', 'true');
    button.disabled = true;
    status.textContent = strings.loading ?? '';
    try {
      if (!viewer) {
        stage.dataset.state = 'loading';
        // the viewer and its three.js chunk in parallel, not one after the other; the tour's
        // code beside them when a tour is asked for
        for (const url of chunkUrls('viewer')) modulepreload(url);
        // and the scene: into the HTTP cache now, not once the viewer's code has run
        // (an error is reported by the viewer, which asks for them again)
        for (const url of prepared ? [] : [data.manifestUrl, data.glbUrl]) {
          if (url) fetch(url).catch(() => {});
        }
        if (wantsTour) for (const url of chunkUrls('tour')) modulepreload(url);
        const { mountViewer } = await import('./viewer.js');
        if (stopped) return;
        const taken = prepared;
        prepared = null;
        viewer = await mountViewer(stage, {
          manifestUrl: data.manifestUrl ?? '',
          glbUrl: data.glbUrl ?? '',
          locale: data.locale ?? document.documentElement.lang ?? 'en',
          strings,
          // a tour starts Spark's download as soon as the manifest shows snapshots
          tour: wantsTour,
          splatUrls: chunkUrls('splats'),
          prepared: taken,
          gl: takeGl(),
        });
        stage.dataset.state = 'ready';
      }
      if (wantsTour && !stopped) {
        // leaving the tour puts the keyboard back on the button that started it
        await viewer.startTour(JSON.parse(button.dataset.tourStrings || '{}'), () =>
          button.focus(),
        );
      }
      status.textContent = '';
      import('./beacon.js').then(({ sendScanEvent }) => sendScanEvent('3d')); // a viewer chunk
    } catch (error) {
      if (!viewer) stage.dataset.state = 'failed';
      status.textContent = strings.failed ?? '';
      console.error(error);
    } finally {
      busy = false;
      button.removeAttribute('aria-busy');
      // once the viewer is up, "Explore in 3D" has nothing left to do; the tour can restart
      for (const b of buttons) {
        /** @type {HTMLButtonElement} */ (b).disabled =
          Boolean(viewer) && !('xrTour' in /** @type {HTMLElement} */ (b).dataset);
      }
    }
  };

  for (const button of buttons) button.addEventListener('click', onClick);
  const first = /** @type {HTMLElement | undefined} */ (
    buttons.find((b) => /** @type {HTMLElement} */ (b).dataset.manifestUrl)
  );
  const { connection } = /** @type {{connection?: {saveData?: boolean}}} */ (navigator);
  const warm = () => {
    if (stopped || viewer || busy) return; // the shopper was quicker: the tap fetches it
    if (!hasWebGL2()) return; // no 3D here: the poster is the whole map
    // its own small chunk, fetched at idle: the page's boot bundle stays two buttons' wiring
    // not once the shopper has tapped: the tap's own loading goes first
    const late = () => stopped || busy || Boolean(viewer);
    import('./warmCache.js').then(({ mayPrefetch, warmCache }) => {
      if (late() || !mayPrefetch(connection)) return;
      return warmCache(document, {
        viewer: chunkUrls('viewer'),
        tour: chunkUrls('tour'),
        splats: chunkUrls('splats'),
        manifestUrl: first?.dataset.manifestUrl,
        glbUrl: first?.dataset.glbUrl,
        late,
        takeGl,
        onStage: (made) => {
          prepared = made;
        },
      });
    }).catch(() => {
      // a failed warm-up costs nothing: the tap fetches what it needs
    });
  };
  if (first && Object.keys(CHUNKS).length > 0 && !connection?.saveData) {
    // once the page has loaded, its images (the poster: the LCP) are decoded and a frame
    // has painted them, and then when the main thread is idle: never ahead of the paint
    const idle = () =>
      'requestIdleCallback' in window
        ? requestIdleCallback(warm, { timeout: 5000 })
        : setTimeout(warm, 200);
    const painted = () => requestAnimationFrame(() => requestAnimationFrame(idle));
    const loaded = () =>
      Promise.all([...document.images].map((img) => img.decode().catch(() => {}))).then(
        painted,
      );
    if (document.readyState === 'complete') loaded();
    else window.addEventListener('load', loaded, { once: true });
  }
  return {
    stop() {
      stopped = true;
      for (const button of buttons) button.removeEventListener('click', onClick);
      viewer?.stop();
      viewer = null;
    },
  };
}

// the entry point of the page's script: the one place a side effect at import is wanted
if (typeof document !== 'undefined') bootXr(document);
