// Bundle web/xr into web/static/dist with hashed names and write dist/manifest.json,
// which maps entry names ("boot", "viewer", "tour", "splats") to their hashed files for the
// Flask app. "splats" (Spark and its inline WASM, ~1 MB gzipped) is its own entry so that
// nothing loads it until a snapshot is shown: viewer.js reaches it only through import().
// "tour" (panels, XR locomotion, AR placement) likewise loads only when a tour starts.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.join(here, 'static', 'dist');

/**
 * Build the bundles and return the entry → file map written to manifest.json.
 * @returns {Promise<Record<string, {file: string, imports: string[]}>>}
 */
export async function build() {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
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
  await nameChunksInBoot(manifest);
  await writeFile(path.join(outdir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  // Precompressed siblings (of the files now in dist: boot's name changed above): the server sends `x.js.br` to clients that accept brotli and
  // `x.js.gz` to those that accept gzip, so a phone on a slow network downloads a quarter to
  // a third of the bytes without per-request work. Brotli at quality 11 (its best, slow to
  // write, as fast as any to read) takes ~25 % off gzip -9 on the Spark chunk.
  for (const name of await readdir(outdir)) {
    if (!name.endsWith('.js')) continue;
    const output = path.join(outdir, name);
    const source = await readFile(output);
    await writeFile(`${output}.gz`, gzipSync(source, { level: 9 }));
    const brotliParams = {
      [zlibConstants.BROTLI_PARAM_QUALITY]: zlibConstants.BROTLI_MAX_QUALITY,
      [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT,
      [zlibConstants.BROTLI_PARAM_SIZE_HINT]: source.length,
    };
    await writeFile(`${output}.br`, brotliCompressSync(source, { params: brotliParams }));
  }
  return manifest;
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
  for (const entry of ['viewer', 'tour', 'splats']) {
    if (manifest[entry]) chunks[entry] = [manifest[entry].file, ...manifest[entry].imports];
  }
  const file = path.join(outdir, manifest.boot.file);
  const code = await readFile(file, 'utf8');
  const placeholder = /(["'`])__ORIGINXR_CHUNKS__\1/g;
  const found = code.match(placeholder) ?? [];
  if (found.length !== 1) throw new Error(`boot bundle: ${found.length} chunk placeholders, not 1`);
  const named = code.replace(placeholder, JSON.stringify(JSON.stringify(chunks)));
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
