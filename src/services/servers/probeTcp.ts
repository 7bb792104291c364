import { connect, type Socket } from 'node:net';

/** A failed probe: `error` says what happened in a sentence, `short` in a word or two for a table cell. */
export type ProbeResult = { ok: true; latencyMs: number } | { ok: false; error: string; short: string };

type ProbeFailure = Extract<ProbeResult, { ok: false }>;

function failure(err: NodeJS.ErrnoException, host: string, port: number): ProbeFailure {
  switch (err.code) {
    case 'ECONNREFUSED':
      return {
        ok: false,
        error: `connection refused on port ${port} (nothing listens there)`,
        short: 'refused',
      };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { ok: false, error: `host ${host} not found (DNS)`, short: 'no DNS' };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { ok: false, error: `no route to ${host}`, short: 'no route' };
    case 'ECONNRESET':
      return { ok: false, error: 'connection reset', short: 'reset' };
    default:
      return { ok: false, error: err.message || String(err.code), short: 'unreachable' };
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
      resolve({ ok: false, error: `port ${port} is not a TCP port`, short: 'bad port' });
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
      resolve({ ok: false, error: (err as Error).message, short: 'unreachable' });
      return;
    }
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          error: `no answer within ${timeoutMs} ms (filtered, or the host is down)`,
          short: 'timed out',
        }),
      timeoutMs,
    );
    socket.once('connect', () => finish({ ok: true, latencyMs: performance.now() - started }));
    // `on`, not `once`: an error after the first (or after we gave up) must still be handled, never thrown.
    socket.on('error', (err: NodeJS.ErrnoException) => finish(failure(err, host, port)));
  });
}
