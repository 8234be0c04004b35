/**
 * How many splats this device can draw smoothly, guessed from its user agent.
 * The figures are Spark's documented defaults.
 */

export const SPLAT_BUDGETS = Object.freeze({
  headset: 500_000,
  phone: 1_000_000,
  desktop: 2_500_000,
});

/**
 * @typedef {object} NavigatorLike the parts of `navigator` the guess reads
 * @property {string} [userAgent]
 * @property {number} [maxTouchPoints]
 * @property {{mobile?: boolean}} [userAgentData]
 * @property {object} [xr]
 */

const HEADSET = /OculusBrowser|\bQuest\b|PicoBrowser|Pico Neo|Wolvic/i;
const PHONE = /Android|iPhone|iPad|iPod|Mobile/i;

/**
 * Classify the device as a standalone headset, a phone (or tablet), or a desktop.
 *
 * Headset browsers name themselves in the user agent; an iPad asks for desktop sites with a
 * Mac user agent but has touch points. `navigator.xr` alone says nothing (desktop Chrome
 * has it), so it only tips a touch device with a Linux user agent (a headset in desktop
 * mode) towards "headset".
 * @param {NavigatorLike} [nav]
 * @returns {'headset' | 'phone' | 'desktop'}
 */
export function deviceClass(nav = globalThis.navigator ?? {}) {
  const ua = nav.userAgent ?? '';
  if (HEADSET.test(ua)) return 'headset';
  const touch = (nav.maxTouchPoints ?? 0) > 1;
  if (touch && nav.xr && /X11; Linux x86_64/.test(ua)) return 'headset';
  if (nav.userAgentData?.mobile || PHONE.test(ua)) return 'phone';
  if (touch && /Macintosh/.test(ua)) return 'phone';
  return 'desktop';
}

/**
 * Return the splat budget for this device.
 * @param {NavigatorLike} [nav]
 * @returns {number}
 */
export function splatBudget(nav = globalThis.navigator ?? {}) {
  return SPLAT_BUDGETS[deviceClass(nav)];
}
