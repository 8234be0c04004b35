import {
  BufferGeometry,
  Float32BufferAttribute,
  Line,
  LineBasicMaterial,
  Matrix4,
  Mesh,
  MeshBasicMaterial,
  Quaternion,
  Raycaster,
  RingGeometry,
  Vector3,
} from 'three';
import { SNAP_DEGREES, arcToFloor, readStick, restingStick } from './locomotion.js';

/**
 * Immersive-VR input for the tour: a ray from each controller (or hand) selects the panel's
 * buttons; the thumbstick snap-turns (left/right) and teleports (forward, release); a hand
 * teleports by pinching away from the panel and releasing where its arc meets the floor.
 *
 * Moving the user moves the reference space (an offset of the session's), so controllers
 * and hands follow without being parented to a rig.
 */

const ARC_STEPS = 24;
const RAY_LENGTH = 5;

/**
 * @typedef {object} Hand one controller or hand and what it is doing
 * @property {import('three').XRTargetRaySpace} controller
 * @property {XRInputSource | null} source
 * @property {import('./locomotion.js').StickState} stick
 * @property {string | null} pressed the button action under the ray when select started
 * @property {boolean} pinchAim a hand pinching away from the panel: aiming a teleport
 * @property {Line} ray
 */

/**
 * Start VR input for the session `renderer` presents now.
 * @param {object} options
 * @param {import('three').WebGLRenderer} options.renderer
 * @param {import('three').Scene} options.scene
 * @param {() => import('three').Object3D[]} options.targets the panel's buttons
 *   (`userData.tourAction`, `userData.enabled`)
 * @param {(action: string) => void} options.onAction
 * @param {(what: 'turn' | 'teleport') => void} [options.onMove]
 * @returns {{update(): void, stop(): void}}
 */
export function createXrLocomotion({ renderer, scene, targets, onAction, onMove }) {
  const base = renderer.xr.getReferenceSpace();
  // the user's place in the scene: scene = rig × base reference space
  const rig = new Matrix4();
  const raycaster = new Raycaster();
  raycaster.far = RAY_LENGTH;
  const origin = new Vector3();
  const direction = new Vector3();
  const head = new Vector3();
  const rotation = new Matrix4();

  const arcGeometry = new BufferGeometry();
  arcGeometry.setAttribute('position', new Float32BufferAttribute((ARC_STEPS + 1) * 3, 3));
  const arc = new Line(arcGeometry, new LineBasicMaterial({ color: 0x2e7d32 }));
  arc.name = 'teleport-arc';
  arc.frustumCulled = false;
  arc.visible = false;
  const marker = new Mesh(
    new RingGeometry(0.12, 0.16, 32).rotateX(-Math.PI / 2),
    new MeshBasicMaterial({ color: 0x2e7d32 }),
  );
  marker.name = 'teleport-marker';
  marker.visible = false;
  scene.add(arc, marker);
  /** @type {Vector3 | null} */
  let landing = null;

  /** Point the session at the rig's current place. */
  const applyRig = () => {
    if (!base) return;
    const offset = rig.clone().invert();
    const position = new Vector3();
    const quaternion = new Quaternion();
    offset.decompose(position, quaternion, new Vector3());
    const transform = new XRRigidTransform(
      { x: position.x, y: position.y, z: position.z, w: 1 },
      { x: quaternion.x, y: quaternion.y, z: quaternion.z, w: quaternion.w },
    );
    renderer.xr.setReferenceSpace(base.getOffsetReferenceSpace(transform));
  };

  /** @param {-1 | 1} side */
  const snapTurn = (side) => {
    renderer.xr.getCamera().getWorldPosition(head);
    // turn about the head, so the user stays where they stand
    rotation.makeTranslation(head.x, 0, head.z);
    rotation.multiply(new Matrix4().makeRotationY((-side * SNAP_DEGREES * Math.PI) / 180));
    rotation.multiply(new Matrix4().makeTranslation(-head.x, 0, -head.z));
    rig.premultiply(rotation);
    applyRig();
    onMove?.('turn');
  };

  /** @param {Vector3} target on the floor */
  const teleport = (target) => {
    renderer.xr.getCamera().getWorldPosition(head);
    rig.premultiply(new Matrix4().makeTranslation(target.x - head.x, 0, target.z - head.z));
    applyRig();
    onMove?.('teleport');
  };

  /**
   * @param {import('three').Object3D} controller
   * @returns {string | null} the enabled button action under the controller's ray
   */
  const buttonUnder = (controller) => {
    controller.updateMatrixWorld();
    origin.setFromMatrixPosition(controller.matrixWorld);
    direction.set(0, 0, -1).transformDirection(controller.matrixWorld);
    raycaster.set(origin, direction);
    for (const hit of raycaster.intersectObjects(targets(), false)) {
      if (hit.object.userData.enabled) return String(hit.object.userData.tourAction);
    }
    return null;
  };

  /** @param {import('three').Object3D} controller */
  const aimFrom = (controller) => {
    controller.updateMatrixWorld();
    origin.setFromMatrixPosition(controller.matrixWorld);
    direction.set(0, 0, -1).transformDirection(controller.matrixWorld);
    const { points, hit } = arcToFloor(origin.toArray(), direction.toArray(), {
      steps: ARC_STEPS,
    });
    const positions = /** @type {Float32BufferAttribute} */ (arcGeometry.getAttribute('position'));
    for (let i = 0; i <= ARC_STEPS; i += 1) {
      const p = points[Math.min(i, points.length - 1)];
      positions.setXYZ(i, p[0], p[1], p[2]);
    }
    positions.needsUpdate = true;
    arc.visible = true;
    landing = hit ? new Vector3(hit[0], hit[1], hit[2]) : null;
    marker.visible = Boolean(landing);
    if (landing) marker.position.copy(landing);
  };

  const stopAiming = () => {
    arc.visible = false;
    marker.visible = false;
  };

  /** @type {Hand[]} */
  const hands = [];
  /** @type {Array<() => void>} */
  const cleanups = [];
  for (let index = 0; index < 2; index += 1) {
    const controller = renderer.xr.getController(index);
    const ray = new Line(
      new BufferGeometry().setFromPoints([new Vector3(), new Vector3(0, 0, -RAY_LENGTH)]),
      new LineBasicMaterial({ color: 0x5b3a29 }),
    );
    ray.name = 'select-ray';
    controller.add(ray);
    scene.add(controller);
    /** @type {Hand} */
    const hand = {
      controller,
      source: null,
      stick: restingStick(),
      pressed: null,
      pinchAim: false,
      ray,
    };
    hands.push(hand);
    /** @param {any} event */
    const onConnected = (event) => {
      hand.source = event.data ?? null;
    };
    const onDisconnected = () => {
      hand.source = null;
      hand.pinchAim = false;
    };
    const onSelectStart = () => {
      hand.pressed = buttonUnder(controller);
      // a pinch away from the panel aims a teleport; a controller uses its thumbstick
      hand.pinchAim = !hand.pressed && Boolean(hand.source?.hand);
    };
    // A press counts when it starts and ends on the same enabled button. It is read from
    // selectstart/selectend rather than `select`, whose place in the sequence varies (IWER
    // sends it before selectstart, at the press).
    const onSelectEnd = () => {
      const action = hand.pressed;
      hand.pressed = null;
      if (action && buttonUnder(controller) === action) onAction(action);
      if (hand.pinchAim) {
        hand.pinchAim = false;
        if (landing) teleport(landing);
        stopAiming();
      }
    };
    controller.addEventListener('connected', onConnected);
    controller.addEventListener('disconnected', onDisconnected);
    controller.addEventListener('selectstart', onSelectStart);
    controller.addEventListener('selectend', onSelectEnd);
    cleanups.push(() => {
      controller.removeEventListener('connected', onConnected);
      controller.removeEventListener('disconnected', onDisconnected);
      controller.removeEventListener('selectstart', onSelectStart);
      controller.removeEventListener('selectend', onSelectEnd);
      controller.remove(ray);
      ray.geometry.dispose();
      /** @type {LineBasicMaterial} */ (ray.material).dispose();
      scene.remove(controller);
    });
  }

  return {
    update() {
      let aiming = false;
      for (const hand of hands) {
        if (hand.pinchAim) {
          aimFrom(hand.controller);
          aiming = true;
          continue;
        }
        const axes = hand.source?.gamepad?.axes;
        if (!axes || axes.length < 2) continue;
        // xr-standard: the thumbstick is axes 2 and 3 (0 and 1 are a touchpad, if any)
        const [x, y] = axes.length >= 4 ? [axes[2], axes[3]] : [axes[0], axes[1]];
        const intent = readStick(x, y, hand.stick);
        hand.stick = intent.state;
        if (intent.turn) snapTurn(intent.turn);
        if (intent.aim) {
          aimFrom(hand.controller);
          aiming = true;
        }
        if (intent.teleport && landing) teleport(landing);
      }
      if (!aiming) stopAiming();
    },
    stop() {
      for (const cleanup of cleanups) cleanup();
      scene.remove(arc, marker);
      arcGeometry.dispose();
      /** @type {LineBasicMaterial} */ (arc.material).dispose();
      marker.geometry.dispose();
      /** @type {MeshBasicMaterial} */ (marker.material).dispose();
      if (base && renderer.xr.isPresenting) renderer.xr.setReferenceSpace(base);
    },
  };
}
