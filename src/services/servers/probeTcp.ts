import { connect, type Socket } from 'node:net';

export type ProbeResult = { ok: true; latencyMs: number } | { ok: false; error: string };

function reason(err: NodeJS.ErrnoException, host: string, port: number): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return `connection refused on port ${port} (nothing listens there)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host ${host} not found (DNS)`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route to ${host}`;
    case 'ECONNRESET':
      return 'connection reset';
    default:
      return err.message || String(err.code);
  }
}

/**
 * Is `host:port` accepting TCP connections? A plain connect (the SSH port answers before any handshake),
 * closed at once. Latency is the time to connect (name resolution included). Never throws and never takes
 * much longer than `timeoutMs`.
 */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      resolve({ ok: false, error: `port ${port} is not a TCP port` });
      return;
    }
    const started = performance.now();
    let settled = false;
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    let socket: Socket;
    try {
      socket = connect({ host, port });
    } catch (err) {
      resolve({ ok: false, error: (err as Error).message });
      return;
    }
    const timer = setTimeout(
      () => finish({ ok: false, error: `no answer within ${timeoutMs} ms (filtered, or the host is down)` }),
      timeoutMs,
    );
    socket.once('connect', () => finish({ ok: true, latencyMs: performance.now() - started }));
    // `on`, not `once`: an error after the first (or after we gave up) must still be handled, never thrown.
    socket.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, error: reason(err, host, port) }));
  });
}
