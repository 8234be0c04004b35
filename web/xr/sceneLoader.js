import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';

/**
 * @typedef {object} SceneManifest
 * @property {string} schema
 * @property {{gtin: string, lot: string, product_name: string, uri: string}} batch
 * @property {Array<{id: string, node: string, kind: string, name: string, panel: string,
 *   position: number[], chapter: string | null}>} sites
 * @property {Array<{key: string, site_ids: string[],
 *   text: Object<string, {title: string, body: string}>}>} chapters
 * @property {string[]} locales
 * @property {{min: number[], max: number[]}} bounds
 * @property {Array<{site: string, tileset: string}>} [snapshots] a site's reality snapshot:
 *   the URL of its splat tileset JSON (tiles are fetched beside it, by sha256)
 */

/**
 * @typedef {object} LoadedScene
 * @property {import('three').Object3D} root the glTF scene
 * @property {SceneManifest} manifest
 * @property {Map<string, import('three').Object3D>} sites site id → marker object
 */

/**
 * Fetch the scene manifest and load the GLB; markers are found by their glTF extras
 * (three.js strips ':' from node names, so `site:farm-07` cannot be looked up by name).
 * @param {string} manifestUrl
 * @param {string} glbUrl
 * @param {AbortSignal} [signal]
 * @param {(manifest: SceneManifest) => void} [onManifest] called as soon as the manifest is
 *   read, while the GLB may still be loading: what it names can start downloading then
 * @returns {Promise<LoadedScene>}
 */
export async function loadScene(manifestUrl, glbUrl, signal, onManifest) {
  const [manifest, gltf] = await Promise.all([
    fetch(manifestUrl, { signal })
      .then((response) => {
        if (!response.ok) throw new Error(`manifest ${manifestUrl}: HTTP ${response.status}`);
        return response.json();
      })
      .then((/** @type {SceneManifest} */ manifest) => {
        onManifest?.(manifest);
        return manifest;
      }),
    new GLTFLoader().loadAsync(glbUrl),
  ]);
  /** @type {Map<string, import('three').Object3D>} */
  const sites = new Map();
  gltf.scene.traverse((object) => {
    if (object.userData.type === 'site' && typeof object.userData.id === 'string') {
      sites.set(object.userData.id, object);
    }
  });
  return { root: gltf.scene, manifest, sites };
}
