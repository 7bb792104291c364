import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '../../src/domain/job';
import type { BatchPayload, BatchTargetPayload } from '../../src/domain/jobKinds/batch';
import { targetLastLine } from '../../src/services/batch/batchRuns';
import type { Bus } from '../../src/services/bus/contracts';
import { childJobId } from '../../src/services/bus/jobIds';
import { openBus } from '../../src/services/bus/openBus';
import { waitFor } from '../bus/contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { cliPath } from '../harness/cliProcess';
import { skipSshd, startSshd, type TestSshd } from '../harness/sshd';
import {
  killWorkerProcesses,
  quickWorkerArgs,
  startWorkerProcess,
  type WorkerProcess,
} from '../worker/workerProcess';

const addresses = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'];
const names = addresses.map((_, i) => `web-${i + 1}`);

/**
 * Two real `infradeck worker` processes (the built CLI) on one Redis run a batch of six ssh targets (a real sshd
 * on 127.0.0.1-6) in two waves of three, started with `infradeck batch run --yes --json`; the worker running a
 * target of the first wave is SIGKILLed while the wave runs.
 */
describe.skipIf(skipRedis || skipSshd)(
  'a batch on two infradeck worker processes, one killed mid-wave',
  () => {
    let sshd: TestSshd;
    let dir: string;
    let prefix: string;
    let bus: Bus | undefined;
    const processes: WorkerProcess[] = [];
    let runner: ChildProcess | undefined;

    beforeAll(async () => {
      sshd = await startSshd({ extraAddresses: addresses.slice(1) });
    });
    afterAll(async () => {
      await sshd?.stop();
    });
    afterEach(async () => {
      runner?.kill('SIGKILL');
      await killWorkerProcesses(processes);
      await bus?.close();
      await deletePrefix(prefix);
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('every target ends once, none runs twice, and the batch ends on the survivor', async () => {
      prefix = uniquePrefix('batch-workers');
      dir = await mkdtemp(join(tmpdir(), 'infradeck-batch-workers-'));
      const dataDir = join(dir, 'data');
      mkdirSync(join(dataDir, 'batches'), { recursive: true });
      const marks = join(dir, 'marks');
      mkdirSync(marks);
      writeFileSync(
        join(dataDir, 'servers.yaml'),
        [
          'servers:',
          ...addresses.flatMap((host, i) => [
            `  - name: ${names[i]}`,
            `    host: ${host}`,
            `    port: ${sshd.port}`,
            `    user: ${sshd.user}`,
            `    identityFile: ${sshd.identityFile}`,
          ]),
          '',
        ].join('\n'),
      );
      // A marker file per target (its address): a line when the command starts, one when it ends. What it prints
      // before its sleep is the last line of a target whose worker is killed during it.
      const script = `at=$(echo "$SSH_CONNECTION" | cut -d" " -f3); echo "stopping on $at"; echo start >> ${marks}/$at; sleep 2; echo end >> ${marks}/$at; echo "done on $at"`;
      writeFileSync(
        join(dataDir, 'batches', 'roll.yaml'),
        [
          'targets:',
          `  servers: [${names.join(', ')}]`,
          'action:',
          `  ssh: [sh, -c, ${JSON.stringify(script)}]`,
          'serial: 3',
          '# Only a wave where every target failed stops it: the killed worker’s targets fail, the rest go on.',
          'maxFailPercentage: 100',
          'timeout: 1m',
          '',
        ].join('\n'),
      );
      const env = { REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: prefix, USER: 'batch-user' };
      const worker = () => {
        const p = startWorkerProcess(cliPath, quickWorkerArgs(dataDir), env);
        processes.push(p);
        return p;
      };
      bus = await openBus({ redisUrl, prefix });
      expect(await bus.state.whenConnected(5000)).toBe(true);
      const a = worker();
      const b = worker();
      const workerIds = new Map<WorkerProcess, string>();
      for (const p of [a, b]) {
        const found = await waitFor(
          `worker ${p.child.pid} online`,
          async () => (await bus!.workers()).find((w) => w.pid === p.child.pid),
          20_000,
        );
        workerIds.set(p, found.id);
      }

      // Without --yes: the plan, and nothing queued.
      const plan = await cli(['--data', dataDir, 'batch', 'run', 'roll'], env);
      expect(plan.code, plan.stderr).toBe(0);
      expect(plan.stdout).toContain('6 targets in 2 waves (serial 3)');
      expect(plan.stdout).toContain('wave 1: web-1, web-2, web-3 (3)');
      expect(await bus.queue.list({ kind: 'batch' })).toEqual([]);

      let out = '';
      let err = '';
      runner = spawn(
        process.execPath,
        [cliPath, '--data', dataDir, 'batch', 'run', 'roll', '--yes', '--json'],
        {
          env: { ...process.env, ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      runner.stdout?.on('data', (d) => {
        out += d;
      });
      runner.stderr?.on('data', (d) => {
        err += d;
      });
      const runnerExit = new Promise<number | null>((resolve) =>
        runner!.once('exit', (code) => resolve(code)),
      );

      const started = () => addresses.filter((at) => existsSync(join(marks, at)));
      await waitFor('the first wave running', () => started().length === 3, 30_000);
      const [run] = await bus.queue.list({ kind: 'batch' });
      const keys = new Map((run.payload as BatchPayload).targets.map((t) => [t.name, t.key]));
      const childOf = (name: string) => bus!.queue.get(childJobId(run.id, keys.get(name)!));
      const children = await Promise.all(names.slice(0, 3).map(childOf));
      const runningOn = (p: WorkerProcess) => children.filter((c) => c?.worker === workerIds.get(p)).length;
      const victim = runningOn(a) >= runningOn(b) ? a : b;
      const survivor = victim === a ? b : a;
      const victimTargets = children
        .filter((c) => c?.worker === workerIds.get(victim))
        .map((c) => (c!.payload as BatchTargetPayload).target.name);
      expect(
        victimTargets.length,
        JSON.stringify([children.map((c) => [c?.id, c?.status, c?.worker]), [...workerIds.values()]]),
      ).toBeGreaterThanOrEqual(1);
      // What the victim's targets printed is in their logs before it dies (ssh's own first-contact warning too).
      await Promise.all(
        victimTargets.map((name) =>
          waitFor(
            `${name}'s first line logged`,
            async () =>
              (await bus!.queue.logs(childJobId(run.id, keys.get(name)!))).some((l) =>
                l.text.startsWith('stopping on '),
              ),
            10_000,
          ),
        ),
      );
      victim.child.kill('SIGKILL');
      expect((await victim.exited).signal).toBe('SIGKILL');

      expect(await runnerExit, `${err}\n${out}`).toBe(0);
      const result = JSON.parse(out) as {
        run: string;
        status: string;
        targets: Array<{ target: string; wave: number; status: string; exitCode: number | null }>;
      };
      expect(result.run).toBe(run.id);
      expect(result.status).toBe('completed');
      expect(result.targets.map((t) => [t.target, t.wave, t.status, t.exitCode])).toEqual(
        names.map((n, i) =>
          victimTargets.includes(n) ? [n, 1, 'failed', null] : [n, i < 3 ? 1 : 2, 'ok', 0],
        ),
      );

      // Each target's job ended once: the killed worker's were failed when taken over, not run again.
      const jobs = await Promise.all(names.map(childOf));
      for (const job of jobs as JobView[]) {
        if (victimTargets.includes((job.payload as BatchTargetPayload).target.name)) {
          expect(job.status).toBe('failed');
          expect(job.error).toMatch(/^its worker died while it ran \(.+\); not run twice$/);
          // Its result keeps what the program printed last (not ssh's chatter, not the job's own message); the
          // screen and the CLI say why it failed.
          const at = addresses[names.indexOf((job.payload as BatchTargetPayload).target.name)];
          expect(job.result).toMatchObject({ lastLine: `stopping on ${at}`, notRunTwice: true });
          expect(targetLastLine(job)).toBe(job.error);
          expect(job.runs?.map((r) => r.outcome)).toEqual(['lost', 'failed']);
        } else {
          expect(job.status).toBe('completed');
          expect(job.runs?.map((r) => r.outcome)).toEqual(['completed']);
        }
      }
      // The second wave and the end of the run happened on the survivor.
      const parent = await bus.queue.get(run.id);
      expect(parent?.worker).toBe(workerIds.get(survivor));
      for (const job of jobs.slice(3)) expect(job?.worker).toBe(workerIds.get(survivor));

      // No command ran twice on any host: one start (and, once the killed worker's ssh is done, one end) each.
      await waitFor(
        'every command to end',
        () => addresses.every((at) => readFileSync(join(marks, at), 'utf8').includes('end')),
        20_000,
      );
      for (const at of addresses) expect(readFileSync(join(marks, at), 'utf8')).toBe('start\nend\n');

      const status = await cli(['--data', dataDir, 'batch', 'status', run.id, '--json'], env);
      expect(status.code, status.stderr).toBe(0);
      // A killed worker's target: nobody saw its program end, so its time is unknown (null), not 0.
      expect(JSON.parse(status.stdout).targets).toEqual(
        result.targets.map((t) => ({
          ...t,
          durationMs: victimTargets.includes(t.target) ? null : expect.any(Number),
        })),
      );
    }, 120_000);
  },
);

function cli(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
