#!/usr/bin/env node
// Runs a TypeScript entry point without type-checking: esbuild bundles the project's own files
// (dependencies stay external and load from node_modules), then Node runs the result in this
// process. The bundle is cached in node_modules/.cache/run-ts, keyed by the content of every file
// it was built from, so an unchanged app starts without esbuild at all (esbuild's first build in
// a process costs about 0.15 s; tsx's loader cost about 0.45 s). `npm run typecheck` checks types.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');

const [entry, ...args] = process.argv.slice(2);
if (!entry || entry === '-h' || entry === '--help') {
  process.stderr.write('usage: node scripts/run-ts.js <file.ts> [args...]\n');
  process.exit(entry ? 0 : 2);
}
const file = path.resolve(entry);
const root = path.resolve(__dirname, '..');
const cacheDir = path.join(root, 'node_modules', '.cache', 'run-ts');
const cacheFile = path.join(cacheDir, `${sha1(file)}.json`);

function sha1(text) {
  return crypto.createHash('sha1').update(text).digest('hex');
}

/** The cached bundle, if every file it was built from is unchanged. */
function cachedBundle() {
  let cached;
  try {
    cached = JSON.parse(fs.readFileSync(cacheFile, 'utf8'));
  } catch {
    return undefined;
  }
  for (const [input, hash] of Object.entries(cached.inputs)) {
    let content;
    try {
      content = fs.readFileSync(path.resolve(root, input));
    } catch {
      return undefined;
    }
    if (sha1(content) !== hash) return undefined;
  }
  return cached.code;
}

function bundle() {
  const result = require('esbuild').buildSync({
    entryPoints: [file],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    metafile: true,
    write: false,
    logLevel: 'error',
  });
  const code = result.outputFiles[0].text;
  const inputs = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    inputs[input] = sha1(fs.readFileSync(path.resolve(root, input)));
  }
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    const temporary = `${cacheFile}.${process.pid}`;
    fs.writeFileSync(temporary, JSON.stringify({ inputs, code }));
    fs.renameSync(temporary, cacheFile);
  } catch {
    // A read-only node_modules only costs the cache.
  }
  return code;
}

const code = cachedBundle() ?? bundle();
process.argv = [process.argv[0], file, ...args];
const compiled = new Module(file, module);
compiled.filename = file;
compiled.paths = Module._nodeModulePaths(path.dirname(file));
process.setSourceMapsEnabled(true);
compiled._compile(code, file);
