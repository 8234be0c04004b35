/**
 * Live build progress on the batch page: follows the build WebSocket, moves the progress
 * bars, and when every build is done swaps in the finished page parts without a reload.
 * Without JavaScript the page refreshes itself instead (a <noscript> meta refresh).
 */

/**
 * Replace the page's main content with the freshly rendered one and wire new scripts.
 * @param {Document} doc
 */
async function swapIn(doc) {
  // Originxr-Refresh: this shopper's view was counted by the first answer, not again
  const response = await fetch(location.href, {
    headers: { Accept: 'text/html', 'Originxr-Refresh': 'swap' },
  });
  if (!response.ok) return;
  // Parse into an inert <template>: DOMParser would check the fresh page's inline
  // <style nonce> against this page's CSP (a different nonce) and log a violation.
  const template = doc.createElement('template');
  template.innerHTML = await response.text();
  const fresh = template.content;
  const main = doc.querySelector('main');
  const next = fresh.querySelector('main');
  if (!main || !next) return;
  main.replaceChildren(...next.childNodes);
  // template content has no base URL: resolve the src attributes against this page. Every
  // module of the fresh page runs (the viewer's boot among them); one this page ran already
  // (the scan beacon) is not run again: a module runs once per URL.
  const modules = [...fresh.querySelectorAll('script[type=module][src]')]
    .map((s) => new URL(s.getAttribute('src') ?? '', location.href).href)
    .filter((src) => !src.includes('/js/progress'));
  const css = fresh.querySelector('link[rel=stylesheet]');
  if (css && !doc.querySelector(`link[href="${css.getAttribute('href')}"]`)) doc.head.append(css);
  for (const src of modules) await import(src);
  main.dataset.swapped = 'true';
}

/**
 * Follow the progress socket of the section `#progress`, if the page is still building.
 * @param {Document} doc
 * @returns {{stop: () => void}}
 */
export function followProgress(doc) {
  const section = doc.getElementById('progress');
  if (!section || section.hidden || !('WebSocket' in window)) return { stop() {} };
  const url = new URL(section.dataset.progressUrl, location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const socket = new WebSocket(url);
  const onMessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === 'state') {
      const bar = section.querySelector(`progress[data-kind="${message.kind}"]`);
      if (bar) bar.value = message.progress;
    } else if (message.type === 'done') {
      socket.close();
      swapIn(doc);
    }
  };
  socket.addEventListener('message', onMessage);
  return {
    stop() {
      socket.removeEventListener('message', onMessage);
      socket.close();
    },
  };
}

followProgress(document);
