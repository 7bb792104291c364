import { decideOnJob, decisionExits } from './approvalDecision';
import { declareCommand } from './declaration';
import { parseOneArgument } from './oneArgument';

export const approveDeclaration = declareCommand({
  name: 'approve',
  summary: 'approve a job waiting for an approval: it is queued and runs',
  description:
    'Only an admin (access.yaml) who did not ask for the job may approve it, before it expires; the audit trail ' +
    'records who approved it, when and from where. See infradeck approvals.',
  args: [{ name: 'JOB', help: 'the id of an approval_pending job' }],
  flags: {},
  exits: decisionExits,
  run: approveCommand,
});

/** `infradeck approve JOB` */
export async function approveCommand(argv: string[], io: Parameters<typeof decideOnJob>[2]): Promise<number> {
  const parsed = parseOneArgument(
    approveDeclaration,
    argv,
    'which job? (infradeck approvals lists them)',
    io,
  );
  if (typeof parsed === 'number') return parsed;
  return decideOnJob('approve', parsed.arg, io, (bus, by) => bus.queue.approve(parsed.arg, by));
}
