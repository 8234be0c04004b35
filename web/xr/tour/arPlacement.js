import { Matrix4, Mesh, MeshBasicMaterial, RingGeometry, Vector3 } from 'three';

/**
 * Immersive-AR placement: a ring follows the surface the phone points at (WebXR hit-test);
 * a tap puts the batch's diorama there. Without hit-test the diorama stays where the viewer
 * put it (in front of the user) and the caller says so on screen.
 */

/**
 * @typedef {object} ArPlacement
 * @property {boolean} hitTest whether surfaces can be found in this session
 * @property {(frame: XRFrame | undefined) => void} update call every frame
 * @property {() => void} stop
 */

/**
 * Start placing `diorama` (its origin on the surface) in the AR session `session`.
 * @param {object} options
 * @param {XRSession} options.session
 * @param {import('three').WebGLRenderer} options.renderer
 * @param {import('three').Scene} options.scene
 * @param {import('three').Object3D} options.diorama what a tap places
 * @param {Vector3} options.foot the diorama's point that should stand on the surface, in
 *   its parent's frame when at the origin (its centre at floor level)
 * @param {(surface: Vector3) => void} [options.onPlaced] called after a tap placed the
 *   diorama, with the surface point it stands on (in the session's reference space)
 * @returns {Promise<ArPlacement>}
 */
export async function createArPlacement({ session, renderer, scene, diorama, foot, onPlaced }) {
  /** @type {XRHitTestSource | null} */
  let source = null;
  try {
    const viewer = await session.requestReferenceSpace('viewer');
    source = (await session.requestHitTestSource?.({ space: viewer })) ?? null;
  } catch {
    // the session was granted without 'hit-test' (it is optional): no surfaces to find
    source = null;
  }
  const reticle = new Mesh(
    new RingGeometry(0.06, 0.08, 32).rotateX(-Math.PI / 2),
    new MeshBasicMaterial({ color: 0xffffff }),
  );
  reticle.name = 'ar-reticle';
  reticle.matrixAutoUpdate = false;
  reticle.visible = false;
  scene.add(reticle);
  const hitMatrix = new Matrix4();
  const place = new Vector3();

  const onSelect = () => {
    if (!reticle.visible) return;
    place.setFromMatrixPosition(reticle.matrix);
    diorama.position.set(place.x - foot.x, place.y - foot.y, place.z - foot.z);
    onPlaced?.(place.clone());
  };
  session.addEventListener('select', onSelect);

  return {
    hitTest: Boolean(source),
    update(frame) {
      if (!source || !frame) return;
      const space = renderer.xr.getReferenceSpace();
      const hit = space ? frame.getHitTestResults(source)[0] : undefined;
      const pose = hit && space ? hit.getPose(space) : undefined;
      reticle.visible = Boolean(pose);
      if (pose) {
        hitMatrix.fromArray(pose.transform.matrix);
        reticle.matrix.copy(hitMatrix);
      }
    },
    stop() {
      session.removeEventListener('select', onSelect);
      try {
        source?.cancel();
      } catch {
        // already cancelled with its session
      }
      scene.remove(reticle);
      reticle.geometry.dispose();
      /** @type {MeshBasicMaterial} */ (reticle.material).dispose();
    },
  };
}
