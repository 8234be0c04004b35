/**
 * The tour's DOM controls, mirroring the 3D panel: the current stop's heading and text,
 * Previous / Next / Exit buttons, arrow keys, and a polite live region announcing each stop.
 */

/**
 * @typedef {object} ControlStrings translated by the page
 * @property {string} tour accessible name of the tour's region
 * @property {string} previous
 * @property {string} next
 * @property {string} exit
 */

/**
 * @typedef {object} ControlContent
 * @property {string} counter "Stop 2 of 6"
 * @property {string} heading the site (or the product, on the map)
 * @property {string} title the chapter's title
 * @property {string} body
 * @property {Array<{label: string, status: string, statusLabel: string, figure: string}>} badges
 * @property {boolean} first
 * @property {boolean} last
 */

/**
 * Mount the controls into `host`.
 * @param {HTMLElement} host
 * @param {HTMLElement} keyTarget where arrow keys and Escape are listened for
 * @param {ControlStrings} strings
 * @param {{previous(): void, next(): void, exit(): void}} actions
 * @returns {{show(content: ControlContent): void, focus(): void, stop(): void}}
 */
export function createTourControls(host, keyTarget, strings, actions) {
  const region = document.createElement('section');
  region.className = 'xr-tour';
  region.setAttribute('aria-label', strings.tour);
  region.tabIndex = -1;
  const counter = document.createElement('p');
  counter.className = 'xr-tour-counter';
  const heading = document.createElement('h2');
  const title = document.createElement('h3');
  const body = document.createElement('p');
  body.className = 'xr-tour-body';
  const badges = document.createElement('ul');
  badges.className = 'xr-tour-badges';
  const nav = document.createElement('div');
  nav.className = 'xr-tour-nav';
  /** @type {Record<'previous' | 'next' | 'exit', HTMLButtonElement>} */
  const buttons = /** @type {any} */ ({});
  for (const action of /** @type {const} */ (['previous', 'next', 'exit'])) {
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.tourAction = action;
    button.textContent = strings[action];
    button.addEventListener('click', () => actions[action]());
    buttons[action] = button;
    nav.append(button);
  }
  // announced on every stop change; the visible text above is not a live region, so
  // screen readers hear one short sentence, not the whole panel
  const live = document.createElement('p');
  live.className = 'skip xr-tour-live';
  live.setAttribute('aria-live', 'polite');
  live.setAttribute('role', 'status');
  region.append(counter, heading, title, body, badges, nav, live);
  host.append(region);

  /** @param {KeyboardEvent} event */
  const onKey = (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (target.closest?.('input, textarea, select, [contenteditable=true]')) return;
    const action = { ArrowRight: 'next', ArrowLeft: 'previous', Escape: 'exit' }[event.key];
    if (!action) return;
    event.preventDefault();
    actions[/** @type {'next' | 'previous' | 'exit'} */ (action)]();
  };
  keyTarget.addEventListener('keydown', onKey);

  return {
    show(content) {
      counter.textContent = content.counter;
      heading.textContent = content.heading;
      title.textContent = content.title;
      title.hidden = !content.title;
      body.textContent = content.body;
      body.hidden = !content.body;
      badges.replaceChildren(
        ...content.badges.map((b) => {
          const item = document.createElement('li');
          item.className = `xr-badge ${b.status}`;
          item.dataset.status = b.status;
          const status = document.createElement('strong');
          status.textContent = b.statusLabel;
          item.append(status, ` ${b.label}${b.figure ? ` (${b.figure})` : ''}`);
          return item;
        }),
      );
      buttons.previous.disabled = content.first;
      buttons.next.disabled = content.last;
      // a disabled button loses focus: keep the keyboard in the tour
      if (document.activeElement === document.body) region.focus();
      live.textContent = [content.counter, content.heading, content.title]
        .filter(Boolean)
        .join(' — ');
    },
    focus() {
      (buttons.next.disabled ? region : buttons.next).focus();
    },
    stop() {
      keyTarget.removeEventListener('keydown', onKey);
      region.remove();
    },
  };
}
