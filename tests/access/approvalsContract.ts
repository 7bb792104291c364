import { afterEach, describe, expect, it } from 'vitest';
import { approvalPolicyFrom } from '../../src/domain/approval';
import type { Requester } from '../../src/domain/job';
import { isBusError } from '../../src/services/bus/busError';
import type { Bus, OpenBusOptions } from '../../src/services/bus/contracts';
import {
  alice,
  record,
  scriptedHandler,
  type TransportFactory,
  waitFor,
  waitForStatus,
} from '../bus/contractSuite';

// Approvals on one transport: part of the bus contract suite (`contractSuite` calls it), so memory and Redis
// are held to the same behaviour.

export const bob: Requester = { user: 'bob', host: 'jump2', sshClient: '10.0.0.7 40022 22' };
export const carol: Requester = { user: 'carol', host: 'laptop' };

/** alice and dave are admins; `command` jobs wait for an approval unless an admin asks. */
export function testApprovals(expiresAfterMs = 60_000) {
  return approvalPolicyFrom({
    isAdmin: (who) => who.user === 'alice' || who.user === 'dave',
    protectedProjects: ['shop'],
    approveKinds: ['command'],
    expiresAfterMs,
  });
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isBusError(error, 'refused')) return error.message;
    throw error;
  }
  throw new Error('expected a refusal');
}

export function approvalContract(factory: TransportFactory): void {
  describe(`approvals: ${factory.name}`, () => {
    const opened: Bus[] = [];
    afterEach(async () => {
      for (const b of opened.splice(0)) await b.close();
      await factory.cleanup?.();
    });

    async function openBus(opts: Partial<OpenBusOptions> = {}): Promise<Bus> {
      const b = await factory.open({ requester: alice, approvals: testApprovals(), ...opts });
      opened.push(b);
      expect(await b.state.whenConnected(5000)).toBe(true);
      return b;
    }

    const ask = (bus: Bus, who: Requester, program = 'steps', key?: string) =>
      bus.queue.enqueue({
        kind: 'command',
        payload: { program, args: ['1'] },
        requestedBy: who,
        ...(key ? { idempotencyKey: key } : {}),
      });

    it('holds a non-admin job as approval_pending: no worker takes it; listed, counted, announced, audited', async () => {
      const bus = await openBus();
      const rec = record(bus);
      const calls: string[] = [];
      bus.consume({ command: scriptedHandler(calls) }, { concurrency: 2, heartbeatMs: 200 });
      const id = await ask(bus, bob);
      const own = await ask(bus, alice); // an admin's own job does not wait
      await waitForStatus(bus, own, 'completed');
      const view = await bus.queue.get(id);
      expect(view?.status).toBe('approval_pending');
      expect(view?.requestedBy).toEqual(bob);
      expect(view?.approval).toMatchObject({
        state: 'pending',
        why: 'command jobs need an approval (access.approve)',
      });
      expect(view!.approval!.expiresAt - view!.approval!.requestedAt).toBe(60_000);
      expect(calls).toEqual([`${own}:steps`]);
      expect((await bus.queue.list({ status: 'approval_pending' })).map((j) => j.id)).toEqual([id]);
      expect((await bus.queue.counts()).approval_pending).toBe(1);
      await waitFor('the approval event', () => rec.ofJob(id).some((e) => e.type === 'job.approval'));
      const held = (await bus.audit.list()).find((e) => e.jobId === id);
      expect(held).toMatchObject({ who: bob, action: 'job.enqueue', outcome: 'pending' });
      rec.stop();
    });

    it('approved by another admin it runs once, and the trail says who asked and who approved', async () => {
      const bus = await openBus();
      const rec = record(bus);
      const calls: string[] = [];
      bus.consume({ command: scriptedHandler(calls) }, { heartbeatMs: 200 });
      const id = await ask(bus, bob);
      await bus.queue.approve(id, alice);
      const done = await waitForStatus(bus, id, 'completed');
      expect(done.approval).toMatchObject({ state: 'approved', decidedBy: alice });
      expect(calls).toEqual([`${id}:steps`]);
      await waitFor('completion event', () => rec.ofJob(id).some((e) => e.type === 'job.completed'));
      const types = rec.ofJob(id).map((e) => e.type);
      expect(types.slice(0, 3)).toEqual(['job.approval', 'job.approved', 'job.started']);
      const trail = await waitFor('the finish in the trail', async () => {
        const all = (await bus.audit.list()).filter((e) => e.jobId === id);
        return all.some((e) => e.action === 'job.finish') ? all : undefined;
      });
      expect(trail.map((e) => [e.action, e.outcome, e.who.user])).toEqual([
        ['job.enqueue', 'pending', 'bob'],
        ['job.approve', 'accepted', 'alice'],
        ['job.finish', 'completed', 'bob'],
      ]);
      expect(trail[1].who).toEqual(alice); // from where: host and SSH client
      // Decided once: a second approval is refused.
      expect(await refusal(bus.queue.approve(id, { user: 'dave', host: 'h' }))).toMatch(
        /already approved by alice/,
      );
      rec.stop();
    });

    it('rejected with a reason it ends rejected and never runs; it cannot be approved after', async () => {
      const bus = await openBus();
      const calls: string[] = [];
      bus.consume({ command: scriptedHandler(calls) }, { heartbeatMs: 200 });
      const id = await ask(bus, bob);
      await expect(bus.queue.reject(id, alice, '  ')).rejects.toThrow(/needs a reason/);
      await bus.queue.reject(id, alice, 'not during the freeze');
      const view = await bus.queue.get(id);
      expect(view).toMatchObject({
        status: 'rejected',
        error: expect.stringContaining('not during the freeze'),
      });
      expect(view?.approval).toMatchObject({
        state: 'rejected',
        decidedBy: alice,
        reason: 'not during the freeze',
      });
      expect(await refusal(bus.queue.approve(id, alice))).toMatch(/already rejected/);
      await expect(bus.queue.retry(id, bob)).rejects.toThrow(/only failed or cancelled/);
      expect((await bus.queue.counts()).rejected).toBe(1);
      const trail = (await bus.audit.list()).filter((e) => e.jobId === id);
      expect(trail.map((e) => [e.action, e.outcome, e.who.user])).toEqual([
        ['job.enqueue', 'pending', 'bob'],
        ['job.reject', 'accepted', 'alice'],
        ['job.finish', 'rejected', 'bob'],
        ['job.approve', 'rejected', 'alice'],
        ['job.retry', 'rejected', 'bob'],
      ]);
      expect(calls).toEqual([]);
    });

    it('refuses, and audits, an approval by the requester, by a non-admin, and of an unknown job', async () => {
      const bus = await openBus();
      const id = await ask(bus, bob);
      expect(await refusal(bus.queue.approve(id, { ...bob, host: 'elsewhere' }))).toMatch(
        /bob asked for this job and cannot approve it/,
      );
      expect(await refusal(bus.queue.reject(id, carol, 'no'))).toMatch(/carol is not an admin/);
      expect(await refusal(bus.queue.approve('no-such-job', alice))).toMatch(/no job no-such-job is waiting/);
      expect((await bus.queue.get(id))?.status).toBe('approval_pending');
      const refusals = (await bus.audit.list()).filter((e) => e.outcome === 'rejected');
      expect(refusals.map((e) => [e.action, e.who.user, e.jobId])).toEqual([
        ['job.approve', 'bob', id],
        ['job.reject', 'carol', id],
        ['job.approve', 'alice', 'no-such-job'],
      ]);
    });

    it('an expired job ends rejected ("expired") and can no longer be approved', async () => {
      const bus = await openBus({ approvals: testApprovals(300) });
      const rec = record(bus);
      const id = await ask(bus, bob);
      const ended = await waitForStatus(bus, id, 'rejected', 5_000);
      expect(ended.approval).toMatchObject({ state: 'rejected', reason: 'expired' });
      expect(ended.error).toBe('expired unapproved');
      expect(await refusal(bus.queue.approve(id, alice))).toMatch(/expired/);
      await waitFor('the rejection event', () => rec.ofJob(id).some((e) => e.type === 'job.rejected'));
      expect(rec.ofJob(id).filter((e) => e.type === 'job.rejected')).toHaveLength(1);
      const finish = (await bus.audit.list()).find((e) => e.jobId === id && e.action === 'job.finish');
      expect(finish).toMatchObject({ who: bob, outcome: 'rejected' });
      rec.stop();
    });

    it('the requester may withdraw a pending job; it cannot be retried into running unapproved', async () => {
      const bus = await openBus();
      const calls: string[] = [];
      bus.consume({ command: scriptedHandler(calls) }, { heartbeatMs: 200 });
      const id = await ask(bus, bob);
      await bus.queue.cancel(id, bob);
      expect((await bus.queue.get(id))?.status).toBe('cancelled');
      await expect(bus.queue.retry(id, bob)).rejects.toThrow(/cancelled before it was approved/);
      expect(await refusal(bus.queue.approve(id, alice))).toMatch(/already cancelled/);
      expect(calls).toEqual([]);
    });

    it('the same idempotency key held twice is one pending job', async () => {
      const bus = await openBus();
      const first = await ask(bus, bob, 'steps', 'nightly-7');
      const second = await ask(bus, bob, 'steps', 'nightly-7');
      expect(second).toBe(first);
      expect(await bus.queue.list({ status: 'approval_pending' })).toHaveLength(1);
    });

    it.runIf(factory.injectForeignJob)(
      'a worker refuses a job put straight into the queue that needs an approval it never had',
      async () => {
        const bus = await openBus();
        const calls: string[] = [];
        bus.consume({ command: scriptedHandler(calls) }, { heartbeatMs: 200 });
        const id = await factory.injectForeignJob!(bus, 'command', { program: 'steps', args: ['1'] });
        const failed = await waitForStatus(bus, id, 'failed');
        expect(failed.error).toMatch(
          /^refused: command job .* needs an approval .* never approved; nothing ran/,
        );
        expect(failed.attempts).toBe(1);
        expect(calls).toEqual([]);
      },
    );
  });
}
