import * as z from 'zod';
import { type AccessPolicy, isRole, type Role, roles } from './access';
import { didYouMean } from './didYouMean';
import { jobKinds } from './job';
import { timeoutSchema } from './programSchemas';
import type { SourceError } from './sourceError';
import { parseYamlFile } from './yamlSource';

// Role names and job kinds are checked by the schema itself, with a did-you-mean: one pass locates every problem.
const roleSchema = z.string().superRefine((value, ctx) => {
  if (!isRole(value)) ctx.addIssue({ code: 'custom', message: notA('role', value, roles) });
});
const names = z.record(z.string().min(1, 'a name is empty'), roleSchema);
const jobKindSchema = z.string().superRefine((value, ctx) => {
  if (!(jobKinds as readonly string[]).includes(value))
    ctx.addIssue({ code: 'custom', message: notA('job kind', value, jobKinds) });
});

/** `access.yaml`. */
export const accessFileSchema = z
  .object({
    /** OS user name to role. */
    users: names.default({}),
    /** OS group name to role. */
    groups: names.default({}),
    /** Project name to (user or group name to role). */
    projects: z.record(z.string().min(1, 'a project name is empty'), names).default({}),
    /** Projects whose changes need an admin. */
    protected: z.array(z.string().min(1, 'a project name is empty')).default([]),
    /** Job kinds that go to an approval when a non-admin asks. */
    approve: z.array(jobKindSchema).default([]),
    /** Workers refuse unsigned requests. */
    requireSignatures: z.boolean().default(false),
    /** How long a job waits for an approval before it ends rejected (`8h`, `30m`; at most a day). */
    approvalExpiry: timeoutSchema.optional(),
  })
  .strict();

export type AccessFile = { ok: true; policy: AccessPolicy } | { ok: false; errors: SourceError[] };

/**
 * Validates `access.yaml` text; every problem located (`file:line:col: path: message`): the shape, a role that is
 * not `admin`, `operator` or `viewer`, a job kind under `approve` this version does not know (each with a
 * did-you-mean). All or nothing: a file with any problem gives no policy (the callers fail closed). Never throws.
 */
export function parseAccessFile(file: string, text: string): AccessFile {
  const parsed = parseYamlFile(file, text, accessFileSchema, { empty: {} });
  if (!parsed.ok) return { ok: false, errors: parsed.errors };
  const { value } = parsed;
  return {
    ok: true,
    policy: {
      file,
      users: value.users as Record<string, Role>,
      groups: value.groups as Record<string, Role>,
      projects: value.projects as Record<string, Record<string, Role>>,
      protected: [...new Set(value.protected)],
      approve: [...new Set(value.approve)],
      requireSignatures: value.requireSignatures,
      ...(value.approvalExpiry !== undefined ? { approvalExpiryMs: value.approvalExpiry } : {}),
    },
  };
}

/** `"admn" is not a role (did you mean "admin"? roles: viewer, operator, admin)` */
function notA(what: string, value: string, allowed: readonly string[]): string {
  const guess = didYouMean(value, allowed, Math.max(1, Math.floor(value.length / 3)));
  const listName = what === 'role' ? 'roles' : 'kinds';
  return `"${value}" is not a ${what} (${guess ? `did you mean "${guess}"? ` : ''}${listName}: ${allowed.join(', ')})`;
}
