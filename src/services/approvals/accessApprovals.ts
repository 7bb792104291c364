import { type AccessState, roleOf } from '../../domain/access';
import {
  type ApprovalPolicy,
  approvalPolicyFrom,
  defaultApprovalExpiryMs,
  noApprovals,
} from '../../domain/approval';
import { enforcedAccess } from '../access/accessPolicy';

/**
 * The approvals of this process's workspace: `access.yaml`'s protected projects and `approve` kinds, its admins
 * (per project too). Read at every question, so an edit of the file applies to the next job without a restart. No
 * file: nothing waits (everyone is admin). A broken file: nothing is held (the role check refuses every change
 * anyway), and nobody may decide (fail closed).
 */
export function accessApprovals(
  state: () => AccessState = enforcedAccess,
  expiresAfterMs = defaultApprovalExpiryMs,
): ApprovalPolicy {
  const current = (): ApprovalPolicy | { broken: string } => {
    const access = state();
    if (access.kind === 'none') return noApprovals;
    if (access.kind === 'broken') return { broken: access.error };
    const { policy } = access;
    return approvalPolicyFrom({
      isAdmin: (who, project) => roleOf(policy, who, project) === 'admin',
      protectedProjects: policy.protected,
      approveKinds: policy.approve,
      expiresAfterMs: policy.approvalExpiryMs ?? expiresAfterMs,
    });
  };
  return {
    get expiresAfterMs() {
      const access = state();
      return (access.kind === 'policy' && access.policy.approvalExpiryMs) || expiresAfterMs;
    },
    needsApproval: (spec) => {
      const policy = current();
      return 'broken' in policy ? { needed: false } : policy.needsApproval(spec);
    },
    mayApprove: (who, job) => {
      const policy = current();
      if ('broken' in policy)
        return { ok: false, reason: `access.yaml cannot be read, so nobody may decide: ${policy.broken}` };
      return policy.mayApprove(who, job);
    },
  };
}
