import { connect, Socket } from 'node:net';

/** One command as MONITOR reports it. */
export interface MonitoredCommand {
  database: string;
  /** `ip:port` of the client, or `lua` for a command a script ran. */
  source: string;
  /** The command name (lower case) and its arguments. */
  command: string;
  args: string[];
}

/** MONITOR quotes each argument and escapes `"`, `\` and bytes outside printable ASCII. */
function unquote(text: string): string {
  return text.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, escaped: string) => {
    if (escaped.length === 3) return String.fromCharCode(parseInt(escaped.slice(1), 16));
    return (
      ({ n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' } as Record<string, string>)[escaped] ??
      escaped
    );
  });
}

/** `+<time> [<db> <source>] "<cmd>" "<arg>"…` → the command, or null for other lines (OK). */
export function parseMonitorLine(line: string): MonitoredCommand | null {
  const head = /^\+\d+\.\d+ \[(\d+) ([^\]]+)\] /.exec(line);
  if (!head) return null;
  const words = [...line.slice(head[0].length).matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) =>
    unquote(m[1]),
  );
  const [command = '', ...args] = words;
  return { database: head[1], source: head[2], command: command.toLowerCase(), args };
}

/**
 * MONITOR on a raw socket. ioredis' own `monitor()` can fail under load: it enters monitoring
 * mode only in a promise callback after the `OK`, so command lines that arrive in the same read
 * as that `OK` are taken for replies to nothing ("Command queue state error").
 */
export class RedisMonitor {
  private buffered = '';

  private constructor(private readonly socket: Socket) {}

  static start(url: string, onCommand: (command: MonitoredCommand) => void): Promise<RedisMonitor> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port || 6379), hostname, () => {
        socket.write('MONITOR\r\n');
      });
      const monitor = new RedisMonitor(socket);
      socket.setEncoding('latin1');
      socket.once('error', reject);
      socket.on('data', (chunk: string) => {
        const lines = (monitor.buffered + chunk).split('\r\n');
        monitor.buffered = lines.pop() ?? '';
        for (const line of lines) {
          if (line === '+OK') resolve(monitor);
          const command = parseMonitorLine(line);
          if (command) onCommand(command);
        }
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
