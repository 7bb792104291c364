import type { Bus, OpenBusOptions } from './contracts';

/**
 * Open the bus: Redis when `redisUrl` is given (this process enqueues and listens; `infradeck worker`
 * processes run the jobs), memory otherwise (the handlers run in this process: the embedded default).
 *
 * Never rejects because Redis is unreachable: the bus opens in state `reconnecting`/`down` and keeps trying,
 * so the console can open degraded. Check `bus.state` (or `await bus.state.whenConnected(ms)`) before
 * relying on it. Rejects only for a malformed `redisUrl`.
 *
 * Both transports are loaded with `import()`: the memory path never loads bullmq or ioredis.
 */
export async function openBus(opts: OpenBusOptions = {}): Promise<Bus> {
  if (opts.redisUrl) {
    const { openRedisBus } = await import('./redisBus');
    return openRedisBus({ ...opts, redisUrl: opts.redisUrl });
  }
  const { openMemoryBus } = await import('./memoryBus');
  return openMemoryBus(opts);
}
