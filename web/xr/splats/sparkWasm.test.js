// Spark's trimmed WebAssembly (web/trimWasm.mjs) against Spark's own worker glue: the worker
// script Spark ships (its wasm-bindgen glue and RPC handlers, run here as in a Worker) is
// given the trimmed module, instantiates it, decodes an SPZ file and sorts, the calls our
// splat layers make. A kept-export list that misses what this path reaches fails here.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { keptExports, SPARK_WASM, trimSparkWasm } from '../../trimWasm.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '..', '..', 'static', 'dist');

// the file esbuild bundles (build.mjs takes its inline WASM out)
const sparkDist = path.dirname(fileURLToPath(import.meta.resolve('@sparkjsdev/spark')));
const spark = await readFile(path.join(sparkDist, 'spark.module.js'), 'utf8');
const found = [...spark.matchAll(SPARK_WASM)];
assert.equal(found.length, 1);
const original = Buffer.from(found[0][1], 'base64');
const trimmed = await trimSparkWasm(original);

/** @param {Uint8Array} bytes */
const exportsOf = (bytes) =>
  new Set(WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name));

/** @returns {string} the worker script Spark starts from a Blob (`const jsContent = '…'`) */
function workerSource() {
  const match = spark.match(/const jsContent = ('(?:[^'\\]|\\.)*');/);
  assert.ok(match, 'Spark no longer inlines its worker as jsContent');
  // a single-quoted JS string literal, JSON once its quotes and \' escapes are swapped
  return JSON.parse(`"${match[1].slice(1, -1).replace(/\\'/g, "'").replace(/"/g, '\\"')}"`);
}

/**
 * Run Spark's worker script with `module` as its WebAssembly, as Spark's SplatWorker does.
 * @param {WebAssembly.Module} module
 * @returns {(name: string, args: object) => Promise<any>} an RPC call into the worker
 */
function startWorker(module) {
  /** @type {Set<(event: {data: any}) => void>} */
  const listeners = new Set();
  /** @type {Map<number, {resolve: (v: any) => void, reject: (e: any) => void}>} */
  const pending = new Map();
  const self = {
    addEventListener: (_type, fn) => listeners.add(fn),
    removeEventListener: (_type, fn) => listeners.delete(fn),
    postMessage(/** @type {any} */ data) {
      const call = pending.get(data.id);
      if (!call || data.status) return;
      pending.delete(data.id);
      if (data.error) call.reject(data.error);
      else call.resolve(data.result);
    },
  };
  new Function('self', workerSource())(self);
  const post = (/** @type {any} */ data) => {
    for (const fn of [...listeners]) fn({ data });
  };
  post({ name: 'init-wasm', module });
  let id = 0;
  return (name, args) =>
    new Promise((resolve, reject) => {
      id += 1;
      pending.set(id, { resolve, reject });
      post({ id, name, args });
    });
}

/**
 * A version 2 SPZ file (the format's gzip of a 16-byte header, then positions as 24-bit
 * fixed point, alphas, colours, log scales, rotations), `n` splats on a line along x.
 * @param {number} n
 */
function spz(n) {
  const fractionalBits = 12;
  const header = Buffer.alloc(16);
  header.writeUInt32LE(0x5053474e, 0);
  header.writeUInt32LE(2, 4);
  header.writeUInt32LE(n, 8);
  header.writeUInt8(0, 12); // SH degree
  header.writeUInt8(fractionalBits, 13);
  const positions = Buffer.alloc(n * 9);
  for (let i = 0; i < n; i++) {
    const xyz = [i * 0.1, 0, -2 - i * 0.01].map((v) => Math.round(v * (1 << fractionalBits)));
    xyz.forEach((v, k) => positions.writeIntLE(v, i * 9 + k * 3, 3));
  }
  const alphas = Buffer.alloc(n, 200);
  const colours = Buffer.alloc(n * 3, 160);
  const scales = Buffer.alloc(n * 3, 100);
  const rotations = Buffer.alloc(n * 3, 128);
  return gzipSync(Buffer.concat([header, positions, alphas, colours, scales, rotations]));
}

test('the trimmed WASM is smaller and keeps every export to keep', async () => {
  const kept = exportsOf(trimmed);
  for (const name of await keptExports()) assert.ok(kept.has(name), name);
  assert.ok(trimmed.length < original.length * 0.8, `${trimmed.length} of ${original.length}`);
});

test("the glue's exports the trimmed WASM lacks are all of features we dropped", () => {
  const kept = exportsOf(trimmed);
  const glue = new Set([...spark.matchAll(/\bwasm\.(\w+)/g)].map((m) => m[1]));
  const missing = [...glue].filter((name) => !kept.has(name));
  assert.ok(missing.length > 0, 'nothing dropped: the glue changed?');
  const dropped = /lod|csplatarray|gsplatarray|rad_header|packedsplats_to_|extsplats_to_/;
  assert.deepEqual(
    missing.filter((name) => !dropped.test(name)),
    [],
  );
});

test("Spark's worker instantiates the trimmed WASM, decodes SPZ and sorts", async () => {
  const call = startWorker(new WebAssembly.Module(trimmed));
  const n = 50;
  const common = { fileBytes: spz(n), fileType: 'spz', pathName: 'tile.spz' };
  const packed = await call('loadPackedSplats', common);
  assert.equal(packed.numSplats, n);
  assert.ok(packed.packedArray.length >= n * 4);
  const ext = await call('loadExtSplats', common);
  assert.equal(ext.numSplats, n);
  // depths as the renderer reads them back (float32 bits), nearest last
  const depths = new Float32Array(n).map((_, i) => 1 + i);
  const sorted = await call('sortSplats32', {
    numSplats: n,
    readback: new Uint32Array(depths.buffer),
    ordering: new Uint32Array(n),
  });
  assert.equal(sorted.activeSplats, n);
  assert.deepEqual([...sorted.ordering].sort((a, b) => a - b), [...Array(n).keys()]);
  const sorted16 = await call('sortSplats16', {
    numSplats: n,
    readback: new Uint16Array(n).map((_, i) => 0x3c00 + i),
    ordering: new Uint32Array(n),
  });
  assert.equal(sorted16.activeSplats, n);
  await assert.rejects(call('loadPackedSplats', { ...common, fileBytes: Buffer.from('not a splat file') }));
});

test('the built WASM (npm run build) is the trimmed one', async (t) => {
  const manifest = path.join(dist, 'manifest.json');
  if (!existsSync(manifest)) return t.skip('web/static/dist not built');
  const { splats } = JSON.parse(await readFile(manifest, 'utf8'));
  const file = splats.imports.find((/** @type {string} */ f) => f.endsWith('.wasm'));
  assert.ok(file, 'no wasm in the splats entry');
  const built = await readFile(path.join(dist, file));
  assert.ok(built.length < original.length);
  assert.ok(built.equals(trimmed), `${file} is not the trimmed WASM`);
});
