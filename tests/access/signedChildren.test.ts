import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkJobSpec, type JobSpec } from '../../src/domain/job';
import { batchTargetPayload } from '../../src/domain/jobKinds/batch';
import { pipelineStepPayload } from '../../src/domain/jobKinds/pipeline';
import { signatureWindowMs } from '../../src/domain/signature';
import {
  memoryNonceStore,
  type NonceStore,
  type SignaturePolicy,
  type VerifiableJob,
  verifyRequest,
} from '../../src/services/identity/verifyRequest';
import { pipelineSpec, signedSpec } from './signedSpecs';
import { makeKey, type TestKey, writeAllowedSigners } from './signingKeys';

const who = { user: 'alice', host: 'jump1' };

describe('verifyRequest: a child runs as its signed parent’s work', () => {
  let dir: string;
  let policy: SignaturePolicy;
  let alice: TestKey;
  let mallory: TestKey;
  const now = Date.now();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-children-'));
    alice = makeKey(dir, 'alice');
    mallory = makeKey(dir, 'mallory');
    policy = {
      requireSignatures: true,
      allowedSigners: writeAllowedSigners(dir, [['alice', alice]]),
      windowMs: signatureWindowMs,
    };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function stored(
    id: string,
    spec: JobSpec,
    extra: { parentId?: string; childKey?: string } = {},
  ): VerifiableJob {
    const check = checkJobSpec(spec);
    if (!check.ok) throw new Error(check.error);
    return {
      id,
      kind: spec.kind,
      payload: check.spec.payload,
      requestedBy: spec.requestedBy,
      request: {
        createdAt: spec.signature?.at ?? now,
        ...(spec.signature ? { signature: spec.signature } : {}),
        ...(extra.parentId || extra.childKey ? { derived: 'child' as const } : {}),
        ...extra,
      },
    };
  }

  /** A step of `run` (its payload as the run makes it), queued under `parent` with `key`. */
  function step(
    id: string,
    run: VerifiableJob,
    name: string,
    extra: { parentId?: string; childKey?: string },
  ) {
    const payload = run.payload as Parameters<typeof pipelineStepPayload>[0];
    const spec = payload.steps.find((s) => s.name === name)!;
    return stored(
      id,
      { kind: 'pipelineStep', payload: pipelineStepPayload(payload, spec), requestedBy: who },
      extra,
    );
  }

  async function verified(
    job: VerifiableJob,
    jobs: VerifiableJob[],
    nonces: NonceStore = memoryNonceStore(),
  ) {
    const byId = new Map(jobs.map((j) => [j.id, j]));
    return verifyRequest(job, nonces, policy, now, { jobs: async (id) => byId.get(id) });
  }

  it('refuses a child with no parent, a missing parent, an unsigned or forged parent, for good', async () => {
    const run = stored('run', signedSpec(alice, pipelineSpec(dir), now));
    const orphan = step('o', run, 'build', { childKey: 'build' });
    expect(await verified(orphan, [])).toMatch(
      /^refused: request signature: child "build" with no parent job: only a parent's run makes children \(job o, pipelineStep asked by alice@jump1\)$/,
    );
    const lost = step('l', run, 'build', { parentId: 'gone', childKey: 'build' });
    expect(await verified(lost, [])).toMatch(
      /^refused: request signature: child "build" of job gone, which is not there/,
    );

    const unsignedRun = stored('u', pipelineSpec(dir));
    const underUnsigned = step('u:build', unsignedRun, 'build', { parentId: 'u', childKey: 'build' });
    expect(await verified(underUnsigned, [unsignedRun])).toMatch(
      /^refused: request signature: its parent job u \(pipeline asked by alice@jump1\): unsigned, and this worker requires signed requests/,
    );
    const forgedRun = stored('f', signedSpec(mallory, pipelineSpec(dir), now));
    const underForged = step('f:build', forgedRun, 'build', { parentId: 'f', childKey: 'build' });
    expect(await verified(underForged, [forgedRun])).toMatch(
      /^refused: request signature: its parent job f \(pipeline asked by alice@jump1\): key SHA256:\S+ is not in/,
    );
  });

  it('runs the steps of a signed run that ran; refuses those of its copy, whose nonce the run holds', async () => {
    const nonces = memoryNonceStore();
    const run = stored('run', signedSpec(alice, pipelineSpec(dir), now));
    expect(await verifyRequest(run, nonces, policy, now)).toBeUndefined();
    const build = step('run:build', run, 'build', { parentId: 'run', childKey: 'build' });
    const test = step('run:test', run, 'test', { parentId: 'run', childKey: 'test' });
    expect(await verified(build, [run], nonces)).toBeUndefined();
    expect(await verified(test, [run], nonces)).toBeUndefined();
    const copy = { ...run, id: 'copy' };
    const underCopy = step('copy:build', copy, 'build', { parentId: 'copy', childKey: 'build' });
    expect(await verified(underCopy, [run, copy], nonces)).toMatch(
      /its parent job copy \(pipeline asked by alice@jump1\): its nonce was already used by job run/,
    );
  });

  it('a worker reads and checks a parent once for all its children (its verdicts are kept), each child still its own', async () => {
    const nonces = memoryNonceStore();
    const run = stored('run', signedSpec(alice, pipelineSpec(dir), now));
    expect(await verifyRequest(run, nonces, policy, now)).toBeUndefined();
    let reads = 0;
    const lookups = {
      jobs: async (id: string) => {
        reads++;
        return id === 'run' ? run : undefined;
      },
      parents: new Map(),
    };
    const build = step('run:build', run, 'build', { parentId: 'run', childKey: 'build' });
    const test = step('run:test', run, 'test', { parentId: 'run', childKey: 'test' });
    const wrong = { ...test, id: 'run:wrong', request: { ...test.request!, childKey: 'build' } };
    expect(await verifyRequest(build, nonces, policy, now, lookups)).toBeUndefined();
    expect(await verifyRequest(test, nonces, policy, now, lookups)).toBeUndefined();
    expect(await verifyRequest(wrong, nonces, policy, now, lookups)).toMatch(
      /its payload is not the one its parent \(pipeline ci: 2 steps\) makes as "build"/,
    );
    expect(reads).toBe(1);
    // A minute later the parent is read again.
    expect(await verifyRequest(build, nonces, policy, now + 61_000, lookups)).toBeUndefined();
    expect(reads).toBe(2);
  });

  it('refuses a child its signed parent does not make: another payload, key, kind or requester', async () => {
    const run = stored('run', signedSpec(alice, pipelineSpec(dir), now));
    const build = step('run:build', run, 'build', { parentId: 'run', childKey: 'build' });
    const rm = {
      ...build,
      payload: {
        ...(build.payload as object),
        step: { ...(build.payload as { step: object }).step, program: 'rm' },
      },
    };
    expect(await verified(rm, [run])).toMatch(
      /^refused: request signature: child "build" of job run: its payload is not the one its parent \(pipeline ci: 2 steps\) makes as "build"/,
    );
    const otherKey = { ...build, request: { ...build.request!, childKey: 'deploy' } };
    expect(await verified(otherKey, [run])).toMatch(
      /its parent \(pipeline ci: 2 steps\) makes no child "deploy"/,
    );
    const command = stored(
      'c',
      { kind: 'command', payload: { program: 'rm', args: [] }, requestedBy: who },
      {
        parentId: 'run',
        childKey: 'build',
      },
    );
    expect(await verified(command, [run])).toMatch(
      /its parent makes "build" a pipelineStep job, not a command job/,
    );
    const asBob = { ...build, requestedBy: { user: 'bob', host: 'jump1' } };
    expect(await verified(asBob, [run])).toMatch(/it is asked by someone other than its parent/);
    const underCommand = step('x', run, 'build', { parentId: 'cmd', childKey: 'build' });
    const cmd = stored(
      'cmd',
      signedSpec(alice, { kind: 'command', payload: { program: 'true', args: [] }, requestedBy: who }),
    );
    expect(await verified(underCommand, [cmd])).toMatch(/its parent, a command job, makes no children/);
  });

  it('a batch makes its targets: the action and target as the run has them, in their wave', async () => {
    const batch = stored(
      'b',
      signedSpec(alice, {
        kind: 'batch',
        payload: {
          name: 'uptime',
          targets: ['a', 'b'].map((key) => ({
            key,
            name: key,
            host: `${key}.example`,
            source: 'list' as const,
          })),
          action: { type: 'local', program: 'uptime', args: [] },
          serial: [{ count: 1 }],
        },
        requestedBy: who,
      } as JobSpec),
    );
    const payload = batch.payload as Parameters<typeof batchTargetPayload>[0];
    const action = { type: 'local' as const, program: 'uptime', args: [] };
    const target = (key: string, wave: number, act = action) =>
      stored(
        `b:${key}`,
        {
          kind: 'batchTarget',
          payload: batchTargetPayload(payload, act, payload.targets.find((t) => t.key === key)!, wave),
          requestedBy: who,
        },
        { parentId: 'b', childKey: key },
      );
    expect(await verified(target('b', 2), [batch])).toBeUndefined();
    expect(await verified(target('b', 1), [batch])).toMatch(
      /its payload is not the one its parent \(batch uptime/,
    );
    expect(await verified(target('a', 1, { ...action, program: 'rm' }), [batch])).toMatch(
      /its payload is not the one its parent/,
    );
  });
});
