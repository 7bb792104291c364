import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sparkline } from '../../src/components/Sparkline';
import { LatencyHistory } from '../../src/services/servers/latencyHistory';
import { probeTcp } from '../../src/services/servers/probeTcp';
import { ReachabilityMonitor } from '../../src/services/servers/reachabilityMonitor';

/** A TCP server on a free port of this machine, counting the connections it accepted. */
async function listening(): Promise<{ server: Server; port: number; accepted: () => number }> {
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    // The probe hangs up at once (a reset): expected, like an sshd seeing a port scan.
    socket.on('error', () => {});
    socket.end('SSH-2.0-test\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, accepted: () => accepted };
}

/** A port nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const { server, port } = await listening();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the reachability probe', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
  });

  it('connects to a listening port and measures how long that took', async () => {
    const { server, port, accepted } = await listening();
    servers.push(server);
    const result = await probeTcp('127.0.0.1', port, 2000);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.latencyMs).toBeGreaterThan(0);
      expect(result.latencyMs).toBeLessThan(2000);
    }
    await expect.poll(accepted).toBe(1);
  });

  it('reports a closed port as refused, without throwing', async () => {
    const port = await closedPort();
    expect(await probeTcp('127.0.0.1', port, 2000)).toEqual({
      ok: false,
      error: `connection refused on port ${port} (nothing listens there)`,
      short: 'refused',
    });
  });

  // Tests only ever probe loopback: this machine's sandbox must send nothing to other addresses.
  it('rejects nonsense without sending anything', async () => {
    expect(await probeTcp('127.0.0.1', 0, 100)).toEqual({
      ok: false,
      error: 'port 0 is not a TCP port',
      short: 'bad port',
    });
  });
});

describe('latency history', () => {
  it('keeps the last probes per host, gaps for failures, ready for a sparkline', () => {
    const history = new LatencyHistory(4);
    for (const ms of [10, 20, 30]) history.record('a', { ok: true, latencyMs: ms }, ms);
    history.record('a', { ok: false, error: 'connection refused', short: 'refused' }, 40);
    history.record('a', { ok: true, latencyMs: 40 }, 50);
    history.record('b', { ok: true, latencyMs: 5 }, 60);
    expect(history.samples('a')).toEqual([20, 30, Number.NaN, 40]);
    expect(sparkline(history.samples('a'), 6)).toBe('  ▅▆ █');
    expect(history.last('a')).toEqual({ result: { ok: true, latencyMs: 40 }, at: 50 });
    expect(history.samples('nobody')).toEqual([]);
    history.retain(['b']);
    expect(history.keys()).toEqual(['b']);
  });
});

describe('the reachability monitor', () => {
  const servers: Server[] = [];
  let monitor: ReachabilityMonitor | undefined;
  afterEach(async () => {
    monitor?.stop();
    for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
  });

  it('probes every target each round and keeps a history per host', async () => {
    const up = await listening();
    servers.push(up.server);
    const down = await closedPort();
    const rounds: string[][] = [];
    monitor = new ReachabilityMonitor({
      intervalMs: 20,
      timeoutMs: 500,
      onRound: (keys) => rounds.push(keys),
    });
    monitor.setTargets([
      { key: 'host:up', host: '127.0.0.1', port: up.port },
      { key: 'host:down', host: '127.0.0.1', port: down },
    ]);
    monitor.start();
    await expect.poll(() => rounds.length, { timeout: 5000 }).toBeGreaterThanOrEqual(3);
    monitor.stop();
    expect(rounds[0]).toEqual(['host:up', 'host:down']);
    expect(monitor.history.samples('host:up').every((ms) => ms >= 0)).toBe(true);
    expect(monitor.history.samples('host:down').every(Number.isNaN)).toBe(true);
    expect(monitor.history.samples('host:up').length).toBeGreaterThanOrEqual(3);
    expect(up.accepted()).toBeGreaterThanOrEqual(3);

    // A host taken off the list is forgotten.
    monitor.setTargets([{ key: 'host:up', host: '127.0.0.1', port: up.port }]);
    expect(monitor.history.keys()).toEqual(['host:up']);
  });
});
