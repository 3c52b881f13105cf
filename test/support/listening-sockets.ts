import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** The inodes of the IPv4 TCP sockets listening on `port`, from /proc/net/tcp (Linux). */
function listeningInodes(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes: string[] = [];
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // local_address is "ADDR:PORT" in hex; state 0A is LISTEN; the inode is the tenth field.
    if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A') inodes.push(fields[9] ?? '');
  }
  if (inodes.length === 0) throw new Error(`nothing listens on port ${port}`);
  return inodes;
}

/**
 * The sockets listening on `port` that process `pid` holds a file descriptor of, by inode:
 * several processes holding the same one share a socket; SO_REUSEPORT gives each its own.
 */
export function listeningSocketsOf(pid: number, port: number): string[] {
  const targets = new Set(listeningInodes(port).map((inode) => `socket:[${inode}]`));
  const dir = `/proc/${pid}/fd`;
  const held = new Set<string>();
  for (const fd of readdirSync(dir)) {
    try {
      const link = readlinkSync(`${dir}/${fd}`);
      if (targets.has(link)) held.add(link);
    } catch {
      // closed meanwhile
    }
  }
  return [...held];
}

/** Whether process `pid` holds a file descriptor of a socket listening on `port`. */
export function holdsListeningSocket(pid: number, port: number): boolean {
  return listeningSocketsOf(pid, port).length > 0;
}

/** The pids of a process's direct children (a cluster primary's workers). */
export function childPids(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
}
