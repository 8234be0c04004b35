// Bundle web/xr into web/static/dist with hashed names and write dist/manifest.json,
// which maps entry names ("boot", "viewer", "tour", "splats") to their hashed files for the
// Flask app. "splats" (Spark and its inline WASM, ~1 MB gzipped) is its own entry so that
// nothing loads it until a snapshot is shown: viewer.js reaches it only through import().
// "tour" (panels, XR locomotion, AR placement) likewise loads only when a tour starts.
// Spark's WebAssembly (1.7 MB, inlined by Spark as base64) is taken out of the "splats" chunk
// into its own hashed `spark-*.wasm` (sparkWasmOutside below), trimmed to the exports our path
// reaches (trimWasm.mjs, web/spark-wasm-keep.json).
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { SPARK_WASM, trimSparkWasm } from './trimWasm.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.join(here, 'static', 'dist');

/**
 * Build the bundles and return the entry → file map written to manifest.json.
 * @returns {Promise<Record<string, {file: string, imports: string[]}>>}
 */
export async function build() {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const wasm = sparkWasmOutside();
  const entryPoints = {
    boot: path.join(here, 'xr', 'boot.js'),
    viewer: path.join(here, 'xr', 'viewer.js'),
    tour: path.join(here, 'xr', 'tour', 'tour.js'),
    splats: path.join(here, 'xr', 'splats', 'splatLayer.js'),
  };
  // the metafile names entry points by their path relative to the working directory
  const names = new Map(
    Object.entries(entryPoints).map(([name, file]) => [path.relative(process.cwd(), file), name]),
  );
  const result = await esbuild.build({
    entryPoints,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    minify: true,
    target: ['es2020'],
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    metafile: true,
    legalComments: 'linked',
    logLevel: 'warning',
    plugins: [wasm.plugin],
  });
  /** @type {Record<string, {file: string, imports: string[]}>} */
  const manifest = {};
  for (const [output, info] of Object.entries(result.metafile.outputs)) {
    if (!info.entryPoint || !output.endsWith('.js')) continue;
    const name = names.get(info.entryPoint) ?? path.basename(info.entryPoint, '.js');
    manifest[name] = {
      file: path.basename(output),
      imports: info.imports.filter((i) => i.kind === 'import-statement').map((i) => path.basename(i.path)),
    };
  }
  if (manifest.splats && wasm.file) manifest.splats.imports.push(wasm.file);
  await nameChunksInBoot(manifest);
  await writeFile(path.join(outdir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  // Precompressed siblings (of the files now in dist: boot's name changed above): the server sends `x.js.br` to clients that accept brotli and
  // `x.js.gz` to those that accept gzip, so a phone on a slow network downloads a quarter to
  // a third of the bytes without per-request work. Brotli at quality 11 (its best, slow to
  // write, as fast as any to read) takes ~25 % off gzip -9 on the Spark chunk.
  for (const name of await readdir(outdir)) {
    if (!name.endsWith('.js') && !name.endsWith('.wasm')) continue;
    const output = path.join(outdir, name);
    const source = await readFile(output);
    await writeFile(`${output}.gz`, gzipSync(source, { level: 9 }));
    const brotliParams = {
      [zlibConstants.BROTLI_PARAM_QUALITY]: zlibConstants.BROTLI_MAX_QUALITY,
      [zlibConstants.BROTLI_PARAM_MODE]: name.endsWith('.js')
        ? zlibConstants.BROTLI_MODE_TEXT
        : zlibConstants.BROTLI_MODE_GENERIC,
      [zlibConstants.BROTLI_PARAM_LGWIN]: zlibConstants.BROTLI_MAX_WINDOW_BITS,
      [zlibConstants.BROTLI_PARAM_SIZE_HINT]: source.length,
    };
    await writeFile(`${output}.br`, brotliCompressSync(source, { params: brotliParams }));
  }
  return manifest;
}

// Spark's module as published, whose inline WASM SPARK_WASM (trimWasm.mjs) finds
const SPARK_MODULE = /[\\/]@sparkjsdev[\\/]spark[\\/]dist[\\/]spark\.module\.js$/;

/**
 * An esbuild plugin that writes Spark's inline WebAssembly to `dist/spark-<hash>.wasm` and
 * has Spark fetch it instead. Why: as base64 inside the script it is 2.2 MB that brotli only
 * takes to 595 KB, while the binary goes to 416 KB; the browser must also parse the string
 * and decode it on the main thread before compiling. As its own file it is compiled while it
 * downloads (`WebAssembly.compileStreaming`), it can be fetched beside the script rather
 * than inside it, and the idle warm-up prefetches it like any other chunk. It is also trimmed
 * first (trimWasm.mjs: 416 → 323 KB brotli); a binaryen failure fails the build.
 * A Spark release that inlines it differently fails the build here, not in a shopper's phone.
 * @returns {{plugin: import('esbuild').Plugin, file: string | null}} `file` is set once built
 */
function sparkWasmOutside() {
  const state = {
    /** @type {string | null} */
    file: null,
    /** @type {import('esbuild').Plugin} */
    plugin: {
      name: 'spark-wasm-outside',
      setup(b) {
        b.onLoad({ filter: SPARK_MODULE }, async (args) => {
          const code = await readFile(args.path, 'utf8');
          const found = [...code.matchAll(SPARK_WASM)];
          if (found.length !== 1) {
            throw new Error(`${args.path}: ${found.length} inline WASM modules, not 1`);
          }
          const inline = Buffer.from(found[0][1], 'base64');
          if (inline.subarray(0, 4).toString('latin1') !== '\0asm') {
            throw new Error(`${args.path}: the inline WASM does not start with \\0asm`);
          }
          // the name's hash is of the trimmed bytes: a change to the kept exports renames it
          const bytes = await trimSparkWasm(inline);
          const hash = createHash('sha256').update(bytes).digest('base64url').slice(0, 8);
          state.file = `spark-${hash.toUpperCase().replace(/[-_]/g, 'X')}.wasm`;
          await writeFile(path.join(outdir, state.file), bytes);
          // compileStreaming needs `application/wasm`; anything else (a proxy rewriting the
          // type) falls back to compiling the downloaded bytes
          const fetchWasm = `const WASM_MODULE = fetch(new URL(${JSON.stringify(`./${state.file}`)}, import.meta.url)).then((response) => {
  if (!response.ok) throw new Error("spark wasm: HTTP " + response.status);
  return (response.headers.get("Content-Type") || "").startsWith("application/wasm")
    ? WebAssembly.compileStreaming(response)
    : response.arrayBuffer().then((bytes) => WebAssembly.compile(bytes));
});`;
          const index = found[0].index ?? 0;
          const contents = code.slice(0, index) + fetchWasm + code.slice(index + found[0][0].length);
          return { contents, loader: 'js' };
        });
      },
    },
  };
  return state;
}

/**
 * Write the lazy entries' file lists into the boot bundle, in place of the placeholder
 * boot.js holds, so it can hint them (modulepreload on a tap, prefetch at idle) without
 * asking for manifest.json; then rename boot after its new content, as its name must change
 * whenever its bytes do (it is cached as immutable).
 * @param {Record<string, {file: string, imports: string[]}>} manifest changed in place
 */
async function nameChunksInBoot(manifest) {
  /** @type {Record<string, string[]>} */
  const chunks = {};
  // the tour's and Spark's lists leave out what the viewer's names: it is always asked for
  // (and cached) first, and the boot bundle stays small
  const viewer = new Set(manifest.viewer ? [manifest.viewer.file, ...manifest.viewer.imports] : []);
  for (const entry of ['viewer', 'tour', 'splats']) {
    if (!manifest[entry]) continue;
    const files = [manifest[entry].file, ...manifest[entry].imports];
    chunks[entry] = entry === 'viewer' ? files : files.filter((f) => !viewer.has(f));
  }
  const file = path.join(outdir, manifest.boot.file);
  const code = await readFile(file, 'utf8');
  const placeholder = /(["'`])__ORIGINXR_CHUNKS__\1/g;
  const found = code.match(placeholder) ?? [];
  if (found.length !== 1) throw new Error(`boot bundle: ${found.length} chunk placeholders, not 1`);
  // a single-quoted string: the JSON's own double quotes need no escapes (file names hold
  // neither quotes nor backslashes)
  const json = JSON.stringify(chunks);
  if (/['\\\n]/.test(json)) throw new Error(`boot bundle: chunk names need quoting: ${json}`);
  const named = code.replace(placeholder, `'${json}'`);
  const hash = createHash('sha256').update(named).digest('base64url').slice(0, 8).toUpperCase();
  const renamed = `boot-${hash}.js`;
  await writeFile(path.join(outdir, renamed), named);
  if (renamed !== manifest.boot.file) await rm(file);
  manifest.boot.file = renamed;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const manifest = await build();
  console.log(JSON.stringify(manifest));
}
