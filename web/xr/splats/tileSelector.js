/**
 * Choose which tiles of a splat tileset to show: refine coarse tiles into their children
 * where their screen-space error is largest, as long as the splat budget allows.
 *
 * Pure: no three.js, no DOM, so node's test runner can check it.
 */

/**
 * A tile of the tileset JSON written by server/core/splats/tiling.py. How a tile's children
 * refine it is the root's `refine`, as in 3D Tiles: "ADD" (written since issue #11) — a
 * parent holds a sparse selection of its cell's splats and its children the rest, so a
 * shown child is drawn *with* its ancestors — or "REPLACE" (tilesets written before, and
 * the default when absent) — a parent holds its children's splats merged, so refinement
 * swaps a tile for all of its children.
 * @typedef {object} TileNode
 * @property {string} id
 * @property {{min: number[], max: number[]}} bounds in the tileset's frame (RUB, metres)
 * @property {number} geometricError world-space size of the detail this tile lacks (0: leaf)
 * @property {number} splats
 * @property {{sha256: string, size: number, format: string}} content
 * @property {TileNode[]} children
 * @property {'ADD' | 'REPLACE'} [refine] on the root: how every tile refines
 */

/**
 * @typedef {object} Tileset
 * @property {TileNode} root
 * @property {number} [splats]
 */

/**
 * Where the camera is, in the tileset's frame, and how it projects.
 * @typedef {object} View
 * @property {number[]} position [x, y, z] in the tileset's frame
 * @property {number} screenHeight viewport height in pixels
 * @property {number} fovY vertical field of view in radians
 */

/**
 * @typedef {object} Selection
 * @property {TileNode[]} tiles to show, in load order: coarse first, then largest error
 * @property {number} splats their total splat count (≤ budget unless the root alone is over)
 */

/**
 * Return how the tiles of `tileset` refine: "ADD" or "REPLACE" (the default).
 * @param {Tileset} tileset
 * @returns {'ADD' | 'REPLACE'}
 */
export function refinementOf(tileset) {
  return tileset.root.refine === 'ADD' ? 'ADD' : 'REPLACE';
}

/** Pixels of error above which a tile is worth refining. */
export const DEFAULT_MAX_ERROR = 2;

/**
 * Return the distance from `point` to the axis-aligned box `bounds` (0 inside it).
 * @param {number[]} point
 * @param {{min: number[], max: number[]}} bounds
 * @returns {number}
 */
export function distanceToBounds(point, bounds) {
  let sum = 0;
  for (let axis = 0; axis < 3; axis += 1) {
    const d = Math.max(bounds.min[axis] - point[axis], 0, point[axis] - bounds.max[axis]);
    sum += d * d;
  }
  return Math.sqrt(sum);
}

/**
 * Return the tile's screen-space error in pixels as seen from `view`.
 * @param {TileNode} tile
 * @param {View} view
 * @returns {number}
 */
export function screenSpaceError(tile, view) {
  if (!(tile.geometricError > 0)) return 0;
  // inside the tile's box the error is as large as it gets: refine first
  const distance = distanceToBounds(view.position, tile.bounds);
  if (distance <= 1e-9) return Number.POSITIVE_INFINITY;
  const pixelsPerUnit = view.screenHeight / (2 * distance * Math.tan(view.fovY / 2));
  return tile.geometricError * pixelsPerUnit;
}

/**
 * Choose the tiles to show from `view` with at most `budget` splats.
 *
 * Starts from the root (always shown, whatever the budget, so there is something to see)
 * and repeatedly refines the shown tile with the largest screen-space error above
 * `maxError`, when adding its children (ADD: the tile stays shown) or swapping it for them
 * (REPLACE) keeps the total within `budget`. A tile whose refinement does not fit stays as
 * it is; others may still refine. With ADD every shown tile's ancestors are shown too.
 * Tiles not returned are the caller's to unload.
 * @param {Tileset} tileset
 * @param {View} view
 * @param {number} budget maximum splats shown
 * @param {number} [maxError] pixels of error tolerated (DEFAULT_MAX_ERROR)
 * @returns {Selection}
 */
export function selectTiles(tileset, view, budget, maxError = DEFAULT_MAX_ERROR) {
  if (!tileset?.root) throw new TypeError('`tileset` must have a `root` tile');
  if (!(budget > 0)) throw new RangeError('`budget` must be a positive number of splats');
  if (!(view.screenHeight > 0) || !(view.fovY > 0 && view.fovY < Math.PI)) {
    throw new RangeError('`view` needs a positive `screenHeight` and a `fovY` in (0, π)');
  }
  /** @type {Map<TileNode, {error: number, level: number}>} */
  const shown = new Map();
  /** @type {Array<{tile: TileNode, error: number, level: number}>} */
  const queue = [];
  /**
   * @param {TileNode} tile
   * @param {number} level
   */
  const show = (tile, level) => {
    const error = screenSpaceError(tile, view);
    shown.set(tile, { error, level });
    if (tile.children.length > 0 && error > maxError) queue.push({ tile, error, level });
  };
  const additive = refinementOf(tileset) === 'ADD';
  let total = tileset.root.splats;
  show(tileset.root, 0);
  while (queue.length > 0) {
    // the queue holds a few dozen tiles at most: a sort beats a heap in clarity
    queue.sort((a, b) => b.error - a.error);
    const { tile, level } = /** @type {{tile: TileNode, level: number}} */ (queue.shift());
    const added = tile.children.reduce((sum, child) => sum + child.splats, 0);
    const removed = additive ? 0 : tile.splats;
    if (total - removed + added > budget) continue;
    total += added - removed;
    if (!additive) shown.delete(tile);
    for (const child of tile.children) show(child, level + 1);
  }
  const tiles = [...shown.entries()]
    .sort(([, a], [, b]) => a.level - b.level || b.error - a.error)
    .map(([tile]) => tile);
  return { tiles, splats: total };
}

/**
 * Return a map from each tile to its parent (the root maps to null).
 * @param {Tileset} tileset
 * @returns {Map<TileNode, TileNode | null>}
 */
export function parentsOf(tileset) {
  /** @type {Map<TileNode, TileNode | null>} */
  const parents = new Map([[tileset.root, null]]);
  const stack = [tileset.root];
  while (stack.length > 0) {
    const tile = /** @type {TileNode} */ (stack.pop());
    for (const child of tile.children) {
      parents.set(child, tile);
      stack.push(child);
    }
  }
  return parents;
}
