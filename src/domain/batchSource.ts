import { isSeq } from 'yaml';
import { type BatchDefinition, batchFileSchema, batchNameRule, batchOf, isBatchName } from './batch';
import type { TargetProblem } from './batchTargets';
import type { SourceError } from './sourceError';
import { parseYamlFile, sourceErrorAt } from './yamlSource';

export type BatchFile =
  | {
      ok: true;
      file: string;
      batch: BatchDefinition;
      /** Locates a problem found later (an unknown server of `targets:`) where it is written in the file. */
      errorAt(path: readonly PropertyKey[], message: string): SourceError;
      /** A problem of resolving the targets, at the selector or name it comes from. */
      targetErrorAt(problem: TargetProblem): SourceError;
    }
  | { ok: false; file: string; errors: SourceError[] };

/** `batches/restart-web.yaml` -> `restart-web`. */
export function batchNameOfFile(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/\.ya?ml$/i, '');
}

/** Validates one `batches/<name>.yaml`; every problem located (`file:line:col: path: message`). Never throws. */
export function parseBatchFile(file: string, text: string): BatchFile {
  const parsed = parseYamlFile(file, text, batchFileSchema);
  if (!parsed.ok) return { ok: false, file, errors: parsed.errors };
  const { doc, lines } = parsed;
  const errorAt = (path: readonly PropertyKey[], message: string) =>
    sourceErrorAt(file, doc, lines, path, message);
  const fallback = batchNameOfFile(file);
  if (parsed.value.name === undefined && !isBatchName(fallback)) {
    const message = `no \`name:\`, and the file's name "${fallback}" is not one (${batchNameRule})`;
    return { ok: false, file, errors: [errorAt([], message)] };
  }
  const listed = isSeq(doc.get('targets'));
  const targetErrorAt = (p: TargetProblem) =>
    errorAt(['targets', ...(listed ? [p.selector] : []), ...p.path], p.message);
  return { ok: true, file, batch: batchOf(parsed.value, fallback), errorAt, targetErrorAt };
}
