/**
 * The WebGL 2 context the 3D stage draws on. boot.js makes it to learn whether 3D can run
 * at all, and the renderer (stage.js) takes it over rather than making a second one. A
 * canvas keeps its first context and that context's attributes, so both ask for the same
 * ones (CONTEXT_ATTRIBUTES).
 */

/**
 * WebGL's defaults (alpha, depth, no stencil, premultiplied alpha) but no multisampling.
 * Spark's advice for splats (XR-NOTES.md): MSAA does not improve Gaussian splats, which are
 * soft-edged and blended, and it multiplies the cost of their overdraw per sample. The
 * diorama's edges are drawn at up to twice the CSS resolution (stage.js's pixel ratio),
 * where aliasing shows little. Measured under the slow-phone emulation (bench_page_load,
 * software GPU): the prefetched tour's first splats 0.69× the time with MSAA on.
 */
const CONTEXT_ATTRIBUTES = Object.freeze({ antialias: false });

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
    const context = canvas.getContext('webgl2', CONTEXT_ATTRIBUTES);
    return context ? { canvas, context } : null;
  } catch {
    // some privacy modes throw instead of returning null: same as no WebGL2
    return null;
  }
}
