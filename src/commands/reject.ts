import { decideOnJob, decisionExits } from './approvalDecision';
import { declareCommand, usageError } from './declaration';
import { parseOneArgument } from './oneArgument';

export const rejectDeclaration = declareCommand({
  name: 'reject',
  summary: 'reject a job waiting for an approval, with a reason: it ends rejected',
  description:
    'Only an admin (access.yaml) who did not ask for the job may reject it; the reason is kept with the job and in ' +
    'the audit trail. See infradeck approvals.',
  args: [{ name: 'JOB', help: 'the id of an approval_pending job' }],
  flags: { reason: { type: 'string', value: 'TEXT', help: 'why (required): the requester reads it' } },
  exits: decisionExits,
  run: rejectCommand,
});

/** `infradeck reject JOB --reason TEXT` */
export async function rejectCommand(argv: string[], io: Parameters<typeof decideOnJob>[2]): Promise<number> {
  const parsed = parseOneArgument(rejectDeclaration, argv, 'which job? (infradeck approvals lists them)', io);
  if (typeof parsed === 'number') return parsed;
  const reason = parsed.values.reason?.trim();
  if (!reason) return usageError(rejectDeclaration, io, new Error('a rejection needs --reason TEXT'));
  return decideOnJob('reject', parsed.arg, io, (bus, by) => bus.queue.reject(parsed.arg, by, reason));
}
