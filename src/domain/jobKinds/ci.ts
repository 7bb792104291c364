import * as z from 'zod';
import { readOnlyField } from './cloudJobFields';
import { carries, declareJobKind } from './jobKindDeclaration';

const hostSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$/i, 'not a host name (like gitlab.example.com)');

const runIdSchema = z.string().regex(/^[1-9]\d{0,19}$/, 'not a run id (digits)');

/**
 * `ci`: change something on a remote CI (GitHub Actions, GitLab CI): start a run (`trigger`), re-run its failed
 * jobs (`rerun`), or cancel it. Reading runs is not a job: the console asks the provider directly.
 */
export const ciPayloadSchema = z
  .object({
    provider: z.enum(['github', 'gitlab']),
    host: hostSchema,
    /** GitHub `owner/name`, GitLab `group/sub/project`. */
    repo: z
      .string()
      .min(3)
      .max(512)
      .regex(/^[\w.-]+(\/[\w.-]+)+$/, 'not a repository path (like owner/name)'),
    action: z.enum(['trigger', 'rerun', 'cancel']),
    /** `rerun` and `cancel`: the run (GitLab: pipeline) id. */
    run: runIdSchema.optional(),
    /** `trigger` on GitHub: the workflow file (`deploy.yml`). */
    workflow: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[\w.-]+$/, 'not a workflow file name (like deploy.yml)')
      .optional(),
    /** `trigger`: the branch or tag. */
    ref: z.string().min(1).max(255).optional(),
    /** `trigger`: GitHub `workflow_dispatch` inputs, GitLab pipeline variables. */
    inputs: z.record(z.string().min(1).max(255), z.string().max(65_536)).default({}),
    /** `trigger`: the local clone on the worker, where the workflow file says which inputs are valid. */
    clone: z.string().min(1).optional(),
    readOnly: readOnlyField,
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.action !== 'trigger' && !p.run)
      ctx.addIssue({ code: 'custom', path: ['run'], message: `${p.action} needs the run id` });
    if (p.action === 'trigger') {
      if (!p.ref)
        ctx.addIssue({ code: 'custom', path: ['ref'], message: 'trigger needs a branch or tag (ref)' });
      if (p.provider === 'github' && !p.workflow)
        ctx.addIssue({
          code: 'custom',
          path: ['workflow'],
          message: 'a GitHub trigger needs the workflow file',
        });
    }
  });

export type CiPayload = z.output<typeof ciPayloadSchema>;

export interface CiResult {
  provider: 'github' | 'gitlab';
  host: string;
  repo: string;
  action: 'trigger' | 'rerun' | 'cancel';
  /** The run acted on, or the run a trigger started when the provider says (GitLab does, GitHub does not). */
  run?: string;
  message: string;
}

export const ciJob = declareJobKind({
  kind: 'ci',
  payload: ciPayloadSchema,
  result: carries<CiResult>(),
  // A trigger that timed out may still have started a run: running it again could start a second one.
  policy: { attempts: 1, backoffMs: 10_000, timeoutMs: 2 * 60_000 },
  changes: true,
  describe: (p) => {
    const text = (v: unknown) => (typeof v === 'string' && v ? v : '?');
    const where = `${text(p.repo)} (${text(p.host)})`;
    if (p.action === 'trigger')
      return `ci trigger ${typeof p.workflow === 'string' ? `${p.workflow} ` : ''}on ${text(p.ref)} in ${where}`;
    if (p.action === 'rerun') return `ci re-run failed jobs of run ${text(p.run)} in ${where}`;
    if (p.action === 'cancel') return `ci cancel run ${text(p.run)} in ${where}`;
    return `ci ${text(p.action)} in ${where}`;
  },
  events: [],
});
