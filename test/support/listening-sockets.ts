import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** The inode of the IPv4 TCP socket listening on `port`, from /proc/net/tcp (Linux). */
function listeningInode(port: number): string {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // local_address is "ADDR:PORT" in hex; state 0A is LISTEN; the inode is the tenth field.
    if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A') return fields[9] ?? '';
  }
  throw new Error(`nothing listens on port ${port}`);
}

/** Whether process `pid` holds a file descriptor of the socket listening on `port`. */
export function holdsListeningSocket(pid: number, port: number): boolean {
  const target = `socket:[${listeningInode(port)}]`;
  const dir = `/proc/${pid}/fd`;
  return readdirSync(dir).some((fd) => {
    try {
      return readlinkSync(`${dir}/${fd}`) === target;
    } catch {
      return false; // closed meanwhile
    }
  });
}

/** The pids of a process's direct children (a cluster primary's workers). */
export function childPids(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
}
