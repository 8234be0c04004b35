/**
 * The batch page's tiny loader: the 3D viewer (three.js, ~160 KB gzipped) is fetched only
 * when the shopper asks for it.
 */

/**
 * @returns {boolean} whether this browser can create a WebGL2 context
 */
export function hasWebGL2() {
  try {
    return Boolean(document.createElement('canvas').getContext('webgl2'));
  } catch {
    // some privacy modes throw instead of returning null: same as no WebGL2
    return false;
  }
}

/**
 * Wire every `[data-xr-launch]` button under `root` to mount the viewer into `#xr-stage`.
 *
 * Button attributes: `data-manifest-url`, `data-glb-url`, `data-locale`, and
 * `data-strings` (JSON of translated strings: loading, failed, noWebgl, close, sites,
 * enterVR, enterAR, exitXR, vrUnavailable, arUnavailable).
 * @param {ParentNode} root
 * @returns {{stop(): void}}
 */
export function bootXr(root) {
  const buttons = [...root.querySelectorAll('[data-xr-launch]')];
  /** @type {{stop(): void} | null} */
  let viewer = null;
  let stopped = false;

  /** @param {Event} event */
  const onClick = async (event) => {
    const button = /** @type {HTMLButtonElement} */ (event.currentTarget);
    const stage = document.getElementById('xr-stage');
    if (!stage || viewer || button.getAttribute('aria-busy') === 'true') return;
    const strings = JSON.parse(button.dataset.strings || '{}');
    const status = stage.querySelector('.xr-status') ?? document.createElement('p');
    status.className = 'xr-status';
    status.setAttribute('role', 'status');
    stage.append(status);
    if (!hasWebGL2()) {
      // keep the poster: it is the whole map without 3D
      status.textContent = strings.noWebgl ?? '';
      stage.dataset.state = 'unsupported';
      return;
    }
    button.setAttribute('aria-busy', 'true');
    button.disabled = true;
    stage.dataset.state = 'loading';
    status.textContent = strings.loading ?? '';
    try {
      const { mountViewer } = await import('./viewer.js');
      if (stopped) return;
      viewer = await mountViewer(stage, {
        manifestUrl: button.dataset.manifestUrl ?? '',
        glbUrl: button.dataset.glbUrl ?? '',
        locale: button.dataset.locale ?? document.documentElement.lang ?? 'en',
        strings,
      });
      stage.dataset.state = 'ready';
      status.textContent = '';
      import('./beacon.js').then(({ sendScanEvent }) => sendScanEvent('3d')); // a viewer chunk
    } catch (error) {
      stage.dataset.state = 'failed';
      status.textContent = strings.failed ?? '';
      button.disabled = false;
      console.error(error);
    } finally {
      button.removeAttribute('aria-busy');
    }
  };

  for (const button of buttons) button.addEventListener('click', onClick);
  return {
    stop() {
      stopped = true;
      for (const button of buttons) button.removeEventListener('click', onClick);
      viewer?.stop();
      viewer = null;
    },
  };
}

// the entry point of the page's script: the one place a side effect at import is wanted
if (typeof document !== 'undefined') bootXr(document);
