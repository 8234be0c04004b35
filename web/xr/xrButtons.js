import { sendScanEvent } from './beacon.js';

/**
 * @typedef {object} XrStrings
 * @property {string} enterVR
 * @property {string} enterAR
 * @property {string} exitXR
 * @property {string} vrUnavailable
 * @property {string} arUnavailable
 */

const MODES = /** @type {const} */ ([
  ['immersive-vr', 'enterVR', 'vrUnavailable'],
  ['immersive-ar', 'enterAR', 'arUnavailable'],
]);

/**
 * Show "Enter VR" / "Enter AR" buttons for the session modes the browser supports, and a
 * visible "not available" note for the others. The session is requested from the click.
 * @param {HTMLElement} host
 * @param {import('three').WebGLRenderer} renderer
 * @param {XrStrings} strings
 * @param {{onStart?(mode: string, session: XRSession): void, onEnd?(mode: string): void}}
 *   [hooks] `onStart` runs once the renderer presents the session (its reference space set)
 * @returns {{ready: Promise<void>, stop(): void}}
 */
export function createXrButtons(host, renderer, strings, hooks = {}) {
  const bar = document.createElement('div');
  bar.className = 'xr-modes';
  host.append(bar);
  /** @type {Array<() => void>} */
  const cleanups = [];
  /** @type {XRSession | null} */
  let current = null;
  let stopped = false;

  /**
   * @param {XRSessionMode} mode
   * @param {string} enterLabel
   * @param {string} unavailableLabel
   * @returns {Promise<void>}
   */
  const addMode = async (mode, enterLabel, unavailableLabel) => {
    // a slot per mode, appended now, keeps VR before AR whichever query answers first
    const slot = document.createElement('span');
    slot.className = 'xr-mode';
    bar.append(slot);
    const xr = navigator.xr;
    let supported = false;
    try {
      supported = Boolean(xr && (await xr.isSessionSupported(mode)));
    } catch {
      // a refused query (e.g. permissions policy) means the mode cannot be used here
      supported = false;
    }
    if (stopped) return;
    if (!supported || !xr) {
      const note = document.createElement('span');
      note.className = 'xr-unavailable';
      note.dataset.xrMode = mode;
      note.textContent = unavailableLabel;
      slot.append(note);
      return;
    }
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.xrMode = mode;
    button.textContent = enterLabel;
    const onClick = async () => {
      if (current) {
        await current.end();
        return;
      }
      const features =
        mode === 'immersive-ar'
          ? {
              // hit-test places the diorama on a surface (tour/arPlacement.js); optional, so
              // a phone without it still gets AR, with the diorama in front of the user
              optionalFeatures: ['local-floor', 'dom-overlay', 'hit-test'],
              domOverlay: { root: host },
            }
          : { optionalFeatures: ['local-floor', 'bounded-floor', 'hand-tracking'] };
      const session = await xr.requestSession(mode, features);
      const onEnd = () => {
        session.removeEventListener('end', onEnd);
        current = null;
        button.textContent = enterLabel;
        hooks.onEnd?.(mode);
      };
      session.addEventListener('end', onEnd);
      current = session;
      sendScanEvent(mode === 'immersive-ar' ? 'ar' : 'xr');
      await renderer.xr.setSession(session);
      button.textContent = strings.exitXR;
      hooks.onStart?.(mode, session);
    };
    button.addEventListener('click', onClick);
    cleanups.push(() => button.removeEventListener('click', onClick));
    slot.append(button);
  };

  const ready = Promise.all(
    MODES.map(([mode, enter, unavailable]) => addMode(mode, strings[enter], strings[unavailable])),
  ).then(() => undefined);

  return {
    ready,
    stop() {
      stopped = true;
      current?.end().catch(() => {
        // already ended by the browser: nothing left to close
      });
      for (const cleanup of cleanups) cleanup();
      bar.remove();
    },
  };
}
