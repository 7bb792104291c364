import * as z from 'zod';
import type { Resource } from '../resource';

/** What the payloads and results of the cloud jobs (`scan`, `terminate`, `power`, `instances`) share. */

export const regionSchema = z
  .string()
  .min(1)
  .max(50)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'not a region name (like eu-west-1)');

const accountSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'not an account id');

/** `region/id` (a `resourceKey`) or a bare id, which the worker looks for in every region. */
export const resourceRefSchema = z
  .string()
  .min(1)
  .max(300)
  .regex(
    /^(?:[a-z0-9][a-z0-9-]*\/)?[A-Za-z0-9][A-Za-z0-9._:-]*$/,
    'not a resource id or region/id (like eu-west-1/i-0abc)',
  );

/** Set by a console or command in read-only mode: the worker refuses the job (it checks its own flag too). */
export const readOnlyField = z.boolean().default(false);

/**
 * The account the console acts on. When given, a worker acting on another account (another profile, or the
 * DEMO cloud because it has no credentials) refuses the job instead of touching the wrong account.
 */
export const accountField = accountSchema.optional();

/** A resource as results and reports name it. */
export interface ResourceSummary {
  type: Resource['type'];
  id: string;
  region: string;
  name?: string;
  project?: string;
}

export interface InstanceOutcome {
  id: string;
  region: string;
  name?: string;
  previous?: string;
  /** The state reached (or, without waiting, the state AWS reported). */
  current?: string;
  error?: string;
}

/** `a, b, c and 2 more`. */
export function listIds(ids: readonly string[], max = 3): string {
  const shown = ids.slice(0, max).join(', ');
  return ids.length > max ? `${shown} and ${ids.length - max} more` : shown;
}

/** The strings of a payload field that should be an array of them (anything else reads as none). */
export function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}
