/** Frontend message types of Postgres' COPY sub-protocol. */
const COPY_DATA = 0x64; // 'd'
const COPY_DONE = 0x63; // 'c'

/** The parts of pg's Connection a COPY needs: its socket and the simple-query message. */
interface PgConnection {
  stream: { cork(): void; uncork(): void; write(chunk: Buffer): boolean };
  query(text: string): void;
}

function isPgConnection(value: unknown): value is PgConnection {
  if (typeof value !== 'object' || value === null) return false;
  if (!('query' in value) || typeof value.query !== 'function') return false;
  if (!('stream' in value) || typeof value.stream !== 'object' || value.stream === null) {
    return false;
  }
  const { stream } = value;
  return ['cork', 'uncork', 'write'].every(
    (method) =>
      method in stream && typeof (stream as Record<string, unknown>)[method] === 'function',
  );
}

/** `COPY <n>`, the command tag of a finished COPY. */
const COPY_TAG = /^COPY (\d+)$/;

/** CopyDone: the frontend has sent all the data. */
const COPY_DONE_MESSAGE = Buffer.from([COPY_DONE, 0, 0, 0, 4]);

/**
 * The COPY's data and its end as they go on the wire: one CopyData message holding every line
 * (its 5-byte header, then the data itself), then CopyDone.
 */
export function copyInMessages(data: Buffer): Buffer[] {
  const header = Buffer.allocUnsafe(5);
  header[0] = COPY_DATA;
  header.writeUInt32BE(4 + data.length, 1);
  return [header, data, COPY_DONE_MESSAGE];
}

/**
 * `COPY … FROM STDIN` with data known in full before it starts, as a query object for pg's
 * `client.query` (its "submittable" interface, which pg-copy-streams also uses).
 *
 * Why not a stream: a stream waits for Postgres' CopyInResponse before it sends the data, then
 * writes the data's header, the data and CopyDone separately: four socket writes and two round
 * trips per COPY, each write waking the backend. Here the statement, the data and CopyDone leave
 * in one write. The protocol allows it: a backend whose COPY fails (before or during copy-in)
 * answers with ErrorResponse and ReadyForQuery and drops the CopyData and CopyDone that follow
 * (PostgreSQL protocol, "COPY Operations"), so nothing of a refused COPY is written and the
 * connection stays usable.
 */
export class CopyInOneWrite {
  /** The number of rows Postgres wrote; rejects with Postgres' error if it refused the COPY. */
  readonly written: Promise<number>;
  private settle!: { resolve(rows: number): void; reject(error: Error): void };
  private rows = 0;

  constructor(
    private readonly statement: string,
    private readonly data: Buffer,
  ) {
    this.written = new Promise<number>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
  }

  /** Called by pg when the connection is free for this query. Returns an error to refuse. */
  submit(connection: unknown): Error | undefined {
    if (!isPgConnection(connection)) return new Error('not a pg connection');
    // Corked, the query and the three pieces leave in one writev, without being copied together.
    connection.stream.cork();
    try {
      connection.query(this.statement);
      for (const message of copyInMessages(this.data)) connection.stream.write(message);
    } finally {
      connection.stream.uncork();
    }
    return undefined;
  }

  /** The data is already on its way. */
  handleCopyInResponse(): void {}

  handleCommandComplete(message: { text?: string }): void {
    const tag = COPY_TAG.exec(message.text ?? '');
    if (tag) this.rows = Number(tag[1]);
  }

  handleReadyForQuery(): void {
    this.callback();
    this.settle.resolve(this.rows);
  }

  handleError(error: Error): void {
    this.callback();
    this.settle.reject(error);
  }

  /** Messages a COPY FROM never receives; present so that pg can call any of them. */
  handleEmptyQuery(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleCopyData(): void {}

  /** pg replaces this when the client has a `query_timeout`; it must be called when done. */
  callback(): void {}
}

/** Runs a `COPY … FROM STDIN` of `data` on a pg client; resolves with the rows written. */
export function copyIn(
  client: { query(query: CopyInOneWrite): unknown },
  statement: string,
  data: Buffer,
): Promise<number> {
  const copy = new CopyInOneWrite(statement, data);
  // pg answers through the query object's handlers, not through what query() returns.
  void client.query(copy);
  return copy.written;
}
