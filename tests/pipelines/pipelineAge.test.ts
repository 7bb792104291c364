import { describe, expect, it } from 'vitest';
import type { PipelineRow } from '../../src/domain/pipelineRows';
import { rowNote } from '../../src/screens/pipelines/PipelinesScreen';
import { pipelineColumns } from '../../src/screens/pipelines/pipelineColumns';

const now = Date.parse('2026-03-01T10:00:00Z');

function row(startedAgoMs: number): PipelineRow {
  return {
    key: 'local:build',
    source: 'local',
    repo: null,
    pipeline: 'build',
    file: 'pipelines/build.yaml',
    runs: [
      {
        source: 'local',
        repo: 'workspace',
        id: '42',
        workflow: 'build',
        status: 'passed',
        who: 'ada@jump1',
        startedAt: now - startedAgoMs,
        durationMs: 300,
      },
    ],
  } as PipelineRow;
}

// A run 4 s old read `AGE 4s` in its row and `started just now` on the line under the table.
describe("a run's age reads the same in its row and on the line under the table", () => {
  const age = pipelineColumns(() => now, true).find((c) => c.key === 'age')!;

  it.each([
    [400, '0s', 'started just now'],
    [1_000, '1s', 'started 1 s ago'],
    [4_200, '4s', 'started 4 s ago'],
    [47_000, '47s', 'started 47 s ago'],
    [3 * 60_000, '3m', 'started 3 min ago'],
    [-8_000, '0s', 'started just now'],
  ])('started %i ms ago: AGE %s, and the note says %s', (ms, cell, words) => {
    expect(age.value(row(ms))).toBe(cell);
    expect(rowNote(row(ms), now).text).toContain(` · ${words} · `);
  });
});
