// Event fan-out into the console: 100,000 events published on the bus while the whole console (createDeck +
// runConsole, the real screens, Ink's maxFps 30) shows the Dashboard, whose timeline and latest events follow
// the stream. Measured per transport (memory; Redis at REDIS_URL, default redis://127.0.0.1:6379, when it
// answers):
//   published    the publisher's time for all events (up to 1,000 publishes in flight);
//   in the store when the console's store has applied the last one (`events.received`);
//   updates      store updates while they arrived (the console batches events, at most one update per 100 ms);
//   frames       frames Ink wrote meanwhile, and frames per second against maxFps 30.
import { randomBytes } from 'node:crypto';
import { deckBusOf } from '../src/openWorkspace';
import type { Bus } from '../src/services/bus/contracts';
import { openBus } from '../src/services/bus/openBus';
import { benchDeck, runBenchConsole } from './lib/benchDeck';
import { FRAME_END } from './lib/fakeTerminal';
import { deletePrefix } from './lib/redisKeys.mjs';
import { heading, sleep, stripAnsi } from './lib/stats.mjs';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const IN_FLIGHT = 1_000;
const MAX_FPS = 30; // runConsole's; keep in step with src/app/runConsole.tsx
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const requester = { user: 'bench', host: 'bench' };

async function fanOut(name: string, bus: Bus): Promise<void> {
  const opened = benchDeck(
    {
      repos: {
        list: async () => ({ rows: [], errors: [] }),
        details: async (entry) => ({ entry, status: [], log: [] }),
      },
      bus: deckBusOf(bus, requester),
    },
    120,
    35,
  );
  const { deck, stdout } = opened;
  const errors: string[] = [];
  const closed = runBenchConsole(opened, errors);
  const deadline = performance.now() + 10_000;
  while (!stripAnsi(stdout.recent).includes('Events per minute')) {
    if (errors.length || performance.now() > deadline)
      throw new Error(
        `fan-out: the Dashboard was never drawn:\n${errors.join('\n')}${stdout.recent.slice(-1500)}`,
      );
    await sleep(20);
  }
  await sleep(300); // the subscription's replay and the first polls settle

  const store = deck.store;
  const before = store.getState().events.received;
  let updates = 0;
  let frames = 0;
  const unsubscribe = store.subscribe(() => updates++);
  stdout.onWrite = (chunk) => {
    if (chunk.includes(FRAME_END)) frames++;
    stdout.mark();
  };
  const allIn = new Promise<number>((resolve) => {
    const check = store.subscribe((s) => {
      if (s.events.received - before < EVENTS) return;
      check();
      resolve(performance.now());
    });
  });

  const t0 = performance.now();
  const inflight = new Set<Promise<unknown>>();
  for (let i = 0; i < EVENTS; i++) {
    const p = bus.events.publish({
      level: i % 50 === 0 ? 'warn' : 'info',
      type: 'bench.tick',
      source: requester,
      message: `tick ${i}`,
    });
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    if (inflight.size >= IN_FLIGHT) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  const published = performance.now() - t0;
  const stored = (await allIn) - t0;
  unsubscribe();
  stdout.onWrite = undefined;

  const seconds = stored / 1000;
  const fps = frames / seconds;
  console.log(
    `  ${name.padEnd(8)} ${EVENTS.toLocaleString('en')} events: published in ${published.toFixed(0)} ms, ` +
      `in the store after ${stored.toFixed(0)} ms (${Math.round(EVENTS / seconds).toLocaleString('en')}/s); ` +
      `${updates} store updates, ${frames} frames = ${fps.toFixed(1)} frames/s ` +
      `(maxFps ${MAX_FPS}: ${fps <= MAX_FPS ? 'within' : 'over'})`,
  );
  deck.store.getState().actions.ui.quit();
  await closed;
  if (errors.length) throw new Error(`fan-out: the console reported errors:\n${errors.join('\n')}`);
}

console.log(
  heading(`event fan-out into the console · ${EVENTS.toLocaleString('en')} events · Dashboard, 120x35`),
);
const memory = await openBus({ requester, eventsMaxLen: 200_000 });
await fanOut('memory', memory);
await memory.close();

const prefix = `bench-fanout-${randomBytes(3).toString('hex')}`;
const redis = await openBus({ redisUrl, prefix, requester, eventsMaxLen: 200_000 });
if (await redis.state.whenConnected(3000)) {
  try {
    await fanOut('Redis', redis);
  } finally {
    await redis.close();
    await deletePrefix(redisUrl, prefix);
  }
} else {
  console.log(`  Redis    not measured: ${redis.state.get().detail ?? `no answer from ${redisUrl}`}`);
  await redis.close();
}
