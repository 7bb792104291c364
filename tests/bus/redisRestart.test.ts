import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { compareEventIds, type DeckEvent } from '../../src/domain/event';
import { isBusError } from '../../src/services/bus/busError';
import type { Bus, BusNotice, BusState } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { alice, waitFor } from './contractSuite';
import { startRedis, stopRedis } from './ownRedis';
import { freePort, skipRedis } from './redisTestEnv';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skipRedis)('event stream across a Redis restart', () => {
  let server: ChildProcess | undefined;
  let dir: string;
  const buses: Bus[] = [];

  afterEach(async () => {
    for (const b of buses.splice(0)) await b.close();
    if (server && server.exitCode === null) await stopRedis(server);
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * A publisher keeps publishing numbered events (a failed publish is not retried: the next one gets a new
   * number) while Redis is stopped and started again; a subscriber from the start must end up with every
   * acknowledged event exactly once, in id order.
   */
  async function scenario(persistent: boolean) {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-redis-'));
    const port = await freePort();
    const redisUrl = `redis://127.0.0.1:${port}`;
    server = await startRedis(port, dir, persistent);
    const open = async () => {
      const b = await openBus({ redisUrl, prefix: 'restart', requester: alice, downAfterMs: 300 });
      buses.push(b);
      expect(await b.state.whenConnected(5000)).toBe(true);
      return b;
    };
    const subscriber = await open();
    const publisher = await open();
    const states: BusState[] = [];
    publisher.state.subscribe((s) => states.push(s.state));

    const received: DeckEvent[] = [];
    const notices: BusNotice[] = [];
    subscriber.events.subscribe('0', (e) => received.push(e), { onNotice: (n) => notices.push(n) });

    const acked = new Map<number, string>();
    const ackedAfterRestart = new Set<number>();
    let restarted = false;
    let seq = 0;
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        const n = ++seq;
        try {
          const id = await publisher.events.publish({
            level: 'info',
            type: 'test.seq',
            source: alice,
            message: String(n),
          });
          acked.set(n, id);
          if (restarted) ackedAfterRestart.add(n);
        } catch {
          // refused while Redis is away: this number is simply never acknowledged
        }
        await sleep(2);
      }
    })();

    await waitFor('100 events before the stop', () => acked.size >= 100);
    // First only the subscriber's connection drops (a network blip) while publishing goes on: what is published
    // before it is back must come from the stream.
    const admin = new Redis(redisUrl);
    expect(await admin.client('KILL', 'TYPE', 'pubsub')).toBeGreaterThanOrEqual(1);
    admin.disconnect();
    const blipAt = acked.size;
    await waitFor('50 more events', () => acked.size >= blipAt + 50);
    await waitFor('the subscriber to catch up', () => received.length >= blipAt + 50);
    await stopRedis(server);
    await waitFor('the bus to report Redis down', () => publisher.state.get().state === 'down', 10_000);

    // While Redis is down a new job is refused at once, with the reason, and is not kept anywhere.
    const refused = await publisher.queue
      .enqueue({ kind: 'command', payload: { program: 'true' }, requestedBy: alice })
      .catch((e) => e);
    expect(isBusError(refused, 'unavailable')).toBe(true);
    expect(refused.message).toMatch(new RegExp(`job not queued: Redis at redis://127.0.0.1:${port} is down`));
    const ackedBeforeRestart = acked.size;

    await sleep(300);
    server = await startRedis(port, dir, persistent);
    restarted = true;
    await waitFor('the bus to reconnect', () => publisher.state.get().state === 'connected', 15_000);
    await waitFor('100 events after the restart', () => ackedAfterRestart.size >= 100, 15_000);
    stop = true;
    await loop;

    const ids = (events: DeckEvent[]) => events.map((e) => e.id);
    await waitFor(
      'every acknowledged event to arrive',
      () => {
        const got = new Set(received.map((e) => Number(e.message)));
        const wanted = persistent ? [...acked.keys()] : [...ackedAfterRestart];
        return wanted.every((n) => got.has(n));
      },
      15_000,
    );
    await sleep(200); // anything late would be a duplicate
    const numbers = received.map((e) => Number(e.message));
    expect(new Set(numbers).size).toBe(numbers.length); // no duplicates
    expect(numbers.every((n) => n >= 1 && n <= seq)).toBe(true);
    expect(states).toEqual(expect.arrayContaining(['reconnecting', 'down', 'connected']));
    expect(await publisher.queue.list()).toEqual([]);
    return { received, notices, acked, ackedBeforeRestart, ids };
  }

  it('with AOF the subscriber gets every event exactly once, in order, with no gap', async () => {
    const { received, notices, acked, ackedBeforeRestart } = await scenario(true);
    const ids = received.map((e) => e.id);
    const sorted = [...ids].sort(compareEventIds);
    expect(ids).toEqual(sorted);
    expect(new Set(ids).size).toBe(ids.length);
    // every acknowledged event, and (the stream survived) at the id it was acknowledged with
    for (const [n, id] of acked) expect(received.find((e) => Number(e.message) === n)?.id).toBe(id);
    expect(ackedBeforeRestart).toBeGreaterThanOrEqual(100);
    expect(notices).toEqual([]);
  });

  it('without persistence the subscriber is told the stream was lost and gets everything after it once', async () => {
    const { received, notices } = await scenario(false);
    expect(notices.map((n) => n.kind)).toEqual(['reset']);
    // Before the reset and after it, ids only grow (they restart with the new stream).
    const reset = received.findIndex((e, i) => i > 0 && compareEventIds(e.id, received[i - 1].id) <= 0);
    const before = reset === -1 ? received : received.slice(0, reset);
    const after = reset === -1 ? [] : received.slice(reset);
    for (const part of [before, after]) {
      const ids = part.map((e) => e.id);
      expect(ids).toEqual([...ids].sort(compareEventIds));
    }
  });
});
