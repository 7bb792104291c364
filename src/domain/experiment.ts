import * as z from 'zod';
import type { MetricGoal } from './experimentMetrics';
import { timeoutSchema, yamlEnvSchema } from './programSchemas';

/**
 * An experiment: a program whose runs print metrics. `ai/experiments/<name>.yaml` in the workspace.
 *
 * ```yaml
 * name: tiny-regression            # default: the file's name
 * command: [node, ai/train.mjs, --lr, "{lr}"]   # argv, no shell; {param} is replaced by the param's value
 * params: { lr: 0.05, epochs: 200 } # each also reaches the program as INFRADECK_PARAM_<NAME> (LR, EPOCHS)
 * grid:                            # optional: one run per combination (here 3 x 2 = 6 runs)
 *   lr: [0.1, 0.03, 0.01]
 *   seed: [1, 2]
 * metric: { name: loss, goal: min } # the main metric: `ai runs` shows its best value (goal default: min)
 * where: worker                    # default; or { server: NAME } (ssh, servers.yaml) or { local: NAME }
 * env: { PYTHONUNBUFFERED: "1" }
 * workdir: ai                      # worker and local: relative to the workspace (default: the workspace)
 * timeout: 2h                      # default: none
 * ```
 */
export type ExperimentWhere =
  | { type: 'worker' }
  /** Over ssh to this host of `servers.yaml`, as a batch's `ssh` action. */
  | { type: 'server'; server: string }
  /** On the worker with `INFRADECK_TARGET` and `INFRADECK_TARGET_HOST` of this host, as a batch's `local` action. */
  | { type: 'local'; server: string };

export type ParamValue = string | number | boolean;

export interface ExperimentDefinition {
  name: string;
  command: string[];
  params: Record<string, ParamValue>;
  /** Each key's values, in the file's order. */
  grid: Record<string, ParamValue[]>;
  metric?: { name: string; goal: MetricGoal };
  where: ExperimentWhere;
  env: Record<string, string>;
  workdir?: string;
  timeoutMs?: number;
}

const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const experimentNameRule =
  'an experiment name is 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit';
const paramNamePattern = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const paramNameRule = 'a param name is a letter or "_", then letters, digits or "_" (at most 64)';
/** More runs than this from one grid is almost surely a typo (and would flood the queue). */
export const maxGridRuns = 256;

export function isExperimentName(name: string): boolean {
  return namePattern.test(name);
}

const paramValueSchema = z.union([z.string().max(4096), z.number(), z.boolean()]);
const paramsSchema = z.record(z.string(), paramValueSchema).superRefine((params, ctx) => {
  for (const name of Object.keys(params)) {
    if (!paramNamePattern.test(name))
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: `"${name}" is not a param name (${paramNameRule})`,
      });
  }
});

const serverNameSchema = z.string().min(1).max(200);

const whereSchema = z.union([
  z.literal('worker'),
  z.object({ server: serverNameSchema }).strict(),
  z.object({ local: serverNameSchema }).strict(),
]);

const metricSchema = z.union([
  z.string().min(1).max(128),
  z.object({ name: z.string().min(1).max(128), goal: z.enum(['min', 'max']).default('min') }).strict(),
]);

export const experimentFileSchema = z
  .object({
    name: z.string().regex(namePattern, experimentNameRule).optional(),
    description: z.string().max(2000).optional(),
    command: z.array(z.string().max(65_536)).min(1, 'a command is an argv list: [program, args…]').max(4096),
    params: paramsSchema.default({}),
    grid: z
      .record(
        z.string(),
        z.array(paramValueSchema).min(1, 'a grid key needs at least one value').max(maxGridRuns),
      )
      .default({}),
    metric: metricSchema.optional(),
    where: whereSchema.default('worker'),
    env: yamlEnvSchema.default({}),
    workdir: z.string().min(1).max(4096).optional(),
    timeout: timeoutSchema.optional(),
  })
  .strict();

export type ExperimentFileValue = z.output<typeof experimentFileSchema>;

function text(value: string | number | boolean): string {
  return String(value);
}

/** The definition of a validated file (checks of the whole, such as the grid's size, are `experimentSource`'s). */
export function experimentOf(value: ExperimentFileValue, fallbackName: string): ExperimentDefinition {
  const where: ExperimentWhere =
    value.where === 'worker'
      ? { type: 'worker' }
      : 'server' in value.where
        ? { type: 'server', server: value.where.server }
        : { type: 'local', server: value.where.local };
  return {
    name: value.name ?? fallbackName,
    command: value.command,
    params: value.params,
    grid: value.grid,
    ...(value.metric !== undefined
      ? {
          metric:
            typeof value.metric === 'string'
              ? { name: value.metric, goal: 'min' as const }
              : { name: value.metric.name, goal: value.metric.goal },
        }
      : {}),
    where,
    env: Object.fromEntries(Object.entries(value.env).map(([k, v]) => [k, text(v)])),
    ...(value.workdir !== undefined ? { workdir: value.workdir } : {}),
    ...(value.timeout !== undefined ? { timeoutMs: value.timeout } : {}),
  };
}

/** `lr` -> `INFRADECK_PARAM_LR`: how a param reaches the program's environment. */
export function paramEnvName(name: string): string {
  return `INFRADECK_PARAM_${name.toUpperCase()}`;
}

/** How many runs the grid makes (1 without a grid). */
export function gridSize(grid: Record<string, readonly unknown[]>): number {
  let n = 1;
  for (const values of Object.values(grid)) n *= values.length;
  return n;
}

/**
 * The params of every run: the grid's combinations in order (the last key varies fastest), each over the
 * experiment's params; `overrides` (`--param k=v`) win, and a grid key they set is no longer varied.
 */
export function expandGrid(
  params: Record<string, ParamValue>,
  grid: Record<string, readonly ParamValue[]>,
  overrides: Record<string, string> = {},
): Array<Record<string, string>> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) base[k] = text(v);
  const varied = Object.entries(grid).filter(([k]) => !Object.hasOwn(overrides, k));
  let runs: Array<Record<string, string>> = [{ ...base }];
  for (const [key, values] of varied) {
    const next: Array<Record<string, string>> = [];
    for (const run of runs) for (const v of values) next.push({ ...run, [key]: text(v) });
    runs = next;
  }
  return runs.map((run) => ({ ...run, ...overrides }));
}

/**
 * `{name}` in an argument is replaced by the param's value; only the names of params: other braces (JSON
 * arguments, `{}` of find) are left as they are, and `{{name}}` writes a literal `{name}`.
 */
export function substituteParams(argv: readonly string[], params: Record<string, string>): string[] {
  return argv.map((arg) =>
    arg.replace(/\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, literal, name) => {
      if (literal !== undefined) return Object.hasOwn(params, literal) ? `{${literal}}` : whole;
      return Object.hasOwn(params, name) ? params[name] : whole;
    }),
  );
}

/** The `{name}`s an argv uses, in order of first use. */
export function paramsUsed(argv: readonly string[]): string[] {
  const names = new Set<string>();
  for (const arg of argv) {
    for (const m of arg.matchAll(/\{\{[A-Za-z_][A-Za-z0-9_]*\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}/g))
      if (m[1]) names.add(m[1]);
  }
  return [...names];
}
