// Timeline aggregation: `node bench/run.mjs timeline` (the Redis part needs Redis at REDIS_URL, default
// redis://127.0.0.1:6379; it is skipped, and said so, when Redis does not answer).
//
// 1. Ingest in memory: 1,000,000 events spread over 24 hours (job starts and ends, output lines, deploys,
//    scans, warnings; ~1 % failures) added to a TimelineStore one by one, three rounds. events/s, and a check
//    that the `events` lane counts every one of them (nothing dropped).
// 2. Ingest from Redis: 200,000 events XADDed to a stream under a unique prefix, then read back by the
//    stream ids' time (`readStreamWindow`, 5,000 a page: XRANGE, JSON parse, classify, bucket), as the
//    Timeline's replay does. events/s end to end.
// 3. A frame: every lane drawn 200 columns wide (`timelineFrame`: columns, marker labels, lines, axis) over
//    the 1,000,000-event store, at each zoom from 1 minute to 7 days, panning a quarter window 40 times at
//    each. p50/p99 per frame; the issue's target for the whole tab's frame is 16 ms p99.
// 4. Memory: heap of a store after 1, 5 and 10 million events, after a full collection (bounded: counts live
//    in fixed rings; only the latest events of each lane are kept).
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Redis } from 'ioredis';
import type { DeckEvent } from '../src/domain/event';
import { timelineFrame } from '../src/domain/timelineFrame';
import { TimelineStore } from '../src/domain/timelineStore';
import { timelineZooms } from '../src/domain/timelineWindow';
import { deckKeys } from '../src/services/bus/redisEvents';
import { readStreamWindow } from '../src/services/timeline/streamWindow';
import { deletePrefix } from './lib/redisKeys.mjs';
import { heading, seededRandom, statsLine, summarize } from './lib/stats.mjs';

const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const hour = 3_600_000;
const now = Date.now();
const dayStart = now - 24 * hour;

function makeEvents(count: number, from: number, to: number, seed: number): DeckEvent[] {
  const random = seededRandom(seed);
  const step = (to - from) / count;
  const source = { worker: 'ops-2:4411' };
  const events: DeckEvent[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const ms = Math.floor(from + i * step);
    const r = random();
    const jobId = String(1 + Math.floor(i / 20));
    let e: Omit<DeckEvent, 'id' | 'at'>;
    if (r < 0.6)
      e = { level: 'info', type: 'job.log', jobId, source, message: `line ${i}`, data: { stream: 'stdout' } };
    else if (r < 0.75)
      e = { level: 'info', type: 'job.progress', jobId, source, message: '', data: { step: 1, total: 3 } };
    else if (r < 0.85)
      e = {
        level: 'info',
        type: 'job.started',
        jobId,
        source,
        message: 'started',
        data: { kind: 'command' },
      };
    else if (r < 0.94)
      e = {
        level: 'info',
        type: 'job.completed',
        jobId,
        source,
        message: 'completed',
        data: { kind: 'command' },
      };
    else if (r < 0.95)
      e = {
        level: 'error',
        type: 'job.failed',
        jobId,
        source,
        message: 'failed: exit 1',
        data: { kind: 'command' },
      };
    else if (r < 0.951)
      e = {
        level: 'info',
        type: 'job.queued',
        jobId,
        source,
        message: 'queued',
        data: { kind: 'deploy', summary: 'deploy shop (d-1)' },
      };
    else if (r < 0.97)
      e = { level: 'info', type: 'scan.region', source, message: 'scan', data: { scan: {} } };
    else
      e = {
        level: 'warn',
        type: 'worker.offline',
        source,
        message: 'gone',
        data: { worker: 'w', reason: 'lost' },
      };
    events[i] = { id: `${ms}-${i % 1000}`, at: ms, ...e } as DeckEvent;
  }
  return events;
}

function laneTotal(store: TimelineStore, lane: 'events', from: number, to: number): number {
  return store.columns(lane, from, to, 100).counts.reduce((a, b) => a + b, 0);
}

// run.mjs starts node without --expose-gc: turn it on here, so heap figures are after a full collection.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapMb(): number {
  gc();
  return process.memoryUsage().heapUsed / 1e6;
}

console.log(heading('1. ingest in memory: 1,000,000 events over 24 hours'));
const million = makeEvents(1_000_000, dayStart, now - 1000, 7);
let store = new TimelineStore();
const rates: number[] = [];
for (let round = 0; round < 3; round++) {
  store = new TimelineStore();
  const started = performance.now();
  for (const e of million) store.add(e);
  const seconds = (performance.now() - started) / 1000;
  rates.push(million.length / seconds);
}
const counted = laneTotal(store, 'events', dayStart - hour, now + hour);
console.log(
  `  events/s per round: ${rates.map((r) => Math.round(r).toLocaleString('en')).join(', ')} ` +
    `(best ${Math.round(Math.max(...rates)).toLocaleString('en')})`,
);
console.log(
  `  counted on the events lane: ${counted.toLocaleString('en')} of ${million.length.toLocaleString('en')}`,
);
console.log(
  `  target: ≥ 100,000 events/s without dropping one — ${Math.min(...rates) >= 100_000 && counted === million.length ? 'met' : 'missed'}`,
);

console.log(heading('2. ingest from Redis: 200,000 events read back by the stream ids’ time'));
const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
probe.on('error', () => {});
let redisUp = false;
try {
  await probe.connect();
  redisUp = (await probe.ping()) === 'PONG';
} catch {
  redisUp = false;
}
if (!redisUp) {
  console.log(`  skipped: no Redis at ${redisUrl}`);
  probe.disconnect();
} else {
  const prefix = `bench-timeline-${randomBytes(3).toString('hex')}`;
  const key = deckKeys(prefix).events;
  try {
    const events = makeEvents(200_000, now - 2 * hour, now - 1000, 11);
    for (let i = 0; i < events.length; i += 5_000) {
      const pipe = probe.pipeline();
      // 36 ms apart: one entry per ms, so `<ms>-0` ids are in order
      for (const { id, ...e } of events.slice(i, i + 5_000))
        pipe.xadd(key, `${id.split('-')[0]}-0`, 'e', JSON.stringify(e));
      await pipe.exec();
    }
    const samples: number[] = [];
    for (let round = 0; round < 3; round++) {
      const fromRedis = new TimelineStore();
      const started = performance.now();
      const read = await readStreamWindow(probe, key, now - 3 * hour, now, (batch) => {
        for (const e of batch) fromRedis.add(e);
      });
      const seconds = (performance.now() - started) / 1000;
      samples.push(read.delivered / seconds);
      if (round === 0) {
        const total = laneTotal(fromRedis, 'events', now - 3 * hour, now);
        console.log(
          `  read ${read.delivered.toLocaleString('en')} of ${events.length.toLocaleString('en')}, counted ${total.toLocaleString('en')}`,
        );
      }
    }
    console.log(`  events/s per round: ${samples.map((r) => Math.round(r).toLocaleString('en')).join(', ')}`);
    console.log(
      `  target: ≥ 100,000 events/s from Redis — ${Math.max(...samples) >= 100_000 ? 'met' : 'missed'} (best round)`,
    );
  } finally {
    probe.disconnect();
    await deletePrefix(redisUrl, prefix);
  }
}

console.log(heading('3. a frame of every lane at 200 columns over the 1,000,000-event store'));
const all: number[] = [];
for (const span of timelineZooms) {
  const samples: number[] = [];
  let end = now;
  for (let i = 0; i < 40; i++) {
    const started = performance.now();
    const frame = timelineFrame(store, end - span, end, 200);
    samples.push(performance.now() - started);
    if (frame.lanes.length !== 9) throw new Error('a lane went missing');
    end -= span / 4;
    if (end - span < dayStart) end = now;
  }
  all.push(...samples.slice(2));
  console.log(
    statsLine(
      `zoom ${span >= 86_400_000 ? `${span / 86_400_000}d` : span >= hour ? `${span / hour}h` : `${span / 60_000}m`}, panning`,
      samples.slice(2),
      ['median', 'p90', 'p99', 'max'],
    ),
  );
}
const overall = summarize(all);
console.log(
  `  all zooms: p50 ${overall.p50.toFixed(2)} ms, p99 ${overall.p99.toFixed(2)} ms (the lanes' share of a 16 ms frame)`,
);

console.log(heading('4. memory: a store fed 10,000,000 events (24 hours, a million at a time)'));
million.length = 0;
store = new TimelineStore();
const marks: string[] = [];
for (let round = 0; round < 10; round++) {
  const more = makeEvents(1_000_000, dayStart, now - 1000, 100 + round);
  for (const e of more) store.add(e);
  more.length = 0;
  if (round === 0 || round === 4 || round === 9) marks.push(`${round + 1} M: ${heapMb().toFixed(0)} MB`);
}
console.log(`  heap after ${marks.join(', ')} (store total ${store.total.toLocaleString('en')})`);
console.log(
  `  counted on the events lane: ${laneTotal(store, 'events', dayStart - hour, now + hour).toLocaleString('en')}`,
);
