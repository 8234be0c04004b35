/**
 * Studio snapshots page: follow each unfinished snapshot's tiling over its WebSocket and
 * move its progress bar; status words come from the cell's data-label-* attributes
 * (translated by the server). Without JavaScript the page refreshes itself instead.
 */

/** @param {HTMLElement} cell */
function follow(cell) {
  const id = cell.dataset.snapshot;
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const socket = new WebSocket(`${scheme}//${location.host}/ws/snapshots/${id}`);
  const text = cell.querySelector('.status-text');
  const bar = cell.querySelector('progress');
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(event.data);
    if (message.type === 'state') {
      cell.dataset.status = message.status;
      if (text) text.textContent = cell.dataset[`label${message.status[0].toUpperCase()}${message.status.slice(1)}`] ?? message.status;
      if (bar) bar.value = message.progress ?? 0;
    } else {
      if (bar && message.type === 'done') bar.remove();
      socket.close();
    }
  });
}

for (const cell of document.querySelectorAll('[data-snapshot]')) {
  if (cell instanceof HTMLElement && (cell.dataset.status === 'queued' || cell.dataset.status === 'tiling')) {
    follow(cell);
  }
}
