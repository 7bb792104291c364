import * as z from 'zod';
import { readTimeout } from './batchDuration';

/** Refuses environment variable names a shell could not set (`FOO-BAR`, `1X`), naming each. */
export function checkVariableNames(env: Record<string, unknown>, ctx: z.RefinementCtx): void {
  for (const name of Object.keys(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      ctx.addIssue({ code: 'custom', path: [name], message: `"${name}" is not a variable name` });
    }
  }
}

/** `env:` of a pipeline step or an experiment as YAML gives it: numbers and booleans are fine, names checked. */
export const yamlEnvSchema = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
  .superRefine(checkVariableNames);

/** `timeout: 90s` / `10m` / seconds as a number, read into milliseconds. */
export const timeoutSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const read = readTimeout(value);
  if (read.ok) return read.value;
  ctx.issues.push({ code: 'custom', message: read.message, input: value });
  return z.NEVER;
});
