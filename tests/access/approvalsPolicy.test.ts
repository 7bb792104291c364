import { describe, expect, it } from 'vitest';
import type { AccessState } from '../../src/domain/access';
import { parseAccessFile } from '../../src/domain/accessSource';
import { approvalPolicyFrom, approvalsBadge, noApprovals, pendingApprovals } from '../../src/domain/approval';
import type { JobView } from '../../src/domain/job';
import { accessApprovals } from '../../src/services/approvals/accessApprovals';
import { sameJson } from '../../src/services/approvals/approvalGate';

const bob = { user: 'bob', host: 'h' };
const alice = { user: 'alice', host: 'h' };
const deploy = (project: string, blueprint: object = {}) => ({ project, blueprint });

const policy = approvalPolicyFrom({
  isAdmin: (who, project) => who.user === 'alice' || (who.user === 'bob' && project === 'lab'),
  protectedProjects: ['shop', 'lab'],
  approveKinds: ['destroy'],
});

describe('which jobs wait for an approval', () => {
  it('a change of a protected project waits when a non-admin asks; a read of it does not', () => {
    expect(policy.needsApproval({ kind: 'deploy', payload: deploy('shop'), requestedBy: bob })).toEqual({
      needed: true,
      why: 'project shop is protected',
    });
    expect(
      policy.needsApproval({ kind: 'scan', payload: { project: 'shop' }, requestedBy: bob }).needed,
    ).toBe(false);
    expect(policy.needsApproval({ kind: 'deploy', payload: deploy('shop'), requestedBy: alice }).needed).toBe(
      false,
    );
  });

  it('a blueprint that says protected: true makes its project protected; per-project admins do not wait', () => {
    const need = policy.needsApproval({
      kind: 'deploy',
      payload: deploy('web', { protected: true }),
      requestedBy: bob,
    });
    expect(need).toEqual({ needed: true, why: 'project web is protected' });
    expect(policy.needsApproval({ kind: 'deploy', payload: deploy('lab'), requestedBy: bob }).needed).toBe(
      false,
    );
  });

  it('a kind listed under approve waits, with every reason said', () => {
    expect(policy.needsApproval({ kind: 'destroy', payload: deploy('shop'), requestedBy: bob })).toEqual({
      needed: true,
      why: 'project shop is protected; destroy jobs need an approval (access.approve)',
    });
  });

  it('never the requester, and only an admin (of the project) may decide', () => {
    const job = { kind: 'deploy', payload: deploy('lab'), requestedBy: { user: 'carol', host: 'x' } };
    expect(policy.mayApprove({ user: 'carol', host: 'other' }, job)).toMatchObject({ ok: false });
    expect(policy.mayApprove(bob, job)).toEqual({ ok: true }); // admin of lab
    expect(policy.mayApprove(bob, { ...job, payload: deploy('shop') })).toEqual({
      ok: false,
      reason: 'bob is not an admin of shop',
    });
    expect(noApprovals.mayApprove(bob, { ...job, requestedBy: bob }).ok).toBe(false);
  });
});

describe("the workspace's access.yaml as approvals", () => {
  const file = '/w/access.yaml';
  const policyState: AccessState = {
    kind: 'policy',
    file,
    policy: {
      file,
      users: { alice: 'admin', bob: 'operator' },
      groups: {},
      projects: {},
      protected: ['shop'],
      approve: ['command'],
      requireSignatures: false,
    },
  };

  it('waits a day unless access.yaml says approvalExpiry', () => {
    let state: AccessState = policyState;
    const approvals = accessApprovals(() => state);
    expect(approvals.expiresAfterMs).toBe(24 * 3_600_000);
    if (policyState.kind !== 'policy') throw new Error('a policy');
    state = { ...policyState, policy: { ...policyState.policy, approvalExpiryMs: 30 * 60_000 } };
    expect(approvals.expiresAfterMs).toBe(30 * 60_000);
    expect(parseAccessFile('/w/access.yaml', 'approvalExpiry: 8h\n')).toMatchObject({
      ok: true,
      policy: { approvalExpiryMs: 8 * 3_600_000 },
    });
  });

  it('reads the file at each question: its protected projects, approve kinds and admins', () => {
    let state: AccessState = { kind: 'none', file };
    const approvals = accessApprovals(() => state);
    const job = { kind: 'command', payload: { program: 'ls', args: [] }, requestedBy: bob };
    expect(approvals.needsApproval(job).needed).toBe(false);
    state = policyState;
    expect(approvals.needsApproval(job)).toEqual({
      needed: true,
      why: 'command jobs need an approval (access.approve)',
    });
    expect(approvals.mayApprove(alice, job)).toEqual({ ok: true });
    state = { kind: 'broken', file, error: 'access.yaml:1:1: bad' };
    expect(approvals.needsApproval(job).needed).toBe(false); // every change is refused by the roles instead
    expect(approvals.mayApprove(alice, job)).toEqual({
      ok: false,
      reason: 'access.yaml cannot be read, so nobody may decide: access.yaml:1:1: bad',
    });
  });
});

describe('pieces', () => {
  it('the badge counts, and pending jobs come expiring first', () => {
    expect(approvalsBadge(0)).toBe('');
    expect(approvalsBadge(1)).toBe(' 1 approval pending ');
    expect(approvalsBadge(2)).toBe(' 2 approvals pending ');
    const job = (id: string, status: JobView['status'], expiresAt: number) =>
      ({ id, status, createdAt: 0, approval: { expiresAt } }) as JobView;
    const listed = [
      job('a', 'approval_pending', 30),
      job('b', 'queued', 1),
      job('c', 'approval_pending', 10),
    ];
    expect(pendingApprovals(listed).map((j) => j.id)).toEqual(['c', 'a']);
  });

  it('an approved payload read back from Redis is the same whatever the order of its keys', () => {
    expect(sameJson({ a: 1, b: { c: [1, 2], d: 'x' } }, { b: { d: 'x', c: [1, 2] }, a: 1 })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 2 })).toBe(false);
  });
});
