import { CopyInOneWrite, copyInMessages } from './copy-in-one-write';

describe('copyInMessages', () => {
  it('should frame the data as one CopyData message followed by CopyDone', () => {
    const data = Buffer.from('1\tone\n');
    const wire = Buffer.concat(copyInMessages(data));
    expect(wire.length).toBe(5 + data.length + 5);
    expect(wire[0]).toBe('d'.charCodeAt(0));
    expect(wire.readUInt32BE(1)).toBe(4 + data.length);
    expect(wire.subarray(5, 5 + data.length).equals(data)).toBe(true);
    expect([...wire.subarray(5 + data.length)]).toEqual(['c'.charCodeAt(0), 0, 0, 0, 4]);
  });
});

describe('CopyInOneWrite', () => {
  function fakeConnection(): { writes: string[]; connection: unknown } {
    const writes: string[] = [];
    let corked = 0;
    const connection = {
      stream: {
        cork: () => {
          corked += 1;
        },
        uncork: () => {
          corked -= 1;
        },
        write: (chunk: Buffer) => {
          writes.push(`${corked > 0 ? 'corked' : 'uncorked'}:${chunk.subarray(0, 1).toString()}`);
          return true;
        },
      },
      query: (text: string) => writes.push(`${corked > 0 ? 'corked' : 'uncorked'}:Q ${text}`),
    };
    return { writes, connection };
  }

  it('should write the statement, the data and its end while the socket is corked', () => {
    const { writes, connection } = fakeConnection();
    const copy = new CopyInOneWrite('COPY t FROM STDIN', Buffer.from('1\n'));
    expect(copy.submit(connection)).toBeUndefined();
    expect(writes).toEqual(['corked:Q COPY t FROM STDIN', 'corked:d', 'corked:1', 'corked:c']);
  });

  it('should resolve with the count of the command tag once Postgres is ready again', async () => {
    const copy = new CopyInOneWrite('COPY t FROM STDIN', Buffer.from('1\n2\n'));
    copy.handleCopyInResponse();
    copy.handleCommandComplete({ text: 'COPY 2' });
    copy.handleReadyForQuery();
    await expect(copy.written).resolves.toBe(2);
  });

  it("should reject with Postgres' error", async () => {
    const copy = new CopyInOneWrite('COPY t FROM STDIN', Buffer.from('1\n'));
    copy.handleError(Object.assign(new Error('duplicate key'), { code: '23505' }));
    await expect(copy.written).rejects.toMatchObject({ code: '23505' });
  });

  it('should refuse a connection that is not a pg connection', () => {
    const copy = new CopyInOneWrite('COPY t FROM STDIN', Buffer.from('1\n'));
    expect(copy.submit({})).toBeInstanceOf(Error);
  });
});
