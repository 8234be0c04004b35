// Cut Spark's WebAssembly down to the exports originxr's path reaches (web/spark-wasm-keep.json),
// with binaryen's wasm-metadce: it drops every other export and all the code only they reach
// (1.67 MB → 1.18 MB raw, 416 → 323 kB brotli, Spark 2.2). `wasm-opt -Oz` after it is left
// out on purpose: it takes a little off the raw size and adds ~3 kB to the brotli size.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

// Spark's module as published: `const WASM = decode64("<base64>").buffer;` and then
// `const WASM_MODULE = WebAssembly.compile(WASM);` (a promise of the compiled module, which
// Spark awaits before decoding and also posts to its workers). Used by build.mjs.
export const SPARK_WASM =
  /const WASM = decode64\("([A-Za-z0-9+/=]+)"\)\.buffer;\s*const WASM_MODULE = WebAssembly\.compile\(WASM\);/g;

/**
 * @returns {Promise<string[]>} the export names to keep, every feature group of
 *   web/spark-wasm-keep.json flattened
 */
export async function keptExports() {
  const keep = JSON.parse(await readFile(path.join(here, 'spark-wasm-keep.json'), 'utf8'));
  return Object.values(keep.features).flat();
}

/**
 * Trim `bytes` (Spark's module) to the kept exports. Throws, so that the build fails, when
 * binaryen is missing or fails, when an export to keep is not in Spark's module (a Spark
 * release that renamed it) or is lost, or when the result does not compile: shipping the
 * untrimmed file instead would silently cost every cold tour ~90 kB.
 * @param {Uint8Array} bytes
 * @returns {Promise<Buffer>}
 */
export async function trimSparkWasm(bytes) {
  const keep = await keptExports();
  const before = new Set(WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name));
  const absent = keep.filter((name) => !before.has(name));
  if (absent.length > 0) throw new Error(`spark wasm: no export ${absent.join(', ')} to keep`);
  const metadce = binaryenTool('wasm-metadce');
  const dir = await mkdtemp(path.join(tmpdir(), 'originxr-wasm-'));
  try {
    const input = path.join(dir, 'in.wasm');
    const graph = path.join(dir, 'graph.json');
    const output = path.join(dir, 'out.wasm');
    await writeFile(input, bytes);
    // the reachability graph: one root per kept export; what no root reaches is removed
    await writeFile(graph, JSON.stringify(keep.map((name) => ({ name, root: true, export: name }))));
    // features come from the module's own target_features section; stdout lists what was
    // removed (thousands of lines), so it is dropped; stderr is shown on failure
    execFileSync(process.execPath, [metadce, input, '--graph-file', graph, '-o', output], {
      stdio: ['ignore', 'ignore', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
    const trimmed = await readFile(output);
    const after = new Set(WebAssembly.Module.exports(new WebAssembly.Module(trimmed)).map((e) => e.name));
    const lost = keep.filter((name) => !after.has(name));
    if (lost.length > 0) throw new Error(`spark wasm: trimming lost ${lost.join(', ')}`);
    if (trimmed.length >= bytes.length) throw new Error('spark wasm: trimming took nothing off');
    return trimmed;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * @param {string} name a binaryen tool
 * @returns {string} the path of its script in the binaryen package (a devDependency)
 */
function binaryenTool(name) {
  const require = createRequire(import.meta.url);
  let root;
  try {
    root = path.dirname(require.resolve('binaryen/package.json'));
  } catch {
    throw new Error('spark wasm: the binaryen package is missing (npm install)');
  }
  return path.join(root, 'bin', name);
}
