import { Scene } from 'three';
import { SparkRenderer, SplatFileType, SplatMesh } from '@sparkjsdev/spark';

/**
 * The SparkRenderer a viewer's splat layers share (splatLayer.js), and what is made ahead
 * of the first layer: the first snapshot's root tile decoded, Spark's programs compiled.
 */

/**
 * Root tiles decoded ahead (warmSplats), by URL: the mesh itself, whose program (Spark
 * builds one per mesh) is compiled ahead too; a layer takes it from here once, and then
 * owns and disposes it.
 * @type {Map<string, SplatMesh>}
 */
const decodedAhead = new Map();
/** @type {Set<Promise<void>>} warmSplats calls not settled yet */
const warming = new Set();

/**
 * Run Spark ahead of the first snapshot: this module's evaluation compiles Spark's
 * WebAssembly; then the tileset is fetched and its root tile decoded in one of Spark's
 * workers (which starts it). Meant for idle time once the page has painted (warmStage.js),
 * or a tour's start: a tap then finds the worker up and the root tile ready to draw, and
 * createSplatRenderer compiles the program copying the tile's splats from it.
 * @param {string} tilesetUrl absolute URL of the tileset JSON
 * @returns {Promise<void>} settles (never rejects) once the root tile is decoded, or failed
 */
export function warmSplats(tilesetUrl) {
  const warm = decodeRootAhead(tilesetUrl);
  warming.add(warm);
  warm.finally(() => warming.delete(warm));
  return warm;
}

/**
 * @param {string} tilesetUrl
 * @returns {Promise<void>} see warmSplats
 */
async function decodeRootAhead(tilesetUrl) {
  try {
    const response = await fetch(tilesetUrl, { priority: 'low' });
    if (!response.ok) return;
    /** @type {import('./tileSelector.js').Tileset} */
    const tileset = await response.json();
    const sha256 = tileset?.root?.content?.sha256;
    if (!sha256) return;
    const url = new URL(sha256, tilesetUrl).href;
    if (decodedAhead.has(url)) return;
    const mesh = new SplatMesh({ url, fileType: SplatFileType.SPZ, raycastable: false });
    decodedAhead.set(url, mesh);
    await mesh.initialized;
  } catch {
    // a failed warm-up costs nothing: the layer loads the tile itself
  }
}

/**
 * A SparkRenderer for our tiles: Spark's own level-of-detail machinery stays off (the layer
 * picks tiles itself), so no LoD worker is started beside the sort worker.
 * @param {import('three').WebGLRenderer} renderer
 * @returns {SparkRenderer}
 */
export function newSparkRenderer(renderer) {
  return new SparkRenderer({ renderer, enableLod: false });
}

/**
 * Make the SparkRenderer a viewer's splat layers share, and start compiling its shaders:
 * three.js compiles them with KHR_parallel_shader_compile off the main thread
 * (`compileAsync`), where a first render would block on them for 0.2–1 s of a slow phone.
 * Made early (at idle, warmStage.js, or a tour's start), the compile is over by the first
 * snapshot; made late, a layer uses it at once and its first frame waits for what is left,
 * never for the whole compile after the tile's decode. One renderer also means one sort
 * worker, started here by a sort of nothing (an empty scene: once, not every frame as in the
 * viewer's scene).
 * @param {{scene: import('three').Scene, renderer: import('three').WebGLRenderer,
 *   camera: import('three').Camera}} context
 * @returns {{spark: SparkRenderer, compiled: Promise<void>}} `spark` is not in `scene`: the
 *   first layer adds it; `compiled` settles (never rejects) once its programs are compiled
 *   (without KHR_parallel_shader_compile, once their compiles are issued: the idle warm-up
 *   then waits for them with stage.js `finishPrograms`)
 */
export function createSplatRenderer({ scene, renderer, camera }) {
  const spark = newSparkRenderer(renderer);
  const started = spark.update({ scene: new Scene(), camera }).catch(() => {
    // the first snapshot's sort starts the worker instead
  });
  const compiled = started
    .then(() => renderer.compileAsync(spark, camera, scene))
    .then(() => compileTileProgram(spark, camera))
    .catch(() => {
      // compiled on first use instead
    });
  return { spark, compiled };
}

/**
 * Compile the program Spark runs to copy a tile's splats into its accumulator (one per
 * mesh, built from its kind of splats), otherwise compiled, blocking, on the first frame a
 * snapshot's root tile is in the scene: the root decoded ahead (warmSplats) is generated
 * and sorted once in a scene of its own. The layer then takes that very mesh, and its
 * compiled program with it. Meant for idle time: the compile blocks the main thread.
 * @param {SparkRenderer} spark
 * @param {import('three').Camera} camera
 * @returns {Promise<void>}
 */
async function compileTileProgram(spark, camera) {
  await Promise.all(warming);
  for (const [url, mesh] of decodedAhead) {
    await mesh.initialized;
    // Spark skips a generate while a sort of other splats runs
    while (spark.sorting) await new Promise((resolve) => setTimeout(resolve, 20));
    // not once a layer took it (the tour was quicker): the layer's frames compile it
    if (decodedAhead.get(url) !== mesh || spark.parent) continue;
    const alone = new Scene();
    alone.add(mesh);
    try {
      await spark.update({ scene: alone, camera });
    } finally {
      alone.remove(mesh); // (a layer that took it meanwhile holds it in its group)
    }
  }
}

/**
 * @param {string} url a tile's URL
 * @returns {SplatMesh | undefined} its mesh decoded ahead (warmSplats), now the caller's:
 *   once taken, it is not handed out again
 */
export function takeDecodedAhead(url) {
  const mesh = decodedAhead.get(url);
  decodedAhead.delete(url);
  return mesh;
}
