#!/usr/bin/env node
'use strict';
/**
 * Runs `npm ci` when node_modules is missing or older than package-lock.json, so a fresh
 * clone or a pulled lockfile change "just works" with `npm start` / `npm test`.
 * Plain Node with no dependencies: it must run before node_modules exists.
 * npm writes node_modules/.package-lock.json on every install, so its mtime is the
 * "installed at" stamp; two stat calls keep the common case instant.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const lockfile = path.join(root, 'package-lock.json');
const installedStamp = path.join(root, 'node_modules', '.package-lock.json');

function mtimeMs(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

const lockTime = mtimeMs(lockfile);
const installedTime = mtimeMs(installedStamp);

if (lockTime === undefined) {
  console.error('ensure-deps: package-lock.json is missing; run `npm install` once to create it.');
  process.exit(1);
}
if (installedTime !== undefined && installedTime >= lockTime) process.exit(0);

console.error(
  installedTime === undefined
    ? 'ensure-deps: node_modules is missing; running `npm ci`…'
    : 'ensure-deps: package-lock.json changed since the last install; running `npm ci`…',
);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const result = spawnSync(npm, ['ci'], { cwd: root, stdio: 'inherit' });
if (result.error || result.status !== 0) {
  const why = result.error ? result.error.message : `exit code ${result.status}`;
  console.error(
    `ensure-deps: \`npm ci\` failed (${why}). Fix the error above (network access to the npm registry, ` +
      'Node >= 20), then rerun; or run `npm ci` yourself.',
  );
  process.exit(1);
}
