import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/domain/config';
import { TimelineStore } from '../../src/domain/timelineStore';
import { deckBusOf } from '../../src/openWorkspace';
import type { Bus } from '../../src/services/bus/contracts';
import { openMemoryBus } from '../../src/services/bus/memoryBus';
import { deckTimelineFor } from '../../src/services/timeline/deckTimeline';
import { loadPinsFile, pinsFilePath, savePinsFile } from '../../src/services/timeline/pinsFile';
import { command } from '../../src/worker/handlers/command';

const operator = { user: 'ada', host: 'jump1' };
let dir: string;
const buses: Bus[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'timetab-feed-'));
});
afterEach(async () => {
  for (const b of buses.splice(0)) await b.close();
  rmSync(dir, { recursive: true, force: true });
});

function bus(): Bus {
  const b = openMemoryBus({ handlers: { command }, requester: operator, dataDir: dir });
  buses.push(b);
  return b;
}

async function runEcho(b: Bus, text: string): Promise<string> {
  const id = await b.queue.enqueue({
    kind: 'command',
    payload: { program: 'echo', args: [text], shell: false },
    requestedBy: operator,
  });
  for (let i = 0; i < 200; i++) {
    if ((await b.queue.get(id))?.status === 'completed') return id;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`job ${id} did not complete`);
}

const timeline = () => deckTimelineFor({ dataDir: dir, config: configSchema.parse({}), env: {} });
const startsOnJobsLane = (store: TimelineStore) => store.columns('jobs', 0, Date.now() + 60_000, 1).counts[0];

describe('the Timeline feed without Redis', () => {
  it('draws the jobs of an earlier session from the job history, and this session live, each once', async () => {
    const earlier = bus();
    const first = await runEcho(earlier, 'earlier');
    await earlier.close();
    buses.splice(0);

    const now = bus();
    // Run before the feed starts: the in-memory bus replays it AND the history has it.
    const second = await runEcho(now, 'before the tab opened');
    const store = new TimelineStore();
    const errors: string[] = [];
    const feed = timeline().feed(store, deckBusOf(now, operator), Date.now() - 3_600_000, {
      onError: (m) => errors.push(m),
      onNotice: () => {},
    });
    const replayed = await feed.replayed;
    expect(replayed.from).toBe('job history');
    expect(errors).toEqual([]);
    expect(startsOnJobsLane(store)).toBe(2);
    expect(store.events('jobs', 0, Number.POSITIVE_INFINITY).map((e) => e.jobId)).toEqual([first, second]);

    const third = await runEcho(now, 'while the tab is open');
    expect(startsOnJobsLane(store)).toBe(3);
    expect(store.events('jobs', 0, Number.POSITIVE_INFINITY).at(-1)?.jobId).toBe(third);
    feed.stop();
    await runEcho(now, 'after the feed stopped');
    expect(startsOnJobsLane(store)).toBe(3);
  });

  it('reads the job output of a window for the pattern shift', async () => {
    const b = bus();
    const from = Date.now() - 1;
    await runEcho(b, 'connection refused to 10.0.0.7:5432');
    const read = await timeline().logLines(deckBusOf(b, operator), from, Date.now() + 1);
    expect(read.from).toBe('job history');
    expect(read.lines).toContain('connection refused to 10.0.0.7:5432');
  });
});

describe('the pins file', () => {
  const pin = (id: string, time: number) => ({
    id,
    time,
    lane: 'jobs' as const,
    type: 'job.failed',
    what: 'failed: exit 3',
    who: 'ada@jump1',
    jobId: '42',
    opens: { job: '42' },
    pinnedAt: time + 5,
  });

  it('is in the workspace .cache and reads back what was written', async () => {
    const file = pinsFilePath(dir);
    expect(file).toBe(join(dir, '.cache', 'timeline-pins.json'));
    expect(await loadPinsFile(file)).toEqual({ pins: [], skipped: 0 });
    await savePinsFile(file, [pin('2-0', 2000), pin('1-0', 1000)]);
    const read = await loadPinsFile(file);
    expect(read.skipped).toBe(0);
    expect(read.pins.map((p) => p.id)).toEqual(['1-0', '2-0']);
    expect(read.pins[0]).toEqual(pin('1-0', 1000));
  });

  it('keeps the pins that read and counts those that do not', async () => {
    const file = pinsFilePath(dir);
    await mkdir(dirname(file), { recursive: true });
    writeFileSync(
      file,
      JSON.stringify({ pins: [pin('1-0', 1000), { ...pin('2-0', 2000), lane: 'nowhere' }, { id: 3 }] }),
    );
    const read = await loadPinsFile(file);
    expect(read.pins.map((p) => p.id)).toEqual(['1-0']);
    expect(read.skipped).toBe(2);
  });

  it('names the file when it is not JSON', async () => {
    const file = pinsFilePath(dir);
    await mkdir(dirname(file), { recursive: true });
    writeFileSync(file, '{ pins: oops');
    await expect(loadPinsFile(file)).rejects.toThrow(file);
  });
});
