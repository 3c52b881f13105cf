import type Redis from 'ioredis';

/** Per coalesced client: runs a function at the end of the current turn, before the uncork. */
const turnEnds = new WeakMap<Redis, (run: () => void) => void>();

/**
 * Makes the commands a client is given in one event-loop turn leave in one socket write: the
 * first command of a turn corks the socket and the check phase (`setImmediate`) uncorks it, so
 * Node hands everything written meanwhile to the kernel in one `writev`. Concurrent requests'
 * limits scripts, breaker reads and session reads share a syscall, as with ioredis'
 * `enableAutoPipelining`, which this replaces.
 *
 * Why not auto-pipelining: it wraps every batch in an ioredis `Pipeline`, and each `Pipeline`
 * defines its own `length` getter (a closure over the instance) in its constructor. V8 stores
 * such a getter in a hidden class made for that one object, in old space, and a scavenge treats
 * every old-space object as alive, so each pipeline, with its commands, arguments and replies,
 * survives young-generation collections and is promoted, to be freed only by the next full GC.
 * In a gateway worker that was ~1.2 MB promoted per scavenge and 2.5–5 ms scavenge pauses at
 * c=1; see the README's speed section for the measurements.
 */
export function coalesceWrites(client: Redis): Redis {
  const send = client.sendCommand.bind(client);
  let corked: Redis['stream'] | null = null;
  let atUncork: (() => void)[] = [];
  /** Only a ready connection: commands during the handshake must leave at once, and with no
   * offline queue a client that is not ready fails the command without writing. */
  const cork = (): boolean => {
    const socket = client.stream;
    if (!socket || client.status !== 'ready') return false;
    if (corked === socket) return true;
    corked = socket;
    socket.cork();
    setImmediate(() => {
      // What is batched up to the end of the turn goes out in this same write.
      const due = atUncork;
      atUncork = [];
      for (const run of due) run();
      corked = null;
      socket.uncork();
    });
    return true;
  };
  client.sendCommand = (command, stream) => {
    cork();
    return send(command, stream);
  };
  turnEnds.set(client, (run) => {
    if (cork()) atUncork.push(run);
    else setImmediate(run);
  });
  return client;
}

/**
 * Runs `run` at the end of this event-loop turn (the check phase), for work batched over the
 * turn: on a coalesced client, right before the turn's commands leave, so the batch goes out in
 * the same write as them; on any other client, in a `setImmediate`.
 */
export function atTurnEnd(client: Redis, run: () => void): void {
  const schedule = turnEnds.get(client);
  if (schedule) schedule(run);
  else setImmediate(run);
}
