#!/usr/bin/env node
// Runs a TypeScript entry point without type-checking: esbuild bundles the project's own files
// in memory (dependencies stay external and load from node_modules), then Node runs the result.
// About 0.05 s, against about 0.45 s for a tsx loader; `npm run typecheck` checks types.
'use strict';
const path = require('node:path');
const Module = require('node:module');
const esbuild = require('esbuild');

const [entry, ...args] = process.argv.slice(2);
if (!entry || entry === '-h' || entry === '--help') {
  process.stderr.write('usage: node scripts/run-ts.js <file.ts> [args...]\n');
  process.exit(entry ? 0 : 2);
}
const file = path.resolve(entry);
const result = esbuild.buildSync({
  entryPoints: [file],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  write: false,
  logLevel: 'error',
});
process.argv = [process.argv[0], file, ...args];
const compiled = new Module(file, module);
compiled.filename = file;
compiled.paths = Module._nodeModulePaths(path.dirname(file));
process.setSourceMapsEnabled(true);
compiled._compile(result.outputFiles[0].text, file);
