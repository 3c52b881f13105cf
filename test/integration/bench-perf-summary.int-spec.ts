import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * bench/perf-summary.mjs, run as the bench README says (`perf script | node bench/perf-summary.mjs`)
 * on a hand-written `perf script` excerpt: six samples whose right charging is known.
 */
const SCRIPT = join(__dirname, '..', '..', 'bench', 'perf-summary.mjs');

const sample = (header: string, frames: string[]): string =>
  `${header}\n${frames.map((frame) => `\t    ${frame}`).join('\n')}\n\n`;

const PERF_SCRIPT = [
  // A write: kernel and libc frames under Node's socket code, under CCH's proxy.
  sample('MainThread 100  10.000001:     250000 cpu-clock: ', [
    'ffffffff81000001 tcp_sendmsg_locked+0x11 ([kernel.kallsyms])',
    '7f0000000001 __writev+0x19 (/usr/lib/x86_64-linux-gnu/libc.so.6)',
    "7f79e6b10739 JS:*'Socket._writeGeneric node:net:1231:42+0x9b9 (/tmp/perf-100.map)",
    "7f79e6adf2a4 JS:*'finishJson /srv/cch/dist/src/proxy/proxy-pipeline.service.js:271:15+0x4 (/tmp/perf-100.map)",
  ]),
  // A builtin called from CCH's limits code, optimized and interpreted: one function.
  sample('MainThread 100  10.000002:     250000 cpu-clock: ', [
    '16361be Builtins_KeyedLoadIC_Megamorphic+0x7e (/usr/bin/node)',
    "7f79e6b32200 JS:*'admittedHeaders /srv/cch/dist/src/limits/limit-headers.js:48:25+0x10 (/tmp/perf-100.map)",
  ]),
  sample('MainThread 100  10.000003:     250000 cpu-clock: ', [
    '7f79e6b32300 JS:~admittedHeaders /srv/cch/dist/src/limits/limit-headers.js:48:25+0x20 (/tmp/perf-100.map)',
  ]),
  sample('MainThread 100  10.000004:     250000 cpu-clock: ', [
    "7f79e6b32400 JS:*'_resume /srv/cch/node_modules/undici/lib/dispatcher/client.js:589:18+0x8 (/tmp/perf-100.map)",
  ]),
  // V8's compiler on its own thread, and the main thread outside any JS.
  sample('V8Worker 101  10.000005:     250000 cpu-clock: ', [
    'be48a4 v8::internal::compiler::GraphReducer::ReduceTop+0x16c4 (/usr/bin/node)',
  ]),
  sample('MainThread 100  10.000006:     250000 cpu-clock: ', [
    '7f0000000002 malloc+0x30 (/usr/lib/x86_64-linux-gnu/libc.so.6)',
  ]),
].join('');

/**
 * Node 20 names every thread `node`: the main thread is told apart by its id, the pid whose
 * `/tmp/perf-<pid>.map` names its JS frames (here 200; 201 is a helper thread).
 */
const NODE20_PERF_SCRIPT = [
  sample('node 200  10.000001:     250000 cpu-clock: ', [
    "7f79e6b32200 JS:*'admittedHeaders /srv/cch/dist/src/limits/limit-headers.js:48:25+0x10 (/tmp/perf-200.map)",
  ]),
  sample('node 200  10.000002:     250000 cpu-clock: ', [
    'be48a4 v8::internal::ScavengerCollector::CollectGarbage+0x16 (/usr/bin/node)',
  ]),
  sample('node 201  10.000003:     250000 cpu-clock: ', [
    'be48a4 v8::internal::compiler::GraphReducer::ReduceTop+0x16c4 (/usr/bin/node)',
  ]),
  sample('node 201  10.000004:     250000 cpu-clock: ', [
    'be48a4 v8::internal::compiler::GraphReducer::ReduceTop+0x16c4 (/usr/bin/node)',
  ]),
].join('');

describe('bench perf summary', () => {
  const run = (input = PERF_SCRIPT): string => {
    const result = spawnSync(process.execPath, [SCRIPT, '10'], {
      input,
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    return result.stdout;
  };

  it('charges each main-thread sample to its nearest JS frame, by package', () => {
    const out = run();
    expect(out).toMatch(/^6 samples/);
    const packages = out.split('Outside JS')[0];
    expect(packages).toMatch(/33\.33 %\s+cch:limits/);
    expect(packages).toMatch(/16\.67 %\s+node-core/);
    expect(packages).toMatch(/16\.67 %\s+dep:undici/);
    // The proxy frame is not the nearest JS frame of any sample.
    expect(packages).not.toContain('cch:proxy');
  });

  it("merges a function's tiers and lists other threads and frames outside JS apart", () => {
    const out = run();
    const [, outside, functions] = out.split(/\n(?=Outside JS|Top 10)/);
    expect(outside).toMatch(/16\.67 %\s+thread V8Worker/);
    expect(outside).toMatch(/16\.67 %\s+main thread, no JS frame: malloc/);
    expect(functions).toMatch(
      /33\.33 %\s+JS:admittedHeaders \/srv\/cch\/dist\/src\/limits\/limit-headers\.js:48:25/,
    );
    expect(functions).toMatch(/16\.67 %\s+JS:Socket\._writeGeneric node:net:1231:42/);
  });

  it('tells the main thread by its id where every thread has the same name (Node 20)', () => {
    const out = run(NODE20_PERF_SCRIPT);
    const [packages, outside] = out.split(/\n(?=Outside JS)/);
    expect(packages).toMatch(/25\.00 %\s+cch:limits/);
    expect(outside).toMatch(/50\.00 %\s+thread node/);
    expect(outside).toMatch(
      /25\.00 %\s+main thread, no JS frame: v8::internal::ScavengerCollector/,
    );
  });
});
