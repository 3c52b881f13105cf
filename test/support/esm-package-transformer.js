/**
 * Jest transformer for ESM-only dependencies (NestJS 12 ships ESM only).
 *
 * The app itself runs them through Node's require(esm), but Jest's CommonJS runtime can only do
 * that from Node 24.9; on Node 20 it hands such files to a transform instead. This one rewrites
 * `import.meta.url` (which has no CommonJS meaning) and lets TypeScript turn the module syntax
 * into CommonJS. Test-only: nothing here is used by the running gateway.
 */
const { createHash } = require('node:crypto');
const { existsSync, readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const ts = require('typescript');

const packageTypeByDir = new Map();

/** Node's own rule: `.mjs`, or `.js` under a package.json with `"type": "module"`. */
function isEsmFile(path) {
  if (path.endsWith('.mjs')) return true;
  if (!path.endsWith('.js')) return false;
  let dir = dirname(path);
  const visited = [];
  while (!packageTypeByDir.has(dir)) {
    visited.push(dir);
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      packageTypeByDir.set(dir, JSON.parse(readFileSync(manifest, 'utf8')).type === 'module');
      break;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      packageTypeByDir.set(dir, false);
      break;
    }
    dir = parent;
  }
  const isModule = packageTypeByDir.get(dir);
  for (const seen of visited) packageTypeByDir.set(seen, isModule);
  return isModule;
}

const CREATE_REQUIRE = /^(\s*)const\s+(\w+)\s*=\s*createRequire\(import\.meta\.url\);/gm;

function rewriteImportMeta(source) {
  return source
    .replace(CREATE_REQUIRE, (_, indent, name) =>
      // The CommonJS wrapper already provides `require`; redeclaring it is a SyntaxError.
      name === 'require'
        ? `${indent}/* require provided by CommonJS */`
        : `${indent}const ${name} = require;`,
    )
    .replace(/createRequire\(import\.meta\.url\)/g, 'require')
    .replace(/import\.meta\.url/g, "require('node:url').pathToFileURL(__filename).href");
}

module.exports = {
  getCacheKey(source, path) {
    return createHash('sha256')
      .update('esm-package-transformer-v2')
      .update(path)
      .update(source)
      .digest('hex');
  },
  process(source, path) {
    if (!isEsmFile(path)) {
      return { code: source };
    }
    const output = ts.transpileModule(rewriteImportMeta(source), {
      fileName: path,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        allowJs: true,
        esModuleInterop: true,
        sourceMap: false,
      },
    });
    return { code: output.outputText };
  },
};
