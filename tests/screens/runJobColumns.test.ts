import { describe, expect, it } from 'vitest';
import { layoutColumns, measureColumns } from '../../src/components/columnLayout';
import type { PipelineJob } from '../../src/domain/pipelineClient';
import { runJobColumns, runJobRows } from '../../src/screens/pipelines/runJobColumns';

const step = (name: string, status: PipelineJob['status']): PipelineJob => ({
  repo: '',
  id: `3.${name}`,
  runId: '3',
  name,
  status,
  steps: [],
  startedAt: 0,
  durationMs: 7_700,
});

describe("a run's jobs at 80 columns", () => {
  it("shows a long step name whole, and the ID whole or not at all: what is left, never the name's room", () => {
    const name = 'warm-up-the-very-long-named-step-for-width';
    const rows = runJobRows([step(name, 'running'), step('after', 'waiting')]);
    const columns = runJobColumns(() => 10_000, false);
    const widths = layoutColumns(columns, 78, measureColumns(rows, columns));
    const width = (key: string) => widths[columns.findIndex((c) => c.key === key)];
    expect(width('name')).toBeGreaterThanOrEqual(name.length);
    expect(width('status')).toBeGreaterThanOrEqual('running'.length);
    expect(width('duration')).toBeGreaterThan(0);
    // The ID (`3.` and the name again) is whole or not shown: `3.wa…dth` named no job.
    expect([0, `3.${name}`.length]).toContain(width('id'));
  });
});
