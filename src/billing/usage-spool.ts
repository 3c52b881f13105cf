import { appendFile, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RecordUsagePayload } from '../jobs/job-payloads';

const SPOOL_FILE = 'usage-spool.jsonl';
const REPLAY_FILE = 'usage-spool.replaying.jsonl';

/**
 * Last resort for usage records when both Redis and Postgres are unreachable: one JSON line per
 * record in a local file, replayed into Postgres when it is back. Replays are safe to repeat
 * because the ledger ignores a request id it already has.
 */
export class UsageSpool {
  constructor(private readonly directory: string) {}

  async append(payload: RecordUsagePayload): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    await appendFile(join(this.directory, SPOOL_FILE), `${JSON.stringify(payload)}\n`, {
      mode: 0o600,
    });
  }

  /**
   * Moves the spool aside (so new appends start a fresh file), writes each record, and puts back
   * the ones that still fail. Returns how many were written and how many remain spooled.
   */
  async replay(write: (payload: RecordUsagePayload) => Promise<unknown>): Promise<{
    written: number;
    remaining: number;
  }> {
    const spool = join(this.directory, SPOOL_FILE);
    const replaying = join(this.directory, REPLAY_FILE);
    // A crash mid-replay leaves the side file behind; finish it first.
    const leftover = await readFile(replaying, 'utf8').catch(() => '');
    const moved = await rename(spool, replaying).then(
      () => true,
      () => false,
    );
    const current = moved ? await readFile(replaying, 'utf8') : '';
    const lines = `${leftover}${moved && leftover ? '\n' : ''}${current}`
      .split('\n')
      .filter((line) => line.trim().length > 0);
    if (lines.length === 0) {
      await rm(replaying, { force: true });
      return { written: 0, remaining: 0 };
    }
    let written = 0;
    const failed: string[] = [];
    for (const line of lines) {
      try {
        await write(JSON.parse(line) as RecordUsagePayload);
        written += 1;
      } catch {
        failed.push(line);
      }
    }
    if (failed.length > 0) {
      await appendFile(spool, `${failed.join('\n')}\n`, { mode: 0o600 });
    }
    await rm(replaying, { force: true });
    return { written, remaining: failed.length };
  }
}
