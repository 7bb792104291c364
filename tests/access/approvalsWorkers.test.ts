import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Requester } from '../../src/domain/job';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { waitFor } from '../bus/contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { cliPath, runCli } from '../harness/cliProcess';
import { testApprovals } from './approvalsContract';

// Real `infradeck worker` processes and CLI calls over Redis, people played with `USER`: alice and dave are
// admins, bob an operator whose commands wait for an approval (`approve: [command]`).
const accessYaml = `users: { alice: admin, dave: admin, bob: operator, carol: viewer }
approve: [command]
`;

describe.skipIf(skipRedis)('approvals, enforced by real workers over Redis', () => {
  const prefix = uniquePrefix('approvals');
  let dataDir: string;
  const workers: ChildProcess[] = [];
  let workerOutput = '';
  // The test's own bus opens no workspace: it enforces nothing, as a script writing to Redis would not.
  let bus: Bus;

  const as = (user: string) => ({ REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: prefix, USER: user });
  const cli = (user: string, ...args: string[]) => runCli(['--data', dataDir, ...args], { env: as(user) });

  /** `infradeck run` as `user`: the id of the job, held or queued. */
  async function runAs(user: string, ...command: string[]): Promise<string> {
    const run = await cli(user, 'run', '--json', '--', ...command);
    expect(run.code, run.stderr).toBe(0);
    return (JSON.parse(run.stdout) as { id: string }).id;
  }

  const settled = (id: string, statuses: string[]) =>
    waitFor(
      `job ${id} to be ${statuses.join(' or ')}`,
      async () => {
        const view = await bus.queue.get(id);
        return view && statuses.includes(view.status) ? view : undefined;
      },
      20_000,
    );

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'infradeck-approvals-'));
    writeFileSync(join(dataDir, 'access.yaml'), accessYaml);
    for (let i = 0; i < 2; i++) {
      const worker = spawn(process.execPath, [cliPath, '--data', dataDir, 'worker', '--concurrency', '2'], {
        env: { ...process.env, ...as('worker') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      worker.stdout?.on('data', (d) => {
        workerOutput += d.toString();
      });
      worker.stderr?.on('data', (d) => {
        workerOutput += d.toString();
      });
      workers.push(worker);
    }
    bus = await openBus({ redisUrl, prefix, requester: { user: 'test', host: 'approvals-test' } });
    await waitFor('both workers online', async () => (await bus.workers()).length === 2, 20_000);
  }, 60_000);

  afterAll(async () => {
    for (const worker of workers) {
      worker.kill('SIGTERM');
      await new Promise((r) => worker.once('exit', r));
    }
    await bus?.close();
    await deletePrefix(prefix);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a held job is never taken by a worker; approved by another admin it runs exactly once', async () => {
    const marker = join(dataDir, 'approved-runs.txt');
    const held = await runAs('bob', 'sh', '-c', `echo run >> ${marker}`);
    // The workers are busy with other work meanwhile: an admin's own command runs at once.
    const own = await runAs('alice', 'echo', 'alice needs no approval');
    await settled(own, ['completed']);
    expect((await bus.queue.get(held))?.status).toBe('approval_pending');

    const listed = await cli('dave', 'approvals', '--json');
    expect(listed.code).toBe(0);
    const pending = (JSON.parse(listed.stdout) as { approvals: Record<string, unknown>[] }).approvals;
    expect(pending).toEqual([
      expect.objectContaining({
        id: held,
        kind: 'command',
        status: 'approval_pending',
        requestedBy: expect.objectContaining({ user: 'bob' }),
        why: 'command jobs need an approval (access.approve)',
        expiresAt: expect.any(Number),
      }),
    ]);
    expect(workerOutput).not.toContain(`job ${held} `);

    const approved = await cli('dave', 'approve', held);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain(`approved job ${held}`);
    expect((await settled(held, ['completed', 'failed'])).status).toBe('completed');
    expect(readFileSync(marker, 'utf8')).toBe('run\n');
    // The finish entry is written as the job ends: it may land just after the status is read.
    const trail = await waitFor('the finish in the audit trail', async () => {
      const entries = (await bus.audit.list()).filter((e) => e.jobId === held);
      return entries.some((e) => e.action === 'job.finish') ? entries : undefined;
    });
    expect(trail.map((e) => [e.action, e.outcome, e.who.user])).toEqual([
      ['job.enqueue', 'pending', 'bob'],
      ['job.approve', 'accepted', 'dave'],
      ['job.finish', 'completed', 'bob'],
    ]);
  });

  it('refuses with exit 2: the requester, a non-admin, an unknown job; a rejection ends it for good', async () => {
    const held = await runAs('bob', 'echo', 'to be rejected');
    const own = await cli('bob', 'approve', held);
    expect(own.code).toBe(2);
    expect(own.stderr).toContain('bob asked for this job and cannot approve it');
    const viewer = await cli('carol', 'approve', held);
    expect(viewer.code).toBe(2);
    expect(viewer.stderr).toContain('carol is not an admin');
    const unknown = await cli('alice', 'approve', 'ap-999999');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no job ap-999999 (infradeck approvals lists them)');
    const noReason = await cli('alice', 'reject', held);
    expect(noReason.code).toBe(2);

    const rejected = await cli('alice', 'reject', held, '--reason', 'not during the freeze');
    expect(rejected.code, rejected.stderr).toBe(0);
    const view = await settled(held, ['rejected']);
    expect(view.error).toMatch(/^rejected by alice@\S+: not during the freeze$/);
    const late = await cli('dave', 'approve', held);
    expect(late.code).toBe(2);
    expect(late.stderr).toContain('already rejected by alice');
    const refusals = (await bus.audit.list()).filter((e) => e.jobId === held && e.outcome === 'rejected');
    expect(refusals.map((e) => [e.action, e.who.user])).toEqual([
      ['job.approve', 'bob'],
      ['job.approve', 'carol'],
      ['job.finish', 'bob'],
      ['job.approve', 'dave'],
    ]);
    expect(workerOutput).not.toContain(`job ${held} `);
  });

  it('an expired job is refused with exit 2 and ends rejected', async () => {
    // Held by a bus whose approvals last 300 ms (the workspace's last a day).
    const short = await openBus({
      redisUrl,
      prefix,
      requester: { user: 'test', host: 'h' },
      approvals: testApprovals(300),
    });
    expect(await short.state.whenConnected(5000)).toBe(true);
    const bob: Requester = { user: 'bob', host: 'jump2' };
    const id = await short.queue.enqueue({
      kind: 'command',
      payload: { program: 'echo', args: ['late'] },
      requestedBy: bob,
    });
    await short.close();
    await new Promise((r) => setTimeout(r, 400));
    const late = await cli('alice', 'approve', id);
    expect(late.code).toBe(2);
    expect(late.stderr).toMatch(/expired/);
    expect((await settled(id, ['rejected'])).approval).toMatchObject({
      state: 'rejected',
      reason: 'expired',
    });
  });

  it('a job put straight into Redis that needs an approval is refused by the worker, for good', async () => {
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue('jobs', { connection, prefix });
    let id: string;
    try {
      const payload = { program: 'echo', args: ['sneaky'] };
      id = (
        await queue.add(
          'command',
          { v: 1, payload, requestedBy: { user: 'bob', host: 'x' } },
          { attempts: 3 },
        )
      ).id!;
    } finally {
      await queue.close();
      connection.disconnect();
    }
    const view = await settled(id, ['completed', 'failed']);
    expect(view.status).toBe('failed');
    expect(view.attempts).toBe(1);
    expect(view.error).toMatch(
      /^refused: command job "echo sneaky": needs an approval .* never approved; nothing ran$/,
    );
    expect((await bus.queue.logs(id)).map((l) => l.text).join('\n')).not.toContain('sneaky');
  });
});
