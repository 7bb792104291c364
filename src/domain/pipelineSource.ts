import { didYouMean } from './didYouMean';
import {
  isPipelineName,
  type PipelineDefinition,
  pipelineFileSchema,
  pipelineNameRule,
  pipelineOf,
} from './pipeline';
import { cycleText, findCycle } from './pipelineDag';
import type { SourceError } from './sourceError';
import { parseYamlFile, sourceErrorAt } from './yamlSource';

export type PipelineFile =
  | { ok: true; file: string; pipeline: PipelineDefinition }
  | { ok: false; file: string; name?: string; errors: SourceError[] };

/** `pipelines/build.yaml` -> `build`. */
export function pipelineNameOfFile(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/\.ya?ml$/i, '');
}

/**
 * Validates a pipeline file; every problem located (`file:line:col: path: message`): the file's shape, then the
 * DAG (duplicate step names, unknown `needs` with a did-you-mean, a step that needs itself, a cycle named along
 * its steps: `a -> b -> a`). `fallbackName`: the name when the file gives none (its file name, or its repository's).
 * Never throws.
 */
export function parsePipelineFile(
  file: string,
  text: string,
  fallbackName = pipelineNameOfFile(file),
): PipelineFile {
  const parsed = parseYamlFile(file, text, pipelineFileSchema);
  if (!parsed.ok) return { ok: false, file, errors: parsed.errors };
  const { doc, lines, value } = parsed;
  const errorAt = (path: readonly PropertyKey[], message: string) =>
    sourceErrorAt(file, doc, lines, path, message);
  const errors: SourceError[] = [];
  if (value.name === undefined && !isPipelineName(fallbackName)) {
    errors.push(errorAt([], `no \`name:\`, and "${fallbackName}" is not one (${pipelineNameRule})`));
  }

  const first = new Map<string, number>();
  value.steps.forEach((s, i) => {
    const earlier = first.get(s.name);
    if (earlier === undefined) first.set(s.name, i);
    else errors.push(errorAt(['steps', i, 'name'], `duplicate step "${s.name}" (already steps[${earlier}])`));
    const stringRun = typeof s.run === 'string';
    if (stringRun && !s.shell) {
      errors.push(
        errorAt(
          ['steps', i, 'run'],
          'a string runs only with `shell: true`; or give the argv as a list: [program, args…]',
        ),
      );
    } else if (!stringRun && s.shell && s.run.length > 1) {
      errors.push(
        errorAt(['steps', i, 'run'], 'with `shell: true`, `run` is one line: a string, not a list'),
      );
    }
  });

  const names = [...first.keys()];
  value.steps.forEach((s, i) => {
    const needs = typeof s.needs === 'string' ? [s.needs] : s.needs;
    const listed = typeof s.needs !== 'string';
    needs.forEach((need, j) => {
      const path = ['steps', i, 'needs', ...(listed ? [j] : [])];
      if (need === s.name) errors.push(errorAt(path, `step "${s.name}" needs itself`));
      else if (!first.has(need)) {
        const near = didYouMean(need, names, Math.max(1, Math.floor(need.length / 3)));
        const hint = near ? `did you mean "${near}"?` : `steps: ${names.join(', ')}`;
        errors.push(errorAt(path, `unknown step "${need}" (${hint})`));
      }
    });
  });

  const pipeline = pipelineOf(value, fallbackName);
  // Unknown needs and a step's need of itself are reported above and left out of the search.
  const cycle = findCycle(
    pipeline.steps.map((s) => ({ name: s.name, needs: s.needs.filter((n) => n !== s.name) })),
  );
  if (cycle) {
    // Shown at the `needs` of the cycle's first step.
    const at = value.steps.findIndex((s) => s.name === cycle[0]);
    errors.push(errorAt(['steps', at, 'needs'], `a cycle: ${cycleText(cycle)}`));
  }
  if (errors.length > 0) {
    errors.sort((a, b) => a.line - b.line || a.column - b.column);
    return { ok: false, file, name: value.name ?? fallbackName, errors };
  }
  return { ok: true, file, pipeline };
}

/** A local pipeline file as found: where, whose, the folder its steps run in by default, and what it says. */
export interface LocalPipelineSource {
  /** The workspace's `pipelines/` or a repository's `.infradeck/pipeline.yaml`. */
  origin: 'workspace' | 'repo';
  /** The repository's name (origin `repo`). */
  repo?: string;
  /** Steps run here unless their `workdir` says otherwise: the repository, or the workspace. */
  baseDir: string;
  parsed: PipelineFile;
}

/** A pipeline's name as listed and run: its own, else what its file would be called. */
export function localPipelineName(p: LocalPipelineSource): string {
  if (p.parsed.ok) return p.parsed.pipeline.name;
  return p.parsed.name ?? p.repo ?? p.parsed.file.replace(/^.*[\\/]/, '').replace(/\.ya?ml$/i, '');
}
