/**
 * A keyboard-reachable list of buttons mirroring the 3D site markers.
 * @param {HTMLElement} host
 * @param {Array<{id: string, name: string}>} sites
 * @param {string} label accessible name of the list
 * @param {(siteId: string) => void} onSelect
 * @returns {{stop(): void}}
 */
export function createSiteList(host, sites, label, onSelect) {
  const nav = document.createElement('nav');
  nav.className = 'xr-sites';
  nav.setAttribute('aria-label', label);
  const list = document.createElement('ul');
  for (const site of sites) {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.siteId = site.id;
    button.textContent = site.name;
    item.append(button);
    list.append(item);
  }
  nav.append(list);
  host.append(nav);
  /** @param {MouseEvent} event */
  const onClick = (event) => {
    const button = /** @type {HTMLElement} */ (event.target).closest('button[data-site-id]');
    if (button instanceof HTMLElement && button.dataset.siteId) onSelect(button.dataset.siteId);
  };
  list.addEventListener('click', onClick);
  return {
    stop() {
      list.removeEventListener('click', onClick);
      nav.remove();
    },
  };
}
