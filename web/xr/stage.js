import {
  Box3,
  Color,
  DirectionalLight,
  HemisphereLight,
  MeshBasicMaterial,
  PerspectiveCamera,
  Scene,
  Vector3,
  WebGLRenderer,
} from 'three';
import { loadScene } from './sceneLoader.js';

/** @typedef {import('three').Material} Material */

/**
 * The 3D stage a viewer draws on: the WebGL renderer, the scene holding the diorama, its
 * lights and camera. Made either when the shopper taps (viewer.js) or ahead of the tap, at
 * idle (warmStage.js), so the GL context, the parsed GLB and the compiled programs are
 * ready when the viewer takes the stage over: compiled programs belong to one GL context.
 */

/**
 * @typedef {object} Stage
 * @property {WebGLRenderer} renderer
 * @property {Scene} scene
 * @property {PerspectiveCamera} camera
 * @property {import('./sceneLoader.js').LoadedScene} loaded the diorama and its manifest
 * @property {Vector3} centre the diorama's centre
 * @property {number} size the diorama's diagonal (metres)
 */

export const BACKGROUND = new Color(0xf3ede4);

/**
 * @param {import('./glContext.js').GlCanvas | null} [gl] a canvas and its WebGL 2 context
 *   (glContext.js) to draw on instead of new ones
 * @returns {WebGLRenderer}
 */
export function createRenderer(gl) {
  // with three.js's other defaults, WebGL's own: those of boot's probe (glContext.js's
  // CONTEXT_ATTRIBUTES, repeated here rather than imported so that boot's chunk stays one
  // file), used where three.js makes the context itself
  const renderer = new WebGLRenderer({
    antialias: false,
    alpha: true,
    ...(gl && !gl.context.isContextLost() ? { canvas: gl.canvas, context: gl.context } : {}),
  });
  renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
  renderer.xr.enabled = true;
  renderer.domElement.className = 'xr-canvas';
  return renderer;
}

/**
 * Load the scene and set it on a stage: lights, background, the camera above the diorama.
 * @param {WebGLRenderer} renderer
 * @param {{manifestUrl: string, glbUrl: string, signal?: AbortSignal,
 *   onManifest?: (manifest: import('./sceneLoader.js').SceneManifest) => void}} scene
 * @returns {Promise<Stage>}
 */
export async function buildStage(renderer, { manifestUrl, glbUrl, signal, onManifest }) {
  const loaded = await loadScene(manifestUrl, glbUrl, signal, onManifest);
  const scene = new Scene();
  scene.background = BACKGROUND;
  scene.add(new HemisphereLight(0xffffff, 0x8a7a66, 1.6));
  const sun = new DirectionalLight(0xffffff, 1.8);
  sun.position.set(1, 3, 2);
  scene.add(sun);
  scene.add(loaded.root);
  const box = new Box3().setFromObject(loaded.root);
  const centre = box.getCenter(new Vector3());
  const size = box.getSize(new Vector3()).length();
  const camera = new PerspectiveCamera(40, 1, 0.01, 50);
  camera.position.copy(centre).add(new Vector3(0, size * 0.85, size * 0.8));
  camera.lookAt(centre);
  return { renderer, scene, camera, loaded, centre, size };
}

/**
 * The material of a flat panel showing a canvas (the tour's text panel and its buttons,
 * tour/tourPanels.js): here so that the idle warm-up (warmStage.js) compiles the very same
 * program on the stage's renderer before the tour first draws one.
 * @param {import('three').Texture} map
 * @returns {MeshBasicMaterial}
 */
export function panelMaterial(map) {
  return new MeshBasicMaterial({ map, transparent: true, toneMapped: false });
}

/** The font of the tour's panels (tour/tourPanels.js), warmed at idle (warmStage.js). */
export const PANEL_FONT = 'system-ui, "Segoe UI", Roboto, "Noto Sans", sans-serif';

/**
 * Finish, one program per task, the programs `renderer.compile()` (or `compileAsync`) made
 * for the materials under `root`: where the context lacks KHR_parallel_shader_compile (a
 * software GPU, some phones), `compileAsync` settles at once and each program's compile
 * and link wait for its first draw, when three.js reads its logs and uniforms: 0.1–0.3 s
 * each of a slow phone's main thread in the first frames after a tap (bench_page_load's
 * trace of the prefetched tour). Done at idle instead, a task per program keeps each wait
 * short. With the extension this costs nothing: the programs are linked already.
 * @param {WebGLRenderer} renderer
 * @param {import('three').Object3D} root
 * @returns {Promise<void>}
 */
export async function finishPrograms(renderer, root) {
  /** @type {Set<{getUniforms(): unknown}>} */
  const programs = new Set();
  root.traverse((object) => {
    const { material } = /** @type {{material?: Material | Material[]}} */ (object);
    for (const each of Array.isArray(material) ? material : material ? [material] : []) {
      const program = renderer.properties.get(each).currentProgram;
      if (program) programs.add(program);
    }
  });
  for (const program of programs) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    program.getUniforms();
  }
}
