import type { BatchPlan } from '../../domain/batchPlan';
import type { BatchRunView } from '../../domain/batchRun';
import { type BatchFile, batchNameOfFile } from '../../domain/batchSource';
import { formatSourceError } from '../../domain/sourceError';
import type { BatchPlanning } from '../../state/slices/batches';

export type ValidBatchFile = Extract<BatchFile, { ok: true }>;

/**
 * A line of the Batch tab: a run (newest first), then each file of `batches/`: ready to start (with its plan as
 * of the last read), or with its errors (`file:line:col: path: message`; a target that names nothing is one).
 */
export type BatchRow =
  | { kind: 'run'; key: string; name: string; run: BatchRunView }
  | { kind: 'defined'; key: string; name: string; file: ValidBatchFile; plan?: BatchPlan }
  | { kind: 'invalid'; key: string; name: string; file: string; errors: string[] };

export function batchRows(
  runs: Iterable<BatchRunView>,
  files: readonly BatchFile[] | undefined,
  plans: ReadonlyMap<string, BatchPlanning>,
): BatchRow[] {
  const rows: BatchRow[] = [];
  for (const run of runs) rows.push({ kind: 'run', key: `run:${run.job.id}`, name: run.payload.name, run });
  for (const file of files ?? []) {
    const key = `file:${file.file}`;
    const planning = file.ok ? plans.get(file.file) : undefined;
    if (file.ok && planning?.ok === false)
      rows.push({ kind: 'invalid', key, name: file.batch.name, file: file.file, errors: planning.errors });
    else if (file.ok)
      rows.push({
        kind: 'defined',
        key,
        name: file.batch.name,
        file,
        ...(planning?.ok ? { plan: planning.plan } : {}),
      });
    else
      rows.push({
        kind: 'invalid',
        key,
        name: batchNameOfFile(file.file),
        file: file.file,
        errors: file.errors.map(formatSourceError),
      });
  }
  return rows;
}
