import { afterEach, describe, expect, it } from 'vitest';
import { deckBusOf } from '../../src/openWorkspace';
import type { Bus, JobConsumer } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { command } from '../../src/worker/handlers/command';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { operator } from '../harness/memoryDeckBus';
import { type DeckSession, startDeck } from '../harness/startDeck';

let deck: DeckSession | undefined;
const opened: Bus[] = [];
const prefixes: string[] = [];
afterEach(async () => {
  deck?.unmount();
  for (const b of opened.splice(0)) await b.close();
  for (const p of prefixes.splice(0)) await deletePrefix(p);
});

describe('the console with an unreachable Redis', () => {
  it('opens degraded, says so, and refuses new jobs with a reason', async () => {
    const bus = await openBus({ redisUrl: 'redis://127.0.0.1:9', prefix: 'never', downAfterMs: 300 });
    opened.push(bus);
    deck = await startDeck({ bus: deckBusOf(bus, operator), size: { columns: 120, rows: 30 } });
    await deck.waitFor('redis DOWN');
    await deck.press('3', ':');
    await deck.type('run uptime');
    await deck.press('enter');
    const f = await deck.waitFor('✗ run uptime:', 10_000);
    expect(f).toMatch(/unreachable|down/);
    expect(f).toContain('No jobs yet');
  });
});

describe.skipIf(skipRedis)('the console on Redis', () => {
  it('shows a job run by a separate consumer, live', async () => {
    const prefix = uniquePrefix('console');
    prefixes.push(prefix);
    const consoleBus = await openBus({ redisUrl, prefix });
    const workerBus = await openBus({ redisUrl, prefix });
    opened.push(consoleBus, workerBus);
    const worker: JobConsumer = workerBus.consume({ command }, { concurrency: 1 });
    deck = await startDeck({ bus: deckBusOf(consoleBus, operator), size: { columns: 120, rows: 30 } });
    await deck.waitFor('redis connected');
    await deck.press('3', ':');
    await deck.type('run sh -c "echo over redis"');
    await deck.press('enter');
    await deck.waitFor('completed', 10_000);
    await deck.press('enter');
    await deck.waitFor('over redis');
    await deck.press('esc', '1');
    await deck.waitFor(`${worker.id}`);
  });

  it('puts the cursor on the job :run just queued, listed when its event comes over Redis', async () => {
    const prefix = uniquePrefix('console');
    prefixes.push(prefix);
    const consoleBus = await openBus({ redisUrl, prefix });
    const workerBus = await openBus({ redisUrl, prefix });
    opened.push(consoleBus, workerBus);
    workerBus.consume({ command }, { concurrency: 2 });
    deck = await startDeck({ bus: deckBusOf(consoleBus, operator), size: { columns: 120, rows: 30 } });
    await deck.waitFor('redis connected');
    await deck.press('3', ':');
    await deck.type('run echo first');
    await deck.press('enter');
    await deck.waitFor('completed', 10_000);
    await deck.press(':');
    await deck.type('run sh -c "sleep 2; echo done"');
    await deck.press('enter');
    await deck.waitFor('1/2', 10_000);
    const [queued] = await consoleBus.queue.list({ kind: 'command' });
    expect(queued.payload).toMatchObject({ args: ['-c', 'sleep 2; echo done'] });
    deck.store.getState().actions.ui.dismissToasts(0, Date.now() + 60_000);
    await deck.press('enter');
    await deck.waitFor(new RegExp(`^${queued.id}  command  `, 'm'));
  });
});
