import { Raycaster, Vector2 } from 'three';

/**
 * Call `onTap` for taps and clicks (not drags: a drag rotates the view) on the canvas, with
 * a raycaster set from the camera through the tapped point.
 * @param {HTMLCanvasElement} canvas
 * @param {import('three').Camera} camera
 * @param {(raycaster: Raycaster, event: PointerEvent) => void} onTap
 * @param {{capture?: boolean}} [options] capture: see the tap before other listeners
 * @returns {{stop(): void}}
 */
export function onCanvasTap(canvas, camera, onTap, { capture = false } = {}) {
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
    if (Math.hypot(event.clientX - downX, event.clientY - downY) > 5) return;
    const rect = canvas.getBoundingClientRect();
    pointer.set(
      ((event.clientX - rect.left) / rect.width) * 2 - 1,
      -((event.clientY - rect.top) / rect.height) * 2 + 1,
    );
    raycaster.setFromCamera(pointer, camera);
    onTap(raycaster, event);
  };
  canvas.addEventListener('pointerdown', onDown);
  canvas.addEventListener('pointerup', onUp, { capture });
  return {
    stop() {
      canvas.removeEventListener('pointerdown', onDown);
      canvas.removeEventListener('pointerup', onUp, { capture });
    },
  };
}

/**
 * Return the id of the nearest site marker the ray meets, or null.
 * @param {Raycaster} raycaster
 * @param {import('three').Object3D} root
 * @returns {string | null}
 */
export function siteUnder(raycaster, root) {
  for (const hit of raycaster.intersectObject(root, true)) {
    /** @type {import('three').Object3D | null} */
    let object = hit.object;
    while (object && object.userData.type !== 'site') object = object.parent;
    if (object) return object.userData.id;
  }
  return null;
}

/**
 * Turn taps on the canvas into the id of the site marker under the pointer.
 * @param {HTMLCanvasElement} canvas
 * @param {import('three').Camera} camera
 * @param {import('three').Object3D} root
 * @param {(siteId: string) => void} onPick
 * @returns {{stop(): void}}
 */
export function createSitePicker(canvas, camera, root, onPick) {
  return onCanvasTap(canvas, camera, (raycaster) => {
    const id = siteUnder(raycaster, root);
    if (id !== null) onPick(id);
  });
}
