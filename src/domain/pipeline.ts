import * as z from 'zod';
import { timeoutSchema, yamlEnvSchema } from './programSchemas';

/**
 * A local pipeline: steps run by infradeck's own workers, each a child job of the run, in the order of a DAG.
 * `pipelines/<name>.yaml` in the workspace, or `.infradeck/pipeline.yaml` inside a repository.
 *
 * ```yaml
 * name: build                     # default: the file's name (a repository's: the repository's name)
 * env: { CI: "1" }                # for every step (a step's own env wins)
 * steps:
 *   - name: lint
 *     run: [npm, run, lint]       # argv, no shell
 *   - name: test
 *     run: npm test -- --run      # a string needs shell: true (then /bin/sh -c)
 *     shell: true
 *     needs: [lint]               # a step starts once every step it needs passed
 *     env: { NODE_ENV: test }
 *     workdir: packages/web       # relative to the repository (workspace pipelines: the workspace)
 *     timeout: 10m                # default: none
 *     retry: 2                    # attempts (1: no retry); a step whose worker died counts one
 * ```
 */
export interface PipelineStep {
  name: string;
  program: string;
  args: string[];
  shell: boolean;
  needs: string[];
  env: Record<string, string>;
  /** As written (relative to the pipeline's base folder), or undefined for the base folder itself. */
  workdir?: string;
  timeoutMs?: number;
  /** Attempts: 1 = no retry. */
  attempts: number;
}

export interface PipelineDefinition {
  name: string;
  steps: PipelineStep[];
}

const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const pipelineNameRule =
  'a pipeline name is 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit';
export const stepNameRule =
  'a step name is 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit';

export function isPipelineName(name: string): boolean {
  return namePattern.test(name);
}

export const maxStepAttempts = 10;

export const pipelineStepSchema = z
  .object({
    name: z.string().regex(namePattern, stepNameRule),
    run: z.union([z.string().min(1), z.array(z.string().max(65_536)).min(1).max(4096)]),
    shell: z.boolean().default(false),
    needs: z.union([z.string(), z.array(z.string())]).default([]),
    env: yamlEnvSchema.default({}),
    workdir: z.string().min(1).optional(),
    timeout: timeoutSchema.optional(),
    retry: z.number().int().min(1).max(maxStepAttempts).default(1),
  })
  .strict();

export const pipelineFileSchema = z
  .object({
    name: z.string().regex(namePattern, pipelineNameRule).optional(),
    env: yamlEnvSchema.default({}),
    steps: z.array(pipelineStepSchema).min(1, 'a pipeline needs at least one step').max(1000),
  })
  .strict();

export type PipelineFileValue = z.output<typeof pipelineFileSchema>;

function envText(env: Record<string, string | number | boolean>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}

/**
 * The definition from a validated file (checks of the whole, such as cycles, are `pipelineSource`'s). A string
 * `run` is the shell line (the source refuses one without `shell: true`).
 */
export function pipelineOf(value: PipelineFileValue, fallbackName: string): PipelineDefinition {
  const common = envText(value.env);
  return {
    name: value.name ?? fallbackName,
    steps: value.steps.map((s) => {
      const [program, ...args] = typeof s.run === 'string' ? [s.run] : s.run;
      return {
        name: s.name,
        program,
        args,
        shell: s.shell,
        needs: typeof s.needs === 'string' ? [s.needs] : s.needs,
        env: { ...common, ...envText(s.env) },
        ...(s.workdir !== undefined ? { workdir: s.workdir } : {}),
        ...(s.timeout !== undefined ? { timeoutMs: s.timeout } : {}),
        attempts: s.retry,
      };
    }),
  };
}
