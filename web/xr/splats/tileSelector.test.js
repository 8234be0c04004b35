import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  distanceToBounds,
  parentsOf,
  refinementOf,
  screenSpaceError,
  selectTiles,
} from './tileSelector.js';

/**
 * A tile as tiling.py writes it: a cube of `edge` metres at `min`.
 * @param {string} id
 * @param {number[]} min
 * @param {number} edge
 * @param {number} splats
 * @param {number} error
 * @param {import('./tileSelector.js').TileNode[]} [children]
 * @returns {import('./tileSelector.js').TileNode}
 */
function tile(id, min, edge, splats, error, children = []) {
  return {
    id,
    bounds: { min, max: min.map((v) => v + edge) },
    geometricError: error,
    splats,
    content: { sha256: id.padEnd(64, '0'), size: splats * 16, format: 'spz' },
    children,
  };
}

/** Root 0 (10K) over a 20 m cube; two children (40K each), the first with two leaves (30K). */
function tileset() {
  const leaves = [tile('0-0-0', [0, 0, 0], 5, 30_000, 0), tile('0-0-1', [5, 0, 0], 5, 30_000, 0)];
  const root = tile('0', [0, 0, 0], 20, 10_000, 1.0, [
    tile('0-0', [0, 0, 0], 10, 40_000, 0.25, leaves),
    tile('0-1', [10, 0, 0], 10, 40_000, 0),
  ]);
  return { root, splats: 100_000 };
}

const FOV = Math.PI / 3;
/** @param {number[]} position */
const view = (position) => ({ position, screenHeight: 1000, fovY: FOV });

describe('distanceToBounds', () => {
  it('is zero inside and Euclidean outside', () => {
    const bounds = { min: [0, 0, 0], max: [1, 1, 1] };
    assert.equal(distanceToBounds([0.5, 0.5, 0.5], bounds), 0);
    assert.equal(distanceToBounds([4, 5, 1], bounds), 5);
  });
});

describe('screenSpaceError', () => {
  it('shrinks with distance and is zero for leaves', () => {
    const { root } = tileset();
    const near = screenSpaceError(root, view([0, 0, -10]));
    const far = screenSpaceError(root, view([0, 0, -100]));
    assert.ok(near > far * 9 && near < far * 11, `near ${near}, far ${far}`);
    assert.equal(screenSpaceError(root.children[1], view([0, 0, -1])), 0);
    assert.equal(screenSpaceError(root, view([1, 1, 1])), Number.POSITIVE_INFINITY);
  });
});

describe('selectTiles', () => {
  it('shows only the root from far away', () => {
    const picked = selectTiles(tileset(), view([0, 0, -1e6]), 2_500_000);
    assert.deepEqual(picked.tiles.map((t) => t.id), ['0']);
    assert.equal(picked.splats, 10_000);
  });

  it('refines to the leaves up close when the budget allows, coarse tiles first', () => {
    const picked = selectTiles(tileset(), view([2, 2, 2]), 2_500_000);
    assert.deepEqual(picked.tiles.map((t) => t.id), ['0-1', '0-0-0', '0-0-1']);
    assert.equal(picked.splats, 100_000);
  });

  it('stops refining where the budget would be exceeded', () => {
    // root → children fits (80K); children → leaves would need 100K
    const picked = selectTiles(tileset(), view([2, 2, 2]), 90_000);
    assert.deepEqual(picked.tiles.map((t) => t.id).sort(), ['0-0', '0-1']);
    assert.equal(picked.splats, 80_000);
  });

  it('keeps the root even when the root alone is over budget', () => {
    const picked = selectTiles(tileset(), view([2, 2, 2]), 5_000);
    assert.deepEqual(picked.tiles.map((t) => t.id), ['0']);
  });

  it('never returns a tile together with its ancestor, and stays within budget', () => {
    const set = tileset();
    const parents = parentsOf(set);
    for (const budget of [10_000, 50_000, 80_000, 100_000, 1e9]) {
      for (const z of [-1e4, -100, -30, -5, 3]) {
        const { tiles, splats } = selectTiles(set, view([3, 3, z]), budget);
        assert.ok(splats <= Math.max(budget, set.root.splats));
        assert.equal(splats, tiles.reduce((sum, t) => sum + t.splats, 0));
        for (const t of tiles) {
          for (let p = parents.get(t); p; p = parents.get(p)) assert.ok(!tiles.includes(p));
        }
      }
    }
  });

  it('unloads fine tiles as the camera moves away', () => {
    const set = tileset();
    const near = selectTiles(set, view([2, 2, 2]), 2_500_000).tiles.map((t) => t.id);
    const far = selectTiles(set, view([2, 2, -200]), 2_500_000).tiles.map((t) => t.id);
    assert.ok(near.includes('0-0-0'));
    assert.ok(!far.includes('0-0-0'), `far view still holds a leaf: ${far}`);
  });

  it('rejects a bad budget or view', () => {
    assert.throws(() => selectTiles(tileset(), view([0, 0, 0]), 0), RangeError);
    assert.throws(() => selectTiles(tileset(), { ...view([0, 0, 0]), fovY: 0 }, 1), RangeError);
    assert.throws(() => selectTiles(/** @type {any} */ ({}), view([0, 0, 0]), 1), TypeError);
  });
});

/** The same tree with additive refinement: each tile holds its own splats, none repeated. */
function additive() {
  const set = tileset();
  set.root.refine = 'ADD';
  return set;
}

describe('selectTiles with additive refinement', () => {
  it('reads the refinement from the root, REPLACE when absent', () => {
    assert.equal(refinementOf(tileset()), 'REPLACE');
    assert.equal(refinementOf(additive()), 'ADD');
  });

  it('keeps every ancestor of a shown tile, coarse first, and counts all of their splats', () => {
    const picked = selectTiles(additive(), view([2, 2, 2]), 2_500_000);
    assert.deepEqual(picked.tiles.map((t) => t.id), ['0', '0-0', '0-1', '0-0-0', '0-0-1']);
    assert.equal(picked.splats, 10_000 + 80_000 + 60_000);
  });

  it('adds children only while the sum of all shown tiles fits the budget', () => {
    // root + children = 90K fits; the leaves would add 60K more
    const picked = selectTiles(additive(), view([2, 2, 2]), 100_000);
    assert.deepEqual(picked.tiles.map((t) => t.id).sort(), ['0', '0-0', '0-1']);
    assert.equal(picked.splats, 90_000);
  });

  it('never shows a tile without its ancestors, and stays within budget', () => {
    const set = additive();
    const parents = parentsOf(set);
    for (const budget of [10_000, 50_000, 90_000, 150_000, 1e9]) {
      for (const z of [-1e4, -100, -30, -5, 3]) {
        const { tiles, splats } = selectTiles(set, view([3, 3, z]), budget);
        assert.ok(splats <= Math.max(budget, set.root.splats));
        assert.equal(splats, tiles.reduce((sum, t) => sum + t.splats, 0));
        for (const t of tiles) {
          for (let p = parents.get(t); p; p = parents.get(p)) assert.ok(tiles.includes(p));
        }
      }
    }
  });
});
