import { describe, expect, it } from 'vitest';
import { settleRuns, withRunEnded, withRunStarted } from '../../src/domain/jobRuns';
import { resultLines, runLines } from '../../src/domain/jobText';
import { sliceColumns } from '../../src/domain/textColumns';
import { parseRuns } from '../../src/services/bus/redisRuns';

describe("a job's attempts", () => {
  it('closes an attempt left open as lost when the next one starts (its worker died)', () => {
    let runs = withRunStarted(undefined, { attempt: 1, startedAt: 10, worker: 'w1:1' });
    runs = withRunStarted(runs, { attempt: 1, startedAt: 50, worker: 'w2:2' });
    runs = withRunEnded(runs, { outcome: 'completed', finishedAt: 60 });
    expect(runs).toEqual([
      { attempt: 1, startedAt: 10, worker: 'w1:1', outcome: 'lost' },
      { attempt: 1, startedAt: 50, worker: 'w2:2', outcome: 'completed', finishedAt: 60 },
    ]);
    // An end with no attempt open (a queued job cancelled) changes nothing.
    expect(withRunEnded(runs, { outcome: 'cancelled', finishedAt: 70 })).toEqual(runs);
  });

  it('settles an attempt still open against the state of the job', () => {
    const open = withRunStarted([], { attempt: 2, startedAt: 5 });
    expect(settleRuns(open, { status: 'active' })[0].outcome).toBe('running');
    expect(settleRuns(open, { status: 'failed', finishedAt: 9, error: 'boom' })[0]).toMatchObject({
      outcome: 'failed',
      finishedAt: 9,
      error: 'boom',
    });
    expect(settleRuns(open, { status: 'queued' })[0].outcome).toBe('lost');
  });

  it('reads the entries a Redis worker appends, skipping what it cannot read', () => {
    const text = [
      '{"e":"start","a":1,"at":100,"w":"a:1"}',
      '{"e":"end","o":"failed","at":150,"err":"exit 3"}',
      'not json',
      '{"e":"start","a":2,"at":200,"w":"a:1"}',
      '{"e":"start","a":2,"at":400,"w":"b:2"}',
    ].join('\n');
    expect(parseRuns(text, { status: 'active' }).map((r) => [r.attempt, r.outcome, r.worker])).toEqual([
      [1, 'failed', 'a:1'],
      [2, 'lost', 'a:1'],
      [2, 'running', 'b:2'],
    ]);
  });

  it('reads as one line per attempt: when, how it ended, where, why', () => {
    const now = new Date(2025, 5, 11, 14, 3, 30).getTime();
    const at = new Date(2025, 5, 11, 14, 3, 7).getTime();
    const lines = runLines(
      [
        {
          attempt: 1,
          startedAt: at,
          finishedAt: at + 1200,
          outcome: 'failed',
          worker: 'web-1:42',
          error: 'exit 3',
        },
        { attempt: 2, startedAt: at + 5000, outcome: 'running', worker: 'web-1:42' },
      ],
      3,
      now,
    );
    expect(lines).toEqual([
      '#1  try 1/3  14:03:07  failed after 1.2s  on web-1:42  exit 3',
      '#2  try 2/3  14:03:12  running for 18.0s  on web-1:42',
    ]);
    expect(runLines([{ attempt: 1, startedAt: at, outcome: 'lost' }], 1, now + 86_400_000)).toEqual([
      '#1  try 1/1  2025-06-11 14:03:07  lost its worker',
    ]);
  });
});

describe("a job's result", () => {
  it('reads as YAML key/value lines, whole, however long', () => {
    const long = 'x'.repeat(300);
    expect(resultLines({ exitCode: 0, created: ['vpc-1', 'subnet-2'], note: long })).toEqual([
      'exitCode: 0',
      'created:',
      '  - vpc-1',
      '  - subnet-2',
      `note: ${long}`,
    ]);
    expect(resultLines('done')).toEqual(['done']);
    expect(resultLines({})).toEqual(['{}']);
    expect(resultLines(undefined)).toEqual([]);
  });
});

describe('a line scrolled sideways', () => {
  it('starts at the column asked, by display width, and never splits a wide character', () => {
    expect(sliceColumns('abcdefghij', 3, 5)).toBe('defg…');
    expect(sliceColumns('abcdefghij', 3, 7)).toBe('defghij');
    expect(sliceColumns('日本語テキスト', 2, 6)).toBe('本語… ');
    // Column 3 is the second half of 本: a space stands for it.
    expect(sliceColumns('日本語テキスト', 3, 6)).toBe(' 語テ…');
  });
});
