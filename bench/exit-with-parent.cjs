// Preloaded (`node --require`) into the CCH child of the benchmark: the bench holds this
// process's stdin open, so when the bench dies in any way (even SIGKILL) stdin ends and CCH exits
// instead of living on with the scratch database and Redis DB.
'use strict';
if (process.env.BENCH_CHILD === '1' && process.stdin) {
  const leave = () => process.exit(0);
  process.stdin.on('end', leave);
  process.stdin.on('error', leave);
  process.stdin.resume();
  // Do not keep the event loop alive on stdin's account alone.
  if (typeof process.stdin.unref === 'function') process.stdin.unref();
}
