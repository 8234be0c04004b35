/**
 * The WebGL 2 context the 3D stage draws on. boot.js makes it to learn whether 3D can run
 * at all, and the renderer (stage.js) takes it over rather than making a second one. A
 * canvas keeps its first context and that context's attributes: WebGL's defaults (alpha,
 * antialias, depth, no stencil, premultiplied alpha) are what stage.js asks three.js for.
 */

/**
 * @typedef {object} GlCanvas
 * @property {HTMLCanvasElement} canvas
 * @property {WebGL2RenderingContext} context
 */

/**
 * @returns {GlCanvas | null} a canvas and its WebGL 2 context, or null where there is none
 */
export function createGlCanvas() {
  try {
    const canvas = document.createElement('canvas');
    const context = canvas.getContext('webgl2');
    return context ? { canvas, context } : null;
  } catch {
    // some privacy modes throw instead of returning null: same as no WebGL2
    return null;
  }
}
