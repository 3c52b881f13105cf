// CPU time of processes, read from /proc: the gateways' and Redis' in `npm run bench`, and the
// Postgres backends of one database (what the ledger's writes cost it) there and in
// `npm run bench:ledger`. The backends count only when Postgres runs on this machine as a user
// whose processes this one can read (true of the dev machine and CI); otherwise they count
// nothing, and the benches print nothing for them.
import { readFileSync } from 'node:fs';

/** user + system CPU of one process so far, in ms (clock ticks are 10 ms on Linux). */
export function processCpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU so far of each backend serving `database`, except the asking connection's own. */
export async function backendsCpu(client, database) {
  const { rows } = await client.query(
    'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [database],
  );
  const cpu = new Map();
  for (const { pid } of rows) {
    try {
      cpu.set(pid, processCpuMs(pid));
    } catch {
      // gone, or a cluster whose processes this user cannot read: not counted
    }
  }
  return cpu;
}

/**
 * CPU the backends spent between two readings, in ms. A backend that started meanwhile counts
 * from zero; one that exited meanwhile is lost (pools keep theirs open while busy).
 */
export function backendsCpuSince(before, after) {
  let ms = 0;
  for (const [pid, now] of after) ms += now - (before.get(pid) ?? 0);
  return ms;
}
