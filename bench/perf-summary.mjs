// Summarizes `perf script` output of CCH's processes (bench/README.md, "Profiling with perf").
// perf's cpu-clock samples a thread only while it is on a core, so on a busy two-core machine it
// says where the CPU goes; V8's --cpu-prof samples wall time and counts a thread preempted inside
// a system call (a loopback write that wakes its reader) as time in that call.
//
// Each main-thread sample is charged to its nearest JavaScript frame (the function itself plus
// the V8 builtins, runtime and system calls it called), then grouped by package: `cch:<dir>` for
// dist/src/<dir>, `dep:<package>` for node_modules, `node-core` for Node's own modules. Samples of
// other threads (V8's compiler and concurrent GC) and main-thread samples without a JS frame (the
// event loop, scavenges) are listed by thread and leaf.
//
//   perf script -i perf.data | node bench/perf-summary.mjs [top N functions, default 30]
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const TOP = Number(process.argv[2] ?? 30);

/**
 * `JS:name /path/file.js:1:2` or a native symbol, without perf's offset and module, and without
 * V8's tier marker (`*'` optimized, `+'` Maglev, `^` Sparkplug, `~` interpreted), so that one
 * function's samples add up whichever tier ran it.
 */
function frameName(line) {
  const text = line.trim();
  const space = text.indexOf(' ');
  const symbol = space < 0 ? text : text.slice(space + 1);
  return symbol
    .replace(/\+0x[0-9a-f]+ \(.*\)$/, '')
    .replace(/ \(.*\)$/, '')
    .replace(/^JS:[*+^~]?'?/, 'JS:');
}

/** The package a JS frame belongs to. */
function packageOf(frame) {
  const source = frame.match(/ (\/\S+|node:\S+)$/)?.[1] ?? '';
  const own = source.match(/\/dist\/src\/([^/]+)\//);
  if (own) return `cch:${own[1]}`;
  const dependency = source.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (dependency) return `dep:${dependency[1]}`;
  if (source.startsWith('node:')) return 'node-core';
  return 'other JS';
}

/**
 * The ids of main threads: those that ran JS (a frame from `/tmp/perf-<pid>.map` in a sample of
 * thread `<pid>`). Node 24 names its main thread `MainThread`; Node 20 names every thread `node`.
 */
function mainThreadIds(samples) {
  const ids = new Set();
  for (const { tid, mapPids } of samples) if (mapPids.has(tid)) ids.add(tid);
  return ids;
}

/** Counts samples (stack: thread name and id, frames leaf first) into the three tallies. */
function tally(samples) {
  const mainIds = mainThreadIds(samples);
  const functions = new Map();
  const packages = new Map();
  const outside = new Map();
  const add = (map, key) => map.set(key, (map.get(key) ?? 0) + 1);
  let total = 0;
  for (const { thread, tid, frames } of samples) {
    if (frames.length === 0) continue;
    total += 1;
    if (thread !== 'MainThread' && !mainIds.has(tid)) {
      add(outside, `thread ${thread}`);
      continue;
    }
    const js = frames.find((frame) => frame.startsWith('JS:'));
    if (js) {
      add(functions, js);
      add(packages, packageOf(js));
    } else {
      add(outside, `main thread, no JS frame: ${frames[0]}`);
    }
  }
  return { total, functions, packages, outside };
}

/** perf script's sample header: `comm tid time: …` or `comm pid/tid time: …`. */
function parseHeader(line) {
  const [thread, ids = ''] = line.trim().split(/\s+/);
  return { thread, tid: ids.split('/').pop() };
}

async function* readSamples(input) {
  let header = null;
  let frames = [];
  let mapPids = new Set();
  for await (const line of createInterface({ input })) {
    if (line.trim() === '') {
      if (header !== null) yield { ...header, frames, mapPids };
      header = null;
      frames = [];
      mapPids = new Set();
    } else if (!/^\s/.test(line)) {
      header = parseHeader(line);
    } else {
      frames.push(frameName(line));
      const mapPid = line.match(/\(\/tmp\/perf-(\d+)\.map\)$/)?.[1];
      if (mapPid) mapPids.add(mapPid);
    }
  }
  if (header !== null) yield { ...header, frames, mapPids };
}

function print(title, map, total, limit) {
  console.log(`\n${title}`);
  const rows = [...map].sort((a, b) => b[1] - a[1]).slice(0, limit);
  for (const [key, count] of rows) {
    console.log(`${((100 * count) / total).toFixed(2).padStart(6)} %  ${key.slice(0, 150)}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const samples = [];
  for await (const sample of readSamples(process.stdin)) samples.push(sample);
  const { total, functions, packages, outside } = tally(samples);
  console.log(`${total} samples; shares are of all of them`);
  print('By package (nearest JS frame, main thread):', packages, total, 40);
  print('Outside JS (other threads; main thread without a JS frame):', outside, total, 15);
  print(`Top ${TOP} functions (nearest JS frame, main thread):`, functions, total, TOP);
}
