/**
 * @typedef {object} PanelContent
 * @property {string} heading the site's name
 * @property {string} title the chapter title
 * @property {string} body the chapter text
 */

/**
 * An accessible panel showing a site's chapter; Escape or the close button hides it and
 * returns focus to where it came from.
 * @param {HTMLElement} host
 * @param {{close: string}} strings
 * @returns {{show(content: PanelContent): void, hide(): void, stop(): void}}
 */
export function createSitePanel(host, strings) {
  const panel = document.createElement('section');
  panel.className = 'xr-panel';
  panel.tabIndex = -1;
  panel.hidden = true;
  panel.setAttribute('aria-live', 'polite');
  const heading = document.createElement('h2');
  const title = document.createElement('h3');
  const body = document.createElement('p');
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'xr-panel-close';
  close.textContent = strings.close;
  panel.append(close, heading, title, body);
  host.append(panel);
  /** @type {Element | null} */
  let returnFocus = null;

  const hide = () => {
    if (panel.hidden) return;
    panel.hidden = true;
    if (returnFocus instanceof HTMLElement && returnFocus.isConnected) returnFocus.focus();
  };
  /** @param {KeyboardEvent} event */
  const onKey = (event) => {
    if (event.key === 'Escape' && !panel.hidden) {
      event.preventDefault();
      hide();
    }
  };
  close.addEventListener('click', hide);
  host.addEventListener('keydown', onKey);

  return {
    show(content) {
      if (panel.hidden) returnFocus = document.activeElement;
      heading.textContent = content.heading;
      title.textContent = content.title;
      body.textContent = content.body;
      panel.hidden = false;
      panel.focus();
    },
    hide,
    stop() {
      close.removeEventListener('click', hide);
      host.removeEventListener('keydown', onKey);
      panel.remove();
    },
  };
}
