// The splat test page: render one SPZ file (?spz=<url>) with Spark directly, or a tileset
// (?tileset=<url>) through web/xr/splats/splatLayer.js, and report on <body data-*>.
import { Color, PerspectiveCamera, Scene, WebGLRenderer } from 'three';
import { SparkRenderer, SplatMesh } from '@sparkjsdev/spark';
import { createSplatLayer } from '/web/xr/splats/splatLayer.js';

const params = new URLSearchParams(location.search);
const body = document.body;
/** @type {string[]} */
const violations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  violations.push(`${event.violatedDirective} ${event.blockedURI}`);
  body.dataset.violations = violations.join('\n');
});

const renderer = new WebGLRenderer({ antialias: false });
renderer.setPixelRatio(1);
renderer.setSize(320, 240);
renderer.domElement.id = 'splats';
body.append(renderer.domElement);
const scene = new Scene();
scene.background = new Color(0x101010);
const camera = new PerspectiveCamera(50, 320 / 240, 0.05, 100);
camera.position.set(0, 0.3, 3);
camera.lookAt(0, 0, 0);

/** @type {import('/web/xr/splats/splatLayer.js').SplatLayer | null} */
let layer = null;
try {
  const spz = params.get('spz');
  const tileset = params.get('tileset');
  if (spz) {
    scene.add(new SparkRenderer({ renderer }));
    const mesh = new SplatMesh({ url: spz });
    scene.add(mesh);
    await mesh.initialized;
    body.dataset.splats = String(mesh.packedSplats?.numSplats ?? 0);
  } else if (tileset) {
    layer = await createSplatLayer({ scene, renderer, camera, tilesetUrl: tileset, every: 2 });
  } else {
    throw new Error('give ?spz=<url> or ?tileset=<url>');
  }
  let frames = 0;
  renderer.setAnimationLoop(() => {
    layer?.update();
    renderer.render(scene, camera);
    frames += 1;
    body.dataset.frames = String(frames);
    if (layer) body.dataset.layer = JSON.stringify(layer.state());
  });
  await layer?.ready;
  body.dataset.state = 'ready';
} catch (error) {
  body.dataset.state = 'failed';
  body.dataset.error = String(error?.stack ?? error);
}
