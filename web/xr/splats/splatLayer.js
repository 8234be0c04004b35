import { Group, Vector2, Vector3 } from 'three';
import { SplatFileType, SplatMesh } from '@sparkjsdev/spark';
import { splatBudget } from './deviceBudget.js';
import { newSparkRenderer, takeDecodedAhead } from './splatRenderer.js';
import { DEFAULT_MAX_ERROR, parentsOf, refinementOf, selectTiles } from './tileSelector.js';

// the entry's other exports (web/build.mjs "splats": viewer.js and warmStage.js import them)
export { createSplatRenderer, warmSplats } from './splatRenderer.js';

/**
 * @typedef {import('./tileSelector.js').TileNode} TileNode
 * @typedef {import('./tileSelector.js').Tileset} Tileset
 */

/**
 * @typedef {object} SplatLayerOptions
 * @property {import('three').Scene} scene
 * @property {import('three').WebGLRenderer} renderer
 * @property {import('three').PerspectiveCamera} camera
 * @property {string} tilesetUrl the tileset JSON (server/core/splats/tiling.py `to_json()`)
 * @property {(sha256: string) => string} [tileUrl] where a tile's bytes are; default: the
 *   sha256 resolved against `tilesetUrl`, i.e. beside the tileset (`/blobs/<sha256>`)
 * @property {number} [budget] splats shown at most; default: this device's (deviceBudget.js)
 * @property {number} [every] frames between two tile selections (default 15)
 * @property {number} [maxError] pixels of screen-space error tolerated
 * @property {number} [concurrency] tiles downloading at once (default 2)
 * @property {AbortSignal} [signal] aborts the tileset download
 * @property {SparkRenderer} [spark] the SparkRenderer to draw through (createSplatRenderer):
 *   shared by the layers of one viewer, it is added to `scene` if it is not there, and left
 *   there (not disposed) when the layer stops; without it the layer makes, adds and
 *   disposes its own
 */

/**
 * @typedef {object} SplatLayerState
 * @property {string[]} shown ids of the tiles drawn now
 * @property {number} splats splats of the tiles drawn now
 * @property {number} drawn splats Spark drew in the last frame: 0 until Spark has sorted what
 *   the shown tiles hold (the first frame with splats on screen)
 * @property {number} loading tiles downloading or decoding
 * @property {number} failed tiles that could not be loaded
 */

/**
 * @typedef {object} SplatLayer
 * @property {Group} group holds the tiles (added to `scene`; may be moved under another
 *   object): place and scale it to put the snapshot somewhere
 * @property {{min: number[], max: number[]}} bounds the tileset's bounds in its own frame
 * @property {Promise<void>} ready settles when the first tile is drawn (the root, usually)
 * @property {() => void} update call once per frame (nothing loads before the first call);
 *   selects tiles on the first call and every `every` frames after
 * @property {() => SplatLayerState} state
 * @property {() => void} stop removes and disposes everything it made
 */

/**
 * @typedef {object} Entry a tile the layer holds a mesh for
 * @property {SplatMesh} mesh
 * @property {'loading' | 'loaded' | 'failed'} status
 */

// long enough that no sort starts while held (released by the first frame after the running
// sort: see update())
const HOLD_SORT_MS = 60_000;

/**
 * Stream a splat tileset into `scene` through one SparkRenderer: one SplatMesh per tile,
 * coarse tiles first, finer ones as the camera comes close, within a splat budget.
 *
 * With additive tiles (the tileset root's `refine` is "ADD") a child is drawn beside its
 * ancestors as soon as it has loaded, and a child no longer wanted goes at once: its
 * ancestors stay drawn. With replacement tiles, a tile that is replaced (by its children,
 * or by its parent when the camera moves away) stays drawn until all of its replacements
 * have loaded, and they stay hidden until then: no holes and no doubled splats while
 * tiles stream in.
 * @param {SplatLayerOptions} options
 * @returns {Promise<SplatLayer>}
 */
export async function createSplatLayer({
  scene,
  renderer,
  camera,
  tilesetUrl,
  tileUrl,
  budget = splatBudget(),
  every = 15,
  maxError = DEFAULT_MAX_ERROR,
  concurrency = 2,
  signal,
  spark: shared,
}) {
  const base = new URL(tilesetUrl, document.baseURI);
  const response = await fetch(base, { signal });
  if (!response.ok) throw new Error(`tileset ${tilesetUrl}: HTTP ${response.status}`);
  /** @type {Tileset} */
  const tileset = await response.json();
  if (!tileset?.root?.content) throw new Error(`tileset ${tilesetUrl}: no root tile`);
  const urlOf = tileUrl ?? ((sha256) => new URL(sha256, base).href);
  const parents = parentsOf(tileset);
  const additive = refinementOf(tileset) === 'ADD';

  const spark = shared ?? newSparkRenderer(renderer);
  if (spark.parent !== scene) scene.add(spark);
  const group = new Group();
  group.name = 'splat-tiles';
  scene.add(group);

  /** @type {Map<TileNode, Entry>} */
  const entries = new Map();
  /** @type {TileNode[]} */
  let wanted = [];
  let frame = 0;
  let stopped = false;
  let shownOnce = false;
  // whether Spark has drawn the root (or it failed): finer tiles wait for that, so the
  // first splats on screen are the root's few, generated and sorted alone
  let rootDrawn = false;
  // whether a frame has been rendered with the root shown and no sort running
  let rootGenerated = false;
  const sortInterval = spark.minSortIntervalMs;
  // performance.now() of the first update() (null: not yet): a Spark sort started after it
  // sorts what the shown tiles hold
  /** @type {number | null} */
  let firstUpdateAt = null;
  /** @type {number | null} the start of the first such sort */
  let sortStarted = null;
  let sortedOnce = false;
  /**
   * @returns {boolean} whether a sort started since the first update() has ended. Spark
   * starts the next sort as soon as one ends while the view changes (a camera flight), so
   * "no sort running" alone may stay false for seconds: a newer sort's start also tells.
   */
  const sortedSinceStart = () => {
    if (sortedOnce || firstUpdateAt === null) return sortedOnce;
    if (spark.lastSortTime < firstUpdateAt) return false;
    sortStarted ??= spark.lastSortTime;
    sortedOnce = !spark.sorting || spark.lastSortTime > sortStarted;
    return sortedOnce;
  };
  /** @type {() => void} */
  let markReady = () => {};
  /** @type {(error: unknown) => void} */
  let failReady = () => {};
  /** @type {Promise<void>} */
  const ready = new Promise((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });

  /**
   * @param {TileNode} a
   * @param {TileNode} b
   * @returns {boolean} whether `a` is a strict ancestor of `b`
   */
  const isAncestor = (a, b) => {
    for (let p = parents.get(b); p; p = parents.get(p)) if (p === a) return true;
    return false;
  };
  /**
   * @param {TileNode} a
   * @param {TileNode} b
   * @returns {boolean} whether one of the two covers the other's space
   */
  const related = (a, b) => isAncestor(a, b) || isAncestor(b, a);

  /** @param {TileNode} tile */
  const drop = (tile) => {
    const entry = entries.get(tile);
    if (!entry) return;
    entries.delete(tile);
    group.remove(entry.mesh);
    // a mesh still decoding is disposed when it settles (see `load`)
    if (entry.status !== 'loading') entry.mesh.dispose();
  };

  /** @param {TileNode} tile */
  const load = (tile) => {
    // not raycastable: pickers walking the scene should not test every splat
    const url = urlOf(tile.content.sha256);
    const mesh =
      takeDecodedAhead(url) ?? new SplatMesh({ url, fileType: SplatFileType.SPZ, raycastable: false });
    mesh.name = `tile:${tile.id}`;
    mesh.visible = false;
    /** @type {Entry} */
    const entry = { mesh, status: 'loading' };
    entries.set(tile, entry);
    group.add(mesh);
    mesh.initialized.then(
      () => {
        entry.status = 'loaded';
      },
      (error) => {
        entry.status = 'failed';
        console.warn(`splat tile ${tile.id} failed to load`, error);
        if (tile === tileset.root) failReady(error);
      },
    ).finally(() => {
      if (stopped || entries.get(tile) !== entry) {
        mesh.dispose();
        return;
      }
      reconcile();
    });
  };

  /** Bring the meshes in line with `wanted`: load, show, hide and drop. */
  const reconcile = () => {
    if (stopped) return;
    const want = new Set(wanted);
    const settled = (/** @type {TileNode} */ tile) => entries.get(tile)?.status !== 'loading';
    // stale tiles go once every wanted tile covering their space has settled; additive
    // ones at once, as the wanted tiles hold their ancestors, which stay drawn
    for (const tile of [...entries.keys()]) {
      if (want.has(tile)) continue;
      if (additive) drop(tile);
      else if (wanted.every((w) => !related(w, tile) || (entries.has(w) && settled(w)))) {
        drop(tile);
      }
    }
    // over budget (a slow load while the view keeps changing): drop stale tiles, largest first
    const held = () => [...entries.keys()].reduce((sum, tile) => sum + tile.splats, 0);
    const stale = [...entries.keys()].filter((t) => !want.has(t));
    stale.sort((a, b) => b.splats - a.splats);
    while (held() > budget && stale.length > 0) drop(/** @type {TileNode} */ (stale.shift()));
    let loading = [...entries.values()].filter((e) => e.status === 'loading').length;
    // coarse first: the root (small by construction) loads alone until Spark has drawn it,
    // then ahead of the finer tiles, and stands in for them until they have all arrived
    // (with ADD the root is always wanted, and first)
    const queue = !rootDrawn
      ? [tileset.root]
      : shownOnce || want.has(tileset.root)
        ? wanted
        : [tileset.root, ...wanted];
    for (const tile of queue) {
      if (loading >= concurrency) break;
      if (!entries.has(tile)) {
        load(tile);
        loading += 1;
      }
    }
    const staleLeft = [...entries.keys()].filter((t) => !want.has(t));
    for (const [tile, entry] of entries) {
      entry.mesh.visible =
        entry.status === 'loaded' &&
        (additive || !want.has(tile) || staleLeft.every((s) => !related(s, tile)));
    }
    if (!shownOnce && [...entries.values()].some((e) => e.mesh.visible)) {
      shownOnce = true;
      markReady();
    }
  };

  const cameraPosition = new Vector3();
  const drawingSize = new Vector2();
  const select = () => {
    const xr = renderer.xr.isPresenting ? renderer.xr.getCamera() : null;
    (xr ?? camera).getWorldPosition(cameraPosition);
    group.updateWorldMatrix(true, false);
    group.worldToLocal(cameraPosition);
    renderer.getDrawingBufferSize(drawingSize);
    // an XR camera's projection is per eye; ~100° is typical of headsets
    const fovY = xr ? (100 * Math.PI) / 180 : (camera.fov * Math.PI) / 180;
    wanted = selectTiles(
      tileset,
      { position: cameraPosition.toArray(), screenHeight: Math.max(drawingSize.y, 1), fovY },
      budget,
      maxError,
    ).tiles;
    reconcile();
  };

  return {
    group,
    bounds: tileset.root.bounds,
    ready,
    update() {
      if (stopped) return;
      firstUpdateAt ??= performance.now();
      const sorted = sortedSinceStart();
      if (!rootDrawn) {
        const root = entries.get(tileset.root);
        // Spark takes no new mesh in while it sorts, and while the view changes (the tour's
        // camera flight) it starts each sort as the last ends. Once the root is shown, hold
        // its next sort back (its interval between sorts, a public option) while one runs:
        // the first frame rendered with none running generates the root's splats and
        // starts the sort that has them
        const shown = !!root?.mesh.visible && !rootGenerated;
        if (shown && !spark.sorting) rootGenerated = true; // this frame's render does it
        spark.minSortIntervalMs = shown && spark.sorting ? HOLD_SORT_MS : sortInterval;
        rootDrawn =
          root?.status === 'failed' || (sorted && spark.activeSplats > 0 && !!root?.mesh.visible);
        if (rootDrawn) {
          spark.minSortIntervalMs = sortInterval;
          reconcile();
        }
      }
      // the first call selects at once: by then the caller has placed `group`
      if (frame % every === 0) select();
      frame += 1;
    },
    state() {
      const shown = [...entries].filter(([, e]) => e.mesh.visible).map(([t]) => t);
      // Spark draws `activeSplats` (its last sort's count) each frame; until a sort started
      // since the first update has ended, that count says nothing of what is on screen
      const sorted = sortedSinceStart();
      return {
        shown: shown.map((t) => t.id),
        splats: shown.reduce((sum, t) => sum + t.splats, 0),
        drawn: sorted && shown.length > 0 ? spark.activeSplats : 0,
        loading: [...entries.values()].filter((e) => e.status === 'loading').length,
        failed: [...entries.values()].filter((e) => e.status === 'failed').length,
      };
    },
    stop() {
      if (stopped) return;
      stopped = true;
      spark.minSortIntervalMs = sortInterval;
      for (const tile of [...entries.keys()]) drop(tile);
      group.removeFromParent();
      if (shared) return;
      scene.remove(spark);
      spark.dispose();
    },
  };
}
