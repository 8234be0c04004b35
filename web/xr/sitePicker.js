import { Raycaster, Vector2 } from 'three';

/**
 * Turn clicks (not drags) on the canvas into the id of the site marker under the pointer.
 * @param {HTMLCanvasElement} canvas
 * @param {import('three').Camera} camera
 * @param {import('three').Object3D} root
 * @param {(siteId: string) => void} onPick
 * @returns {{stop(): void}}
 */
export function createSitePicker(canvas, camera, root, onPick) {
  const raycaster = new Raycaster();
  const pointer = new Vector2();
  let downX = 0;
  let downY = 0;

  /** @param {PointerEvent} event */
  const onDown = (event) => {
    downX = event.clientX;
    downY = event.clientY;
  };
  /** @param {PointerEvent} event */
  const onUp = (event) => {
    // a drag rotates the view; only a click picks
    if (Math.hypot(event.clientX - downX, event.clientY - downY) > 5) return;
    const rect = canvas.getBoundingClientRect();
    pointer.set(
      ((event.clientX - rect.left) / rect.width) * 2 - 1,
      -((event.clientY - rect.top) / rect.height) * 2 + 1,
    );
    raycaster.setFromCamera(pointer, camera);
    for (const hit of raycaster.intersectObject(root, true)) {
      /** @type {import('three').Object3D | null} */
      let object = hit.object;
      while (object && object.userData.type !== 'site') object = object.parent;
      if (object) {
        onPick(object.userData.id);
        return;
      }
    }
  };
  canvas.addEventListener('pointerdown', onDown);
  canvas.addEventListener('pointerup', onUp);
  return {
    stop() {
      canvas.removeEventListener('pointerdown', onDown);
      canvas.removeEventListener('pointerup', onUp);
    },
  };
}
