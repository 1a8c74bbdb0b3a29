#!/usr/bin/env node
// Runs a TypeScript entry point without type-checking: a require hook compiles each project .ts
// file with esbuild's transform (one file at a time, so __dirname and module boundaries stay what
// they are in the source), and caches the result in node_modules/.cache/run-ts keyed by the
// file's content. An unchanged app starts without esbuild at all (esbuild's first call in a
// process costs about 0.15 s; tsx's loader cost about 0.45 s). `npm run typecheck` checks types.
'use strict';
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');

const [entry, ...args] = process.argv.slice(2);
if (!entry || entry === '-h' || entry === '--help') {
  process.stderr.write('usage: node scripts/run-ts.js <file.ts> [args...]\n');
  process.exit(entry ? 0 : 2);
}
const root = path.resolve(__dirname, '..');
const cacheDir = path.join(root, 'node_modules', '.cache', 'run-ts');
let esbuild;

function compile(source, filename) {
  const key = createHash('sha1').update(filename).update('\0').update(source).digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    // not cached yet
  }
  esbuild ??= require('esbuild');
  let code;
  try {
    ({ code } = esbuild.transformSync(source, {
      loader: 'ts',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'inline',
      sourcefile: filename,
    }));
  } catch (error) {
    throw sourceError(error, filename);
  }
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    const temporary = `${cached}.${process.pid}`;
    fs.writeFileSync(temporary, code);
    fs.renameSync(temporary, cached);
  } catch {
    // A read-only node_modules only costs the cache.
  }
  return code;
}

/** The code of a SyntaxError for a project file that does not compile (ops/cli.ts reads it too). */
const SOURCE_ERROR = 'ERR_TS_SOURCE';

/**
 * A file that does not compile is a mistake in it, not in this runner: a SyntaxError whose message
 * is esbuild's first error with the file (relative to the project) and line, without its stack.
 */
function sourceError(error, filename) {
  const first = Array.isArray(error.errors) ? error.errors[0] : undefined;
  if (!first) return error;
  const where = first.location
    ? `${path.relative(root, first.location.file || filename)}:${first.location.line}:${first.location.column + 1}`
    : path.relative(root, filename);
  const more = error.errors.length > 1 ? ` (and ${error.errors.length - 1} more)` : '';
  return Object.assign(new SyntaxError(`${where}: ${first.text}${more}`), { code: SOURCE_ERROR });
}

/**
 * An environment file is data a person writes: an error while it runs (a misspelt constant is a
 * ReferenceError, since nothing here checks types) is a mistake in it, said as one line naming
 * the file, like a syntax error. Elsewhere an error while loading is a bug and keeps its stack.
 */
const ENVIRONMENTS_DIR = path.join(root, 'environments');

// Only the project's own TypeScript; dependencies ship JavaScript.
require.extensions['.ts'] = (module, filename) => {
  const code = compile(fs.readFileSync(filename, 'utf8'), filename);
  try {
    module._compile(code, filename);
  } catch (error) {
    if (path.dirname(filename) !== ENVIRONMENTS_DIR || error?.code === SOURCE_ERROR) throw error;
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw Object.assign(new SyntaxError(`${path.relative(root, filename)}: ${what}`), {
      code: SOURCE_ERROR,
    });
  }
};
// Source-mapped stack traces on request only: cdktf records a stack trace for every token it
// creates, and mapping those costs about 0.3 s for the app and 1 s for the 200-secret benchmark.
if (process.env.RUN_TS_SOURCE_MAPS === '1') process.setSourceMapsEnabled(true);

const file = path.resolve(entry);
process.argv = [process.argv[0], file, ...args];
try {
  Module._load(file, null, true);
} catch (error) {
  // A file of the program that does not compile: one line naming it, no stack trace (exit 1).
  if (error?.code !== SOURCE_ERROR) throw error;
  process.stderr.write(`error: ${error.message}\n`);
  process.exitCode = 1;
}
