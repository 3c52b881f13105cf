// Installs the Factory Droid CLI for the end-to-end tests when it is missing.
//
// It is not in package.json on purpose: its package lists one optional binary package per
// platform, and the npm registry reachable here serves only the Linux x64 one, so a lockfile
// holding it makes `npm ci` (and the quick start) fail. `npm install --no-save` tolerates the
// missing optional packages and leaves package.json and the lockfile alone.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const DROID = 'droid@0.215.0';

if (!existsSync('node_modules/droid/package.json')) {
  console.log(`[pretest] installing ${DROID} for the CLI end-to-end tests`);
  execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', DROID], { stdio: 'inherit' });
}
