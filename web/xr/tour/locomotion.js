/**
 * Immersive-VR locomotion, the pure part: reading a thumbstick into snap turns and teleport
 * aims, and the arc a teleport ray draws down to the floor.
 *
 * No three.js, no DOM, so node's test runner can check it.
 */

/** Degrees turned by one flick of the thumbstick. */
export const SNAP_DEGREES = 30;
/** Thumbstick deflection that counts as pushed, and the one below which it is released. */
export const STICK_ON = 0.6;
export const STICK_OFF = 0.3;

/**
 * @typedef {object} StickState
 * @property {boolean} turnArmed a sideways push turns (false until the stick recentres)
 * @property {boolean} aiming the stick is held forward: a teleport arc is shown
 */

/**
 * @typedef {object} StickIntent
 * @property {StickState} state the state for the next call
 * @property {-1 | 0 | 1} turn -1 left, 1 right, 0 none (once per push)
 * @property {boolean} aim show the teleport arc this frame
 * @property {boolean} teleport the stick was released after aiming: go to the arc's end
 */

/** @returns {StickState} */
export function restingStick() {
  return { turnArmed: true, aiming: false };
}

/**
 * Read one frame of a thumbstick (`x` right, `y` down, as WebXR's xr-standard gamepad
 * reports it: pushing forward gives a negative `y`).
 * @param {number} x
 * @param {number} y
 * @param {StickState} state
 * @returns {StickIntent}
 */
export function readStick(x, y, state) {
  let { turnArmed, aiming } = state;
  /** @type {-1 | 0 | 1} */
  let turn = 0;
  let teleport = false;
  if (!aiming && Math.abs(x) >= STICK_ON && Math.abs(x) > Math.abs(y)) {
    if (turnArmed) turn = x > 0 ? 1 : -1;
    turnArmed = false;
  } else if (Math.abs(x) < STICK_OFF) {
    turnArmed = true;
  }
  if (!aiming && y <= -STICK_ON && Math.abs(y) >= Math.abs(x)) aiming = true;
  else if (aiming && y > -STICK_OFF) {
    aiming = false;
    teleport = true;
  }
  return { state: { turnArmed, aiming }, turn, aim: aiming, teleport };
}

/**
 * Return the arc a teleport ray draws from `origin` along `direction` (a projectile thrown
 * at `speed` m/s under `gravity` m/s²) and where it meets the floor plane y = `floorY`.
 * @param {number[]} origin [x, y, z], above the floor
 * @param {number[]} direction [x, y, z], need not be unit length
 * @param {{speed?: number, gravity?: number, floorY?: number, steps?: number,
 *   maxTime?: number}} [options]
 * @returns {{points: number[][], hit: number[] | null}} points along the arc; `hit` where
 *   it lands, null when it does not come down within `maxTime` seconds
 */
export function arcToFloor(origin, direction, options = {}) {
  const { speed = 6, gravity = 9.8, floorY = 0, steps = 24, maxTime = 2 } = options;
  const length = Math.hypot(direction[0], direction[1], direction[2]) || 1;
  const v = direction.map((d) => (d / length) * speed);
  const height = origin[1] - floorY;
  if (height < 0) return { points: [origin.slice()], hit: null };
  // y(t) = y0 + vy t - g t² / 2 = floorY: the positive root
  const t = (v[1] + Math.sqrt(v[1] * v[1] + 2 * gravity * height)) / gravity;
  const end = Math.min(t, maxTime);
  /** @type {number[][]} */
  const points = [];
  for (let i = 0; i <= steps; i += 1) {
    const s = (end * i) / steps;
    points.push([
      origin[0] + v[0] * s,
      origin[1] + v[1] * s - (gravity * s * s) / 2,
      origin[2] + v[2] * s,
    ]);
  }
  if (t > maxTime) return { points, hit: null };
  const hit = points[points.length - 1];
  hit[1] = floorY;
  return { points, hit };
}

/**
 * Ease a transition's progress `t` in [0, 1] (smooth start and stop).
 * @param {number} t
 * @returns {number}
 */
export function easeInOut(t) {
  const c = Math.min(Math.max(t, 0), 1);
  return c * c * (3 - 2 * c);
}
