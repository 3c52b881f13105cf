#!/usr/bin/env node
/**
 * Converts the price data bundled in `@pydantic/genai-prices` (a maintained, MIT-licensed price
 * catalogue; pinned as a dev dependency) into `config/model-prices.snapshot.json`, the bundled
 * default prices the PriceSeeder loads into `model_prices`. Run after bumping the package:
 *
 *   node scripts/import-genai-prices.mjs [--date YYYY-MM-DD] [--out config/model-prices.snapshot.json]
 *
 * Conversion rules (the snapshot repeats them in its `notes`):
 * - Providers anthropic, openai, google (in that order; the first one to claim a pattern wins).
 *   Google's Vertex copies of Claude models are left to the anthropic provider.
 * - Matching: `equals X` → exact `X`; `starts_with X` → `X*`; `contains X` → `X*`; `ends_with X`
 *   → exact `X`; a regex → `L*` where L is its literal head (`^claude-opus-5-\d{8}$` →
 *   `claude-opus-5-*`), skipped when it has none; `and` → its first convertible member. CCH
 *   prefers exact names, then the longest prefix, so the approximations only widen a match.
 * - Prices per million tokens, written as decimal strings from the source numbers. A cache price
 *   the source leaves out is what genai-prices itself charges for it: cache reads and 5-minute
 *   writes at the input price, 1-hour writes at the 5-minute write price. So every bundled row is
 *   explicit and CCH's own fallbacks (1.25× / 2× / 0.1× input) only apply to admin rows.
 * - Tiered prices (one tier whose `start` is the same for every token kind) become the long-context
 *   tier: threshold = start, applied when total input tokens exceed it (genai-prices' rule too).
 * - Conditional prices: the unconstrained period is effective since 1970-01-01; a `start_date`
 *   period is effective from that date 00:00 UTC. Time-of-day periods cannot be expressed: skipped.
 * - Models without both an input and an output token price (embeddings, audio-only, free) are
 *   skipped; non-token prices (web searches, audio, images) are ignored.
 */
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const PACKAGE = '@pydantic/genai-prices';
const { findProvider } = require(PACKAGE);
// The package's `exports` hide package.json; read it next to the resolved entry point.
const { version } = JSON.parse(
  readFileSync(join(dirname(require.resolve(PACKAGE)), '..', 'package.json'), 'utf8'),
);

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PROVIDERS = ['anthropic', 'openai', 'google'];
const SINCE_ALWAYS = '1970-01-01T00:00:00.000Z';

const args = parseArgs(process.argv.slice(2));
const date = args.date ?? new Date().toISOString().slice(0, 10);
const out = resolve(ROOT, args.out ?? join('config', 'model-prices.snapshot.json'));

const prices = [];
const skipped = [];
const claimed = new Map();

for (const providerId of PROVIDERS) {
  const provider = findProvider({ providerId });
  if (!provider) throw new Error(`${PACKAGE}@${version} has no provider "${providerId}"`);
  for (const model of provider.models) {
    const sourceModel = `${providerId}/${model.id}`;
    if (providerId === 'google' && model.id.startsWith('claude')) continue;
    const patterns = patternsOf(model.match);
    if (patterns.length === 0) {
      skipped.push({ sourceModel, reason: 'no convertible match rule' });
      continue;
    }
    const periods = [];
    let reason = null;
    const entries = Array.isArray(model.prices) ? model.prices : [{ prices: model.prices }];
    for (const entry of entries) {
      const from = effectiveFrom(entry.constraint);
      if (from === null) {
        reason = `unsupported price constraint ${JSON.stringify(entry.constraint)}`;
        break;
      }
      const converted = convertPrices(entry.prices);
      if (typeof converted === 'string') {
        reason = converted;
        break;
      }
      periods.push({ effectiveFrom: from, ...converted });
    }
    if (reason !== null) {
      skipped.push({ sourceModel, reason });
      continue;
    }
    for (const pattern of patterns) {
      const owner = claimed.get(pattern);
      if (owner !== undefined) {
        if (owner !== sourceModel) {
          skipped.push({ sourceModel, pattern, reason: `pattern already taken by ${owner}` });
        }
        continue;
      }
      claimed.set(pattern, sourceModel);
      for (const period of periods) prices.push({ model: pattern, sourceModel, ...period });
    }
  }
}

prices.sort((a, b) => cmp(a.model, b.model) || cmp(a.effectiveFrom, b.effectiveFrom));

const snapshot = {
  source: `${PACKAGE}@${version}`,
  date,
  generatedBy: 'scripts/import-genai-prices.mjs',
  notes:
    'Prices in USD per million tokens. Patterns ending in * match by prefix (CCH: exact name first, then the longest prefix). ' +
    'Missing cache prices are filled as genai-prices charges them (reads and 5m writes at input, 1h writes at the 5m write price). ' +
    'Long-context tier: applies to the whole request when input + cache read + cache writes exceed longContextThreshold. ' +
    'effectiveFrom 1970-01-01 means "since always". Generated data: do not edit by hand, re-run the script.',
  providers: PROVIDERS,
  prices,
  skipped,
};

writeFileSync(out, `${JSON.stringify(snapshot, null, 2)}\n`);
console.log(
  `${snapshot.source}: ${prices.length} price rows for ${claimed.size} patterns, ` +
    `${skipped.length} skipped → ${out}`,
);

function patternsOf(match) {
  if ('or' in match) return unique(match.or.flatMap(patternsOf));
  if ('and' in match) {
    for (const member of match.and) {
      const found = patternsOf(member);
      if (found.length > 0) return found;
    }
    return [];
  }
  if ('equals' in match) return [match.equals];
  if ('ends_with' in match) return [match.ends_with];
  if ('starts_with' in match) return [`${match.starts_with}*`];
  if ('contains' in match) return [`${match.contains}*`];
  if ('regex' in match) {
    const head = literalHead(match.regex);
    return head === null ? [] : [`${head}*`];
  }
  return [];
}

/** The literal text a `^…` regex starts with (escaped dots unescaped), or null when too short. */
function literalHead(regex) {
  if (!regex.startsWith('^')) return null;
  let head = '';
  for (let index = 1; index < regex.length; index += 1) {
    const char = regex[index];
    if (char === '\\' && regex[index + 1] === '.') {
      head += '.';
      index += 1;
    } else if (/[A-Za-z0-9_:@/-]/.test(char)) {
      head += char;
    } else {
      break;
    }
  }
  // A quantifier right after the head applies to its last character: drop that character.
  const next = regex[1 + head.length + countEscapes(head)];
  if (next === '?' || next === '*' || next === '{') head = head.slice(0, -1);
  return head.length >= 3 ? head : null;
}

function countEscapes(text) {
  return (text.match(/\./g) ?? []).length;
}

function effectiveFrom(constraint) {
  if (constraint === undefined) return SINCE_ALWAYS;
  if (constraint.type === 'start_date' && /^\d{4}-\d{2}-\d{2}$/.test(constraint.start_date)) {
    return new Date(`${constraint.start_date}T00:00:00.000Z`).toISOString();
  }
  return null;
}

/** The CCH price terms of one genai-prices price set, or a reason it cannot be expressed. */
function convertPrices(source) {
  const input = source.input_mtok;
  const output = source.output_mtok;
  if (input === undefined || output === undefined) return 'no input and output token prices';
  // What genai-prices charges for each kind when its own price is absent.
  const kinds = {
    input,
    output,
    cacheWrite5m: source.cache_write_5m_mtok ?? source.cache_write_mtok ?? input,
    cacheWrite1h:
      source.cache_write_1h_mtok ?? source.cache_write_5m_mtok ?? source.cache_write_mtok ?? input,
    cacheRead: source.cache_read_mtok ?? input,
  };
  const starts = new Set();
  for (const value of Object.values(kinds)) {
    if (typeof value === 'object') {
      if (value.tiers.length !== 1) return `${value.tiers.length} price tiers (only one supported)`;
      starts.add(value.tiers[0].start);
    }
  }
  if (starts.size > 1) return `tiers start at different sizes: ${[...starts].join(', ')}`;
  const base = {};
  const long = {};
  for (const [kind, value] of Object.entries(kinds)) {
    base[kind] = decimal(typeof value === 'object' ? value.base : value);
    long[kind] = decimal(typeof value === 'object' ? value.tiers[0].price : value);
  }
  if (starts.size === 0) {
    return { ...base, longContextThreshold: null };
  }
  return {
    ...base,
    longContextThreshold: [...starts][0],
    longInput: long.input,
    longOutput: long.output,
    longCacheWrite5m: long.cacheWrite5m,
    longCacheWrite1h: long.cacheWrite1h,
    longCacheRead: long.cacheRead,
  };
}

/** A source number as a plain decimal string (the shortest form that round-trips, no exponent). */
function decimal(value) {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`not a price: ${String(value)}`);
  }
  const text = String(value);
  if (!/e/i.test(text)) return text;
  return value.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
}

function unique(values) {
  return [...new Set(values)];
}

function cmp(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function parseArgs(argv) {
  const parsed = {};
  for (let index = 0; index < argv.length; index += 1) {
    const flag = argv[index];
    if (flag === '--date' || flag === '--out') {
      parsed[flag.slice(2)] = argv[index + 1];
      index += 1;
    } else {
      throw new Error(`unknown argument ${flag}`);
    }
  }
  return parsed;
}
