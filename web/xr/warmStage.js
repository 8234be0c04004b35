import { CanvasTexture, Mesh, PlaneGeometry, SRGBColorSpace } from 'three';
import {
  PANEL_FONT,
  buildStage,
  createRenderer,
  finishPrograms,
  panelMaterial,
} from './stage.js';

/**
 * Make the viewer's stage at idle, before any tap (boot.js, through warmCache.js): the
 * renderer's GL context, the scene from the GLB, and the diorama's programs compiled; then,
 * for a scene with snapshots, Spark's renderer on that context with its programs compiled.
 * A tap then mounts the stage as it is (viewer.js `prepared`), and the first frames compile
 * nothing. The canvas stays out of the page until then; nothing renders or animates.
 *
 * Costs a GL context for a shopper who never taps: warmCache.js skips all of it on
 * Save-Data and 2G, as it skips the downloads.
 */

/**
 * @typedef {object} PreparedStage
 * @property {string} manifestUrl the scene it holds, as the page named it
 * @property {import('./stage.js').Stage} stage
 * @property {Promise<import('@sparkjsdev/spark').SparkRenderer> | null} spark Spark's
 *   renderer once startSpark ran (null before)
 * @property {(tilesetUrl: string) => Promise<void>} startSpark run Spark, decode the root tile
 *   of `tilesetUrl` and make and compile the SparkRenderer; settles, never rejects
 * @property {() => void} dispose release the GL context (the stage was never taken)
 */

/**
 * @param {{manifestUrl: string, glbUrl: string,
 *   gl?: import('./glContext.js').GlCanvas | null}} scene
 * @returns {Promise<PreparedStage>}
 */
export async function warmStage({ manifestUrl, glbUrl, gl }) {
  const renderer = createRenderer(gl);
  /** @type {import('./stage.js').Stage} */
  let stage;
  try {
    stage = await buildStage(renderer, { manifestUrl, glbUrl });
    // the tour's panels too (a stand-in of their material, on a texture of the same kind)
    const texture = new CanvasTexture(document.createElement('canvas'));
    texture.colorSpace = SRGBColorSpace;
    const panel = new Mesh(new PlaneGeometry(), panelMaterial(texture));
    stage.scene.add(panel);
    try {
      // KHR_parallel_shader_compile where there is one: off the main thread
      await renderer.compileAsync(stage.scene, stage.camera);
      await finishPrograms(renderer, stage.scene); // without the extension: now, not on a tap
    } finally {
      stage.scene.remove(panel);
      panel.geometry.dispose();
      texture.dispose();
      // (the material stays undisposed: disposing it would release the compiled program)
    }
  } catch (error) {
    renderer.dispose();
    renderer.forceContextLoss();
    throw error;
  }
  warmText();
  /** @type {PreparedStage} */
  const prepared = {
    manifestUrl,
    stage,
    spark: null,
    async startSpark(tilesetUrl) {
      if (prepared.spark) return;
      const made = import('./splats/splatLayer.js').then(async (splats) => {
        await splats.warmSplats(tilesetUrl);
        const { spark, compiled } = splats.createSplatRenderer(stage);
        await compiled;
        await finishPrograms(stage.renderer, spark);
        return spark;
      });
      prepared.spark = made;
      made.catch(() => {
        prepared.spark = null; // the viewer makes its own
      });
      await made.then(
        () => {},
        () => {},
      );
    },
    dispose() {
      renderer.dispose();
      renderer.forceContextLoss();
    },
  };
  return prepared;
}

/**
 * Do once, at idle, what the tour's first panel does for the first time: find the panel
 * font's faces and shape text in them (canvas 2D), and load the number formats its badges
 * use (Intl) — a first use costs far more than the next ones.
 */
function warmText() {
  const context = document.createElement('canvas').getContext('2d');
  for (const weight of [400, 500, 700]) {
    if (!context) break;
    context.font = `${weight} 30px ${PANEL_FONT}`;
    context.fillText('Ag', 0, 20);
  }
  const locale = document.documentElement.lang || undefined;
  new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(0.5);
  new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(1.5);
}
