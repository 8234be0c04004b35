import {
  CanvasTexture,
  Group,
  Mesh,
  PlaneGeometry,
  SRGBColorSpace,
} from 'three';
import { PANEL_FONT, panelMaterial } from '../stage.js';

/**
 * The tour's 3D text panel: the stop's chapter text and evidence badges drawn on a canvas
 * texture, with "previous" and "next" buttons as separate meshes a controller ray can hit.
 */

/** Badge colours by status; the status is always written out beside its colour too. */
export const STATUS_COLOURS = Object.freeze({
  ok: '#2e7d32',
  warn: '#a35c00',
  fail: '#c62828',
  unknown: '#5f6368',
});

const PANEL_PX = { width: 1024, height: 680 };
const BUTTON_PX = { width: 480, height: 112 };
const INK = '#2b2118';
const PAPER = '#fffaf3';
const FONT = PANEL_FONT;
const MAX_BADGES = 5;

/**
 * Break `text` into lines no wider than `maxWidth` as measured by `measure`; at most
 * `maxLines` lines, the last one ending in "…" when text was left out.
 * @param {(text: string) => number} measure
 * @param {string} text
 * @param {number} maxWidth
 * @param {number} maxLines
 * @returns {string[]}
 */
export function wrapText(measure, text, maxWidth, maxLines) {
  const words = String(text ?? '').split(/\s+/).filter(Boolean);
  /** @type {string[]} */
  const lines = [];
  let line = '';
  let index = 0;
  for (; index < words.length; index += 1) {
    const candidate = line ? `${line} ${words[index]}` : words[index];
    if (measure(candidate) <= maxWidth || !line) {
      line = candidate;
      continue;
    }
    lines.push(line);
    line = words[index];
    if (lines.length === maxLines) break;
  }
  if (line && lines.length < maxLines) {
    lines.push(line);
    index = words.length;
  }
  if (index < words.length && lines.length > 0) {
    let last = lines[lines.length - 1];
    while (last && measure(`${last}…`) > maxWidth) last = last.slice(0, -1);
    lines[lines.length - 1] = `${last.trimEnd()}…`;
  }
  return lines;
}

/**
 * @typedef {object} PanelContent
 * @property {string} eyebrow small line above the title (the site and what it is)
 * @property {string} counter where the stop is in the tour ("2 / 6", translated)
 * @property {string} title
 * @property {string} body
 * @property {import('./tourPlan.js').Badge[]} badges
 */

/**
 * @param {number} width
 * @param {number} height
 * @returns {{canvas: HTMLCanvasElement, context: CanvasRenderingContext2D,
 *   texture: CanvasTexture}}
 */
function surface(width, height) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  const texture = new CanvasTexture(canvas);
  texture.colorSpace = SRGBColorSpace;
  texture.anisotropy = 4;
  return { canvas, context, texture };
}

/**
 * @param {CanvasRenderingContext2D} ctx
 * @param {number} x
 * @param {number} y
 * @param {number} w
 * @param {number} h
 * @param {number} r
 */
function roundRect(ctx, x, y, w, h, r) {
  ctx.beginPath();
  ctx.moveTo(x + r, y);
  ctx.arcTo(x + w, y, x + w, y + h, r);
  ctx.arcTo(x + w, y + h, x, y + h, r);
  ctx.arcTo(x, y + h, x, y, r);
  ctx.arcTo(x, y, x + w, y, r);
  ctx.closePath();
}

/**
 * Draw a stop onto the panel's canvas.
 * @param {CanvasRenderingContext2D} ctx
 * @param {PanelContent} content
 */
function drawPanel(ctx, content) {
  const { width, height } = PANEL_PX;
  const pad = 44;
  ctx.clearRect(0, 0, width, height);
  ctx.fillStyle = PAPER;
  roundRect(ctx, 0, 0, width, height, 36);
  ctx.fill();
  ctx.lineWidth = 6;
  ctx.strokeStyle = '#d9a441';
  ctx.stroke();
  ctx.textBaseline = 'top';
  ctx.fillStyle = '#6b5a4a';
  ctx.font = `500 30px ${FONT}`;
  ctx.textAlign = 'right';
  ctx.fillText(content.counter, width - pad, pad);
  const counterWidth = ctx.measureText(content.counter).width + 24;
  ctx.textAlign = 'left';
  const eyebrow = wrapText((t) => ctx.measureText(t).width, content.eyebrow, width - 2 * pad - counterWidth, 1);
  ctx.fillText(eyebrow[0] ?? '', pad, pad);
  let y = pad + 48;
  ctx.fillStyle = INK;
  ctx.font = `700 50px ${FONT}`;
  for (const line of wrapText((t) => ctx.measureText(t).width, content.title, width - 2 * pad, 2)) {
    ctx.fillText(line, pad, y);
    y += 60;
  }
  y += 8;
  // more badges than fit: the last row says how many more the DOM controls list
  const more = content.badges.length - MAX_BADGES;
  const badges = content.badges.slice(0, more > 0 ? MAX_BADGES - 1 : MAX_BADGES);
  const badgeRows = (badges.length + (more > 0 ? 1 : 0)) * 52;
  ctx.font = `400 30px ${FONT}`;
  const bodyLines = Math.max(1, Math.floor((height - pad - badgeRows - y - 12) / 40));
  for (const line of wrapText((t) => ctx.measureText(t).width, content.body, width - 2 * pad, bodyLines)) {
    ctx.fillText(line, pad, y);
    y += 40;
  }
  y = height - pad - badgeRows + 6;
  for (const b of badges) {
    ctx.font = `700 28px ${FONT}`;
    const pill = ctx.measureText(b.statusLabel).width + 36;
    ctx.fillStyle = STATUS_COLOURS[b.status] ?? STATUS_COLOURS.unknown;
    roundRect(ctx, pad, y, pill, 42, 21);
    ctx.fill();
    ctx.fillStyle = '#ffffff';
    ctx.fillText(b.statusLabel, pad + 18, y + 6);
    ctx.fillStyle = INK;
    ctx.font = `400 28px ${FONT}`;
    const text = b.figure ? `${b.label} · ${b.figure}` : b.label;
    const fitted = wrapText((t) => ctx.measureText(t).width, text, width - 2 * pad - pill - 20, 1);
    ctx.fillText(fitted[0] ?? '', pad + pill + 20, y + 6);
    y += 52;
  }
  if (more > 0) {
    ctx.fillStyle = INK;
    ctx.font = `700 28px ${FONT}`;
    ctx.fillText(`+${more + 1}`, pad, y + 6);
  }
}

/**
 * @param {CanvasRenderingContext2D} ctx
 * @param {string} label
 * @param {boolean} enabled
 */
function drawButton(ctx, label, enabled) {
  const { width, height } = BUTTON_PX;
  ctx.clearRect(0, 0, width, height);
  ctx.fillStyle = enabled ? '#5b3a29' : '#b8aea4';
  roundRect(ctx, 4, 4, width - 8, height - 8, (height - 8) / 2);
  ctx.fill();
  ctx.fillStyle = '#ffffff';
  ctx.font = `700 44px ${FONT}`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  const fitted = wrapText((t) => ctx.measureText(t).width, label, width - 60, 1);
  ctx.fillText(fitted[0] ?? '', width / 2, height / 2 + 2);
}

/**
 * @typedef {object} TourPanel
 * @property {Group} group the panel and its buttons, `width` metres across, facing +z
 * @property {Mesh[]} buttons hit targets; `userData.tourAction` is 'previous' or 'next' and
 *   `userData.enabled` says whether it does anything now
 * @property {(content: PanelContent) => void} show
 * @property {(enabled: {previous: boolean, next: boolean}) => void} setEnabled
 * @property {() => void} dispose
 */

/**
 * Make the tour's panel.
 * @param {{width: number, labels: {previous: string, next: string}}} options
 * @returns {TourPanel}
 */
export function createTourPanel({ width, labels }) {
  const group = new Group();
  group.name = 'tour-panel';
  const panelHeight = (width * PANEL_PX.height) / PANEL_PX.width;
  const page = surface(PANEL_PX.width, PANEL_PX.height);
  const board = new Mesh(
    new PlaneGeometry(width, panelHeight),
    panelMaterial(page.texture),
  );
  board.position.y = panelHeight / 2;
  group.add(board);

  const buttonWidth = width * 0.46;
  const buttonHeight = (buttonWidth * BUTTON_PX.height) / BUTTON_PX.width;
  /** @type {Array<{mesh: Mesh, ctx: CanvasRenderingContext2D, texture: CanvasTexture,
   *   label: string}>} */
  const made = [];
  for (const [action, label, x] of /** @type {const} */ ([
    ['previous', labels.previous, -width / 4],
    ['next', labels.next, width / 4],
  ])) {
    const face = surface(BUTTON_PX.width, BUTTON_PX.height);
    const mesh = new Mesh(
      new PlaneGeometry(buttonWidth, buttonHeight),
      panelMaterial(face.texture),
    );
    mesh.name = `tour-${action}`;
    mesh.userData = { tourAction: action, enabled: true };
    // just under the board, a little in front of it
    mesh.position.set(x, -buttonHeight * 0.75, 0.002);
    group.add(mesh);
    drawButton(face.context, label, true);
    face.texture.needsUpdate = true;
    made.push({ mesh, ctx: face.context, texture: face.texture, label });
  }

  return {
    group,
    buttons: made.map((m) => m.mesh),
    show(content) {
      drawPanel(page.context, content);
      page.texture.needsUpdate = true;
    },
    setEnabled(enabled) {
      for (const button of made) {
        const on = Boolean(enabled[/** @type {'previous' | 'next'} */ (button.mesh.userData.tourAction)]);
        if (button.mesh.userData.enabled === on) continue;
        button.mesh.userData.enabled = on;
        drawButton(button.ctx, button.label, on);
        button.texture.needsUpdate = true;
      }
    },
    dispose() {
      group.removeFromParent();
      group.traverse((object) => {
        const mesh = /** @type {Mesh} */ (object);
        if (!mesh.isMesh) return;
        mesh.geometry.dispose();
        const material = /** @type {import('three').MeshBasicMaterial} */ (mesh.material);
        material.map?.dispose();
        material.dispose();
      });
    },
  };
}
