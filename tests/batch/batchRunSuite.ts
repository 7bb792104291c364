import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BatchRunView, batchRunView } from '../../src/domain/batchRun';
import type { JobStatus, JobView } from '../../src/domain/job';
import type { BatchPayload, BatchResult } from '../../src/domain/jobKinds/batch';
import { loadBatchRun } from '../../src/services/batch/batchRuns';
import type { Bus, OpenBusOptions } from '../../src/services/bus/contracts';
import { batchHandler } from '../../src/worker/handlers/batch';
import { batchTargetHandler } from '../../src/worker/handlers/batchTarget';
import { alice, record, waitFor, waitForStatus } from '../bus/contractSuite';
import { skipSshd, startSshd, type TestSshd } from '../harness/sshd';
import { processAlive } from '../worker/workerProcess';

export interface BatchTransport {
  name: string;
  open(opts?: Partial<OpenBusOptions>): Promise<Bus>;
  cleanup?(): Promise<void>;
}

const addresses = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];

/**
 * The remote script of the tests: says where it runs (the address it was reached at), records its start and end
 * in a file of the test (sshd runs as the test's user on this machine), and fails on the address named in
 * `$FAIL_FILE` when that file exists.
 */
function remoteScript(dir: string): string[] {
  const script = [
    'at=$(echo "$SSH_CONNECTION" | cut -d" " -f3)',
    `echo "start $at" >> ${dir}/runs.txt`,
    'sleep 0.2',
    `echo "end $at" >> ${dir}/runs.txt`,
    'echo "hello from $at"',
    `if [ -e ${dir}/fail ] && grep -qx "$at" ${dir}/fail; then echo "disk full on $at" >&2; exit 3; fi`,
  ].join('; ');
  return ['sh', '-c', script];
}

/** Batches over ssh against a real sshd on 127.0.0.1-3, run by a bus of one transport in this process. */
export function batchRunSuite(transport: BatchTransport): void {
  describe.skipIf(skipSshd)(`batch runs over ${transport.name} (a real sshd on 127.0.0.1-3)`, () => {
    let sshd: TestSshd;
    let dir: string;
    let bus: Bus | undefined;

    beforeAll(async () => {
      sshd = await startSshd({ extraAddresses: addresses.slice(1) });
    });
    afterAll(async () => {
      await sshd?.stop();
    });
    afterEach(async () => {
      await bus?.close();
      bus = undefined;
      await transport.cleanup?.();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    async function start(): Promise<Bus> {
      dir = await mkdtemp(join(tmpdir(), 'infradeck-batchrun-'));
      writeFileSync(join(dir, 'runs.txt'), '');
      bus = await transport.open({ requester: alice });
      expect(await bus.state.whenConnected(5000)).toBe(true);
      bus.consume(
        {
          batch: batchHandler(),
          batchTarget: batchTargetHandler({
            dataDir: dir,
            sshOptions: sshd.clientOptions,
            killGraceMs: 500,
          }),
        },
        { concurrency: 4, heartbeatMs: 200 },
      );
      return bus;
    }

    const sshTarget = (address: string, name = `web-${address.split('.').pop()}`) => ({
      key: name,
      name,
      host: address,
      port: sshd.port,
      user: sshd.user,
      identityFile: sshd.identityFile,
      source: 'list' as const,
    });

    function payload(extra: Partial<BatchPayload> = {}): BatchPayload {
      return {
        name: 'restart-web',
        targets: addresses.map((a) => sshTarget(a)),
        action: { type: 'ssh', program: remoteScript(dir)[0], args: remoteScript(dir).slice(1) },
        serial: [{ count: 1 }],
        maxFailPercentage: 0,
        timeoutMs: 30_000,
        ...extra,
      };
    }

    function runs(): string[] {
      return readFileSync(join(dir, 'runs.txt'), 'utf8').split('\n').filter(Boolean);
    }

    async function view(id: string): Promise<BatchRunView> {
      const loaded = await loadBatchRun(bus!.queue, id);
      if (!loaded || !('run' in loaded)) throw new Error(`run ${id} not found`);
      return loaded.run;
    }

    async function ended(id: string, status: JobStatus): Promise<{ job: JobView; result: BatchResult }> {
      const job = await waitForStatus(bus!, id, status, 30_000);
      return { job, result: job.result as BatchResult };
    }

    it('serial 1 runs one target at a time, in order, each on its own address; output and exit code per target', async () => {
      const b = await start();
      const id = await b.queue.enqueue({ kind: 'batch', payload: payload(), requestedBy: alice });
      const { job, result } = await ended(id, 'completed');
      expect(runs()).toEqual(addresses.flatMap((a) => [`start ${a}`, `end ${a}`]));
      expect(result.status).toBe('completed');
      expect(result.targets.map((t) => [t.name, t.wave, t.status, t.exitCode])).toEqual([
        ['web-1', 1, 'ok', 0],
        ['web-2', 2, 'ok', 0],
        ['web-3', 3, 'ok', 0],
      ]);
      expect(job.step).toBe(3);
      expect(job.total).toBe(3);
      // Each target's output is its own job's log; the run's log has a line per target.
      for (const t of result.targets) {
        const lines = (await b.queue.logs(t.jobId!)).map((l) => l.text);
        expect(lines).toContain(`hello from ${addresses[t.wave - 1]}`);
        expect(lines.some((l) => l.includes('hello from') && !l.endsWith(addresses[t.wave - 1]))).toBe(false);
      }
      const log = (await b.queue.logs(id)).map((l) => l.text);
      expect(log.filter((l) => / ok exit 0 (\d+ms|\d+\.\ds)$/.test(l)).map((l) => l.split(' ')[0])).toEqual([
        'web-1',
        'web-2',
        'web-3',
      ]);
      expect(log).toContain('wave 2/3: web-2');
      // The children are the targets, keyed by them.
      const children = await Promise.all(result.targets.map((t) => b.queue.get(t.jobId!)));
      expect(children.map((c) => [c?.parentId, c?.childKey, c?.kind])).toEqual(
        ['web-1', 'web-2', 'web-3'].map((k) => [id, k, 'batchTarget']),
      );
    }, 60_000);

    it('stops after a wave where any target failed (max 0%): the rest are skipped, the run failed with its targets', async () => {
      const b = await start();
      writeFileSync(join(dir, 'fail'), '127.0.0.2\n');
      const id = await b.queue.enqueue({ kind: 'batch', payload: payload(), requestedBy: alice });
      const { job, result } = await ended(id, 'failed');
      expect(job.error).toBe('wave 2/3: 1 of 1 target failed (any failure stops); 1 skipped');
      expect(result).toMatchObject({ status: 'failed', stoppedAt: 2 });
      expect(result.targets.map((t) => [t.name, t.status, t.exitCode ?? null])).toEqual([
        ['web-1', 'ok', 0],
        ['web-2', 'failed', 3],
        ['web-3', 'skipped', null],
      ]);
      expect(runs().filter((r) => r.startsWith('start'))).toEqual(['start 127.0.0.1', 'start 127.0.0.2']);
      // The failed target keeps its exit code, duration and last line.
      const failed = await b.queue.get(result.targets[1].jobId!);
      expect(failed?.status).toBe('failed');
      expect(failed?.error).toBe('exit 3: disk full on 127.0.0.2');
      expect(failed?.result).toMatchObject({
        exitCode: 3,
        lastLine: 'disk full on 127.0.0.2',
        timedOut: false,
      });
      expect((failed!.result as { durationMs: number }).durationMs).toBeGreaterThan(0);
      expect((await b.queue.logs(id)).map((l) => l.text)).toContain(
        'web-2 failed exit 3: disk full on 127.0.0.2',
      );
      expect((await view(id)).status).toBe('failed');
    }, 60_000);

    it('judges each wave on its own share, as Ansible: 1 of 2 failed goes on at 50%, stops at 40%', async () => {
      const b = await start();
      writeFileSync(join(dir, 'fail'), '127.0.0.1\n');
      const waves = { serial: [{ count: 2 }] };
      const goesOn = await b.queue.enqueue({
        kind: 'batch',
        payload: payload({ ...waves, maxFailPercentage: 50 }),
        requestedBy: alice,
      });
      const on = await ended(goesOn, 'completed');
      expect(on.result.targets.map((t) => [t.wave, t.status])).toEqual([
        [1, 'failed'],
        [1, 'ok'],
        [2, 'ok'],
      ]);
      const stops = await b.queue.enqueue({
        kind: 'batch',
        payload: payload({ ...waves, maxFailPercentage: 40 }),
        requestedBy: alice,
      });
      const stopped = await ended(stops, 'failed');
      expect(stopped.result.targets.map((t) => [t.wave, t.status])).toEqual([
        [1, 'failed'],
        [1, 'ok'],
        [2, 'skipped'],
      ]);
      expect(stopped.job.error).toBe('wave 1/2: 1 of 2 targets failed (more than 40% stops); 1 skipped');
    }, 60_000);

    it('pause: manual waits between waves until advanced, once before each wave, and never runs ahead', async () => {
      const b = await start();
      const rec = record(b);
      const id = await b.queue.enqueue({
        kind: 'batch',
        payload: payload({ pause: { manual: true } }),
        requestedBy: alice,
      });
      const paused = await waitForStatus(b, id, 'paused', 30_000);
      expect(paused.message).toBe('paused before wave 2/3');
      expect((await view(id)).status).toBe('paused');
      expect((await view(id)).targets.map((t) => t.status)).toEqual(['ok', 'pending', 'pending']);
      expect(runs()).toEqual(['start 127.0.0.1', 'end 127.0.0.1']);

      await b.queue.resume(id, { user: 'bob', host: 'laptop' });
      await waitFor(
        'wave 2 to run and the next pause',
        async () => {
          const v = await b.queue.get(id);
          return v?.status === 'paused' && v.message === 'paused before wave 3/3';
        },
        30_000,
      );
      expect(runs().filter((r) => r.startsWith('start'))).toEqual(['start 127.0.0.1', 'start 127.0.0.2']);
      await b.queue.resume(id);
      const { result } = await ended(id, 'completed');
      expect(result.targets.map((t) => t.status)).toEqual(['ok', 'ok', 'ok']);
      expect(rec.ofJob(id).filter((e) => e.type === 'job.paused')).toHaveLength(2);
      rec.stop();
    }, 60_000);

    it('a timed pause sleeps between waves, then goes on by itself', async () => {
      const b = await start();
      const id = await b.queue.enqueue({
        kind: 'batch',
        payload: payload({ targets: payload().targets.slice(0, 2), pause: { ms: 1_500 } }),
        requestedBy: alice,
      });
      const asleep = await waitForStatus(b, id, 'delayed', 30_000);
      expect(asleep.message).toBe('pause 1500ms before wave 2/2');
      expect(runs()).toEqual(['start 127.0.0.1', 'end 127.0.0.1']);
      const { result } = await ended(id, 'completed');
      expect(result.targets.map((t) => t.status)).toEqual(['ok', 'ok']);
      expect(runs().filter((r) => r.startsWith('start'))).toEqual(['start 127.0.0.1', 'start 127.0.0.2']);
    }, 60_000);

    it('cancelling a run cancels its running targets (their processes end) and starts nothing more', async () => {
      const b = await start();
      const script = `echo $$ > ${dir}/pid-$INFRADECK_TARGET; exec sleep 30`;
      const id = await b.queue.enqueue({
        kind: 'batch',
        payload: payload({
          action: { type: 'local', program: 'sh', args: ['-c', script] },
          serial: [{ count: 2 }],
        }),
        requestedBy: alice,
      });
      const pidFiles = ['web-1', 'web-2'].map((n) => join(dir, `pid-${n}`));
      // A pid file exists from the moment the shell opens it, before `echo` has written the pid: read once written.
      const pidIn = (f: string) => (existsSync(f) ? Number(readFileSync(f, 'utf8')) || 0 : 0);
      await waitFor('both targets of wave 1 running', () => pidFiles.every((f) => pidIn(f) > 0), 20_000);
      const pids = pidFiles.map(pidIn);
      await waitFor('both sleeping', () => pids.every((p) => processAlive(p)));
      await b.queue.cancel(id);
      await waitForStatus(b, id, 'cancelled', 20_000);
      await waitFor('the targets’ processes gone', () => pids.every((p) => !processAlive(p)), 20_000);
      const run = await waitFor('the targets cancelled', async () => {
        const v = await view(id);
        return v.targets.every((t) => t.status === 'cancelled') ? v : undefined;
      });
      expect(run.status).toBe('cancelled');
      expect(run.targets.map((t) => [t.name, t.status])).toEqual([
        ['web-1', 'cancelled'],
        ['web-2', 'cancelled'],
        ['web-3', 'cancelled'],
      ]);
      expect(existsSync(join(dir, 'pid-web-3'))).toBe(false);
    }, 60_000);

    it('a target past its timeout is ended and fails, with no exit code and what it printed last', async () => {
      const b = await start();
      const id = await b.queue.enqueue({
        kind: 'batch',
        payload: payload({
          targets: payload().targets.slice(0, 1),
          action: { type: 'local', program: 'sh', args: ['-c', 'echo still going; exec sleep 30'] },
          timeoutMs: 1_000,
        }),
        requestedBy: alice,
      });
      const { job, result } = await ended(id, 'failed');
      expect(job.error).toBe('1 of 1 target failed');
      expect(result.targets.map((t) => [t.name, t.status, t.exitCode])).toEqual([
        ['web-1', 'failed', undefined],
      ]);
      const target = await b.queue.get(result.targets[0].jobId!);
      expect(target?.error).toBe('timed out after 1s: still going');
      expect(target?.result).toMatchObject({ timedOut: true, lastLine: 'still going' });
      expect((await b.queue.logs(id)).map((l) => l.text)).toContain(
        'web-1 failed: timed out after 1s: still going',
      );
    }, 60_000);

    it('a retry is a new run of the failed targets only, in waves again', async () => {
      const b = await start();
      writeFileSync(join(dir, 'fail'), '127.0.0.1\n127.0.0.3\n');
      const first = await b.queue.enqueue({
        kind: 'batch',
        payload: payload({ serial: [] }),
        requestedBy: alice,
      });
      const failedRun = await ended(first, 'failed');
      expect(failedRun.result.targets.map((t) => t.status)).toEqual(['failed', 'ok', 'failed']);
      writeFileSync(join(dir, 'runs.txt'), '');
      writeFileSync(join(dir, 'fail'), '');
      const original = (await b.queue.get(first))!.payload as BatchPayload;
      const again = new Set(failedRun.result.targets.filter((t) => t.status === 'failed').map((t) => t.key));
      const retry = await b.queue.enqueue({
        kind: 'batch',
        payload: {
          ...original,
          serial: [{ count: 1 }],
          targets: original.targets.filter((t) => again.has(t.key)),
          retryOf: first,
        },
        requestedBy: alice,
      });
      const { result } = await ended(retry, 'completed');
      expect(result.targets.map((t) => [t.name, t.wave, t.status])).toEqual([
        ['web-1', 1, 'ok'],
        ['web-3', 2, 'ok'],
      ]);
      expect(runs()).toEqual(['start 127.0.0.1', 'end 127.0.0.1', 'start 127.0.0.3', 'end 127.0.0.3']);
      const retried = await view(retry);
      expect(retried.payload.retryOf).toBe(first);
      // The first run still reads as it ended.
      expect(batchRunView((await b.queue.get(first))!, [])?.status).toBe('failed');
    }, 60_000);
  });
}
