#!/usr/bin/env node
'use strict';
/**
 * Runs `npm ci` when node_modules is missing or was installed from another package-lock.json,
 * so a fresh clone or a pulled lockfile change "just works" with `npm start` / `npm test`.
 * Plain Node with no dependencies: it must run before node_modules exists.
 * What was installed is known by the lockfile's hash, kept in node_modules after each
 * install: a checkout or merge that only touches the file's mtime costs no reinstall.
 * Otherwise npm's own node_modules/.package-lock.json being newer than the lockfile counts as
 * installed from it (an `npm install <pkg>` just now).
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');

const root = path.resolve(__dirname, '..');
const lockfile = path.join(root, 'package-lock.json');
const installedStamp = path.join(root, 'node_modules', '.package-lock.json');
const hashStamp = path.join(root, 'node_modules', '.slipway-lock-sha256');

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
const lockHash = createHash('sha256').update(fs.readFileSync(lockfile)).digest('hex');
const rememberInstalled = () => {
  fs.mkdirSync(path.dirname(hashStamp), { recursive: true });
  fs.writeFileSync(hashStamp, `${lockHash}\n`);
};
if (installedTime !== undefined) {
  let stamped;
  try {
    stamped = fs.readFileSync(hashStamp, 'utf8').trim();
  } catch {
    stamped = undefined;
  }
  if (stamped === lockHash) process.exit(0);
  // Installed after the lockfile last changed (e.g. by `npm install <pkg>`): it matches.
  if (installedTime >= lockTime) {
    rememberInstalled();
    process.exit(0);
  }
}

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
rememberInstalled();
