import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../src/domain/timelineLanes';
import { footerLines, recentLines } from '../../src/screens/timeline/timelineText';

const now = Date.UTC(2026, 11, 7, 9, 30);

/** A command job's failure: one event, on the jobs lane and on the errors lane. */
const failure = (lane: TimelineEvent['lane']): TimelineEvent => ({
  time: now - 60_000,
  lane,
  id: `${now - 60_000}-4`,
  type: 'job.failed',
  what: 'command echo web: failed: exit 1',
  who: 'worker vm:2',
  jobId: '205',
  failed: true,
  opens: { job: '205' },
});

describe('the Timeline footer', () => {
  it('marks the event p pins and Enter opens once, on the first lane it is on, when it is on two', () => {
    const lines = footerLines({
      t: now,
      cursor: true,
      span: 3_600_000,
      metrics: [],
      lanes: [
        { title: 'deploys' },
        { title: 'jobs', event: failure('jobs') },
        { title: 'errors', event: failure('errors') },
      ],
      chosen: failure('jobs').id,
      width: 80,
      rows: 4,
    });
    expect(lines.map((l) => l.slice(0, 9))).toEqual([' cursor 0', ' deploys ', '▸jobs    ', ' errors  ']);
    expect(lines.filter((l) => l.includes('▸'))).toHaveLength(1);
    expect(lines[3]).toContain('✖ command echo web: failed: exit 1 · worker vm:2 · job 205');
  });
});

describe('the latest events under the footer, with nothing to list', () => {
  const base = { events: [], t: Date.parse('2026-03-01T09:44:39'), span: 3_600_000, width: 60, rows: 3 };

  it('says none up to the cursor (later events of the window may be drawn), else none in the window', () => {
    expect(recentLines({ ...base, cursor: true })[1]?.trimEnd()).toBe('  none up to the cursor');
    expect(recentLines({ ...base, cursor: false })[1]?.trimEnd()).toBe('  none in this window');
  });
});
