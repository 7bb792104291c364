import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../../src/domain/config';
import type { DeckEvent } from '../../src/domain/event';
import type { EventBus } from '../../src/services/bus/contracts';
import { deckTimelineFor } from '../../src/services/timeline/deckTimeline';
import { feedTimeline } from '../../src/services/timeline/timelineFeed';
import type { DeckTimeline } from '../../src/state/services/timeline';

const minute = 60_000;

/** A stored event at `ms` (its stream id's time is what the Timeline draws it at). */
export function storedEvent(ms: number, seq: number, e: Omit<DeckEvent, 'id' | 'at'>): DeckEvent {
  return { id: `${Math.floor(ms)}-${seq}`, at: ms, ...e } as DeckEvent;
}

const ada = { user: 'ada', host: 'jump1' };

/**
 * An incident's worth of events before `now`, as the bus stores them: a deploy of shop 20 minutes ago, a job
 * that failed 9 minutes ago (its output a second line with an escape sequence), a region scan 5 minutes ago, and
 * job output all along (the events/s lane).
 */
export function incidentEvents(now: number): DeckEvent[] {
  let seq = 0;
  const at = (minutesAgo: number, e: Omit<DeckEvent, 'id' | 'at'>) =>
    storedEvent(now - minutesAgo * minute, seq++, e);
  const events: DeckEvent[] = [
    at(20, {
      level: 'info',
      type: 'job.queued',
      jobId: '101',
      source: ada,
      message: 'queued deploy shop (d-1)',
      data: { kind: 'deploy', summary: 'deploy shop (d-1)' },
    }),
    at(10, {
      level: 'info',
      type: 'job.started',
      jobId: '102',
      source: { worker: 'ops-2:4411' },
      message: 'started run migrate',
      data: { kind: 'command' },
    }),
    at(9, {
      level: 'error',
      type: 'job.failed',
      jobId: '102',
      source: ada,
      message: 'failed: migrate \x1b[31mexit 3\x1b[0m\x1b]0;owned\x07',
      data: { kind: 'command', error: 'exit 3' },
    }),
    at(5, {
      level: 'info',
      type: 'scan.region',
      source: ada,
      message: 'scanned eu-west-1',
      data: { scan: { region: 'eu-west-1' } },
    }),
  ];
  for (let m = 30; m >= 1; m--) {
    const line = m > 9 ? `GET /health 200 in ${m}ms` : `ERROR connection refused to 10.0.0.${m}:5432`;
    events.push(
      at(m + 0.5, {
        level: 'info',
        type: 'job.log',
        jobId: '102',
        source: ada,
        message: line,
        data: { line },
      }),
    );
  }
  return events.sort((a, b) => a.at - b.at);
}

export interface TimelineWorkspace {
  dir: string;
  services: DeckTimeline;
  remove(): void;
}

/**
 * The real Timeline services over a fresh workspace folder (its pins file, no repositories), fed from `events`
 * through the real feed, as the Redis stream's replay would be instead of from a bus.
 */
export function timelineWorkspace(events: () => DeckEvent[], dir?: string): TimelineWorkspace {
  const folder = dir ?? mkdtempSync(join(tmpdir(), 'timetab-'));
  const real = deckTimelineFor({ dataDir: folder, config: configSchema.parse({}), env: {} });
  return {
    dir: folder,
    services: {
      ...real,
      // The real feed, over a bus whose subscription hands over `events` as the stream's replay would.
      feed: (store) => {
        const list = events();
        const bus = {
          subscribe: (_from: string, onEvent: (e: DeckEvent) => void) => {
            for (const e of list) onEvent(e);
            return () => {};
          },
        } as unknown as EventBus;
        const feed = feedTimeline(store, bus, { since: 0 });
        return {
          replayed: feed.replayed.then(() => ({ events: list.length, from: 'stream' as const })),
          stop: feed.stop,
        };
      },
      logLines: async (_bus, start, end) => ({
        lines: events()
          .filter((e) => e.type === 'job.log' && e.at >= start && e.at < end)
          .map((e) => e.message),
        from: 'stream',
        truncated: false,
      }),
    },
    remove: () => rmSync(folder, { recursive: true, force: true }),
  };
}
