import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatchRunView } from '../../src/domain/batchRun';
import type { JobStatus, JobView } from '../../src/domain/job';
import type { ModelDefinition } from '../../src/domain/model';
import { readRolloutAction } from '../../src/domain/rollout';
import {
  planRollout,
  type RolloutRequest,
  rollbackPayload,
  simulateIncident,
} from '../../src/services/ai/rollout';
import { loadBatchRun } from '../../src/services/batch/batchRuns';
import type { Bus } from '../../src/services/bus/contracts';
import { DemoCloud } from '../../src/services/cloud/demoCloud';
import { jobHandlersFor } from '../../src/worker/jobHandlers';
import { alice, waitFor } from '../bus/contractSuite';

export interface RolloutTransport {
  name: string;
  open(): Promise<Bus>;
  cleanup?(): Promise<void>;
}

const churn = (versions: ModelDefinition['versions']): ModelDefinition => ({
  name: 'churn',
  rollout: {},
  versions,
});
const v1prod = { version: 1, stage: 'production' as const, params: {}, metrics: {} };
const v2staging = { version: 2, stage: 'staging' as const, params: {}, metrics: {} };

/**
 * Model rollouts through real batch jobs on one transport, over `local` targets (the commands run on the worker
 * with INFRADECK_TARGET set): each command appends a line to a log file, so the test sees what ran where, with
 * which version in its environment.
 */
export function rolloutSuite(transport: RolloutTransport): void {
  describe(`model rollouts over ${transport.name}`, () => {
    let dir: string;
    let bus: Bus | undefined;

    afterEach(async () => {
      await bus?.close();
      bus = undefined;
      await transport.cleanup?.();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    async function start(): Promise<Bus> {
      dir = await mkdtemp(join(tmpdir(), 'infradeck-rollout-'));
      writeFileSync(
        join(dir, 'servers.yaml'),
        'servers:\n' +
          ['gpu-1', 'gpu-2', 'gpu-3'].map((n, i) => `  - name: ${n}\n    host: 10.0.0.${i + 1}\n`).join(''),
      );
      bus = await transport.open();
      bus.consume(jobHandlersFor({ dataDir: dir, cloud: async () => new DemoCloud({ latencyScale: 0 }) }), {
        concurrency: 8,
      });
      return bus;
    }

    const log = () => join(dir, 'log');
    const lines = () => readFileSync(log(), 'utf8').trim().split('\n');
    const request = (over: Partial<RolloutRequest> = {}): RolloutRequest => ({
      model: churn([v1prod, v2staging]),
      version: 2,
      servers: ['gpu-1', 'gpu-2', 'gpu-3'],
      serial: [{ count: 1 }],
      local: true,
      deploy: `echo "deploy $INFRADECK_MODEL v$INFRADECK_MODEL_VERSION (was v$INFRADECK_MODEL_PREVIOUS_VERSION) on $INFRADECK_TARGET" >> ${log()}`,
      health: `echo "health $INFRADECK_TARGET" >> ${log()}`,
      rollback: `echo "rollback to v$INFRADECK_MODEL_VERSION from v$INFRADECK_MODEL_ROLLBACK_FROM on $INFRADECK_TARGET" >> ${log()}`,
      demo: false,
      ...over,
    });

    async function startRollout(b: Bus, over: Partial<RolloutRequest> = {}): Promise<string> {
      const planned = await planRollout(request(over), { dataDir: dir, env: { PATH: process.env.PATH } });
      if (!planned.ok) throw new Error(planned.errors.join('\n'));
      return b.queue.enqueue({ kind: 'batch', payload: planned.payload, requestedBy: alice });
    }

    async function until(b: Bus, id: string, statuses: JobStatus[]): Promise<JobView> {
      return waitFor(
        `run ${id} to be ${statuses.join(' or ')}`,
        async () => {
          const job = await b.queue.get(id);
          return job && statuses.includes(job.status) ? job : undefined;
        },
        30_000,
      );
    }

    async function run(b: Bus, id: string): Promise<BatchRunView> {
      const loaded = await loadBatchRun(b.queue, id);
      if (!loaded || 'notBatch' in loaded) throw new Error(`no batch run ${id}`);
      return loaded.run;
    }

    it('deploys wave by wave with the model and version in the environment, pausing until advanced', async () => {
      const b = await start();
      const id = await startRollout(b);
      expect((await b.queue.get(id))?.payload).toMatchObject({
        name: 'rollout-churn-v2',
        maxFailPercentage: 0,
        pause: { manual: true },
      });
      await until(b, id, ['paused']);
      expect(lines()).toEqual(['deploy churn v2 (was v1) on gpu-1', 'health gpu-1']);
      expect((await run(b, id)).status).toBe('paused');

      await b.queue.resume(id, alice);
      await waitFor(
        'wave 2 to end',
        async () => (await run(b, id)).counts.ok === 2 && (await b.queue.get(id))?.status === 'paused',
      );
      await b.queue.resume(id, alice);
      const ended = await until(b, id, ['completed', 'failed']);
      expect(ended.status, ended.error).toBe('completed');
      expect(lines()).toEqual([
        'deploy churn v2 (was v1) on gpu-1',
        'health gpu-1',
        'deploy churn v2 (was v1) on gpu-2',
        'health gpu-2',
        'deploy churn v2 (was v1) on gpu-3',
        'health gpu-3',
      ]);
    });

    it('stops at a failed health check, and rolls back the targets it deployed to with the previous version', async () => {
      const b = await start();
      const id = await startRollout(b, {
        health: `test "$INFRADECK_TARGET" != gpu-2 || { echo "503 from model-server" >&2; exit 7; }`,
      });
      await until(b, id, ['paused']);
      await b.queue.resume(id, alice);
      const stopped = await until(b, id, ['failed', 'completed']);
      expect(stopped.status).toBe('failed');
      expect(stopped.error).toMatch(/wave 2\/3: 1 of 1 target failed \(any failure stops\); 1 skipped/);
      const view = await run(b, id);
      expect(view.targets.map((t) => `${t.name} ${t.status}`)).toEqual([
        'gpu-1 ok',
        'gpu-2 failed',
        'gpu-3 skipped',
      ]);
      const child = await b.queue.get(view.targets[1]!.jobId!);
      expect(child?.error).toBe('exit 7: health check failed (exit 7)');
      expect((await b.queue.logs(child!.id)).map((l) => l.text)).toContain('503 from model-server');

      const back = rollbackPayload(view);
      if (!back.ok) throw new Error(back.error);
      expect(back.payload).toMatchObject({ name: 'rollback-churn-v1', serial: [], maxFailPercentage: 100 });
      expect(back.payload.targets.map((t) => t.name)).toEqual(['gpu-1', 'gpu-2']);
      const rollbackId = await b.queue.enqueue({ kind: 'batch', payload: back.payload, requestedBy: alice });
      const rolled = await until(b, rollbackId, ['completed', 'failed']);
      expect(rolled.status, rolled.error).toBe('completed');
      expect(
        lines()
          .filter((l) => l.startsWith('rollback'))
          .sort(),
      ).toEqual(['rollback to v1 from v2 on gpu-1', 'rollback to v1 from v2 on gpu-2']);
      expect(readRolloutAction((await run(b, rollbackId)).payload.action)).toMatchObject({
        step: 'rollback',
        version: 1,
        rolledBackFrom: 2,
      });
    });

    it('DEMO: a simulated incident fails the next target’s health check and stops the rollout', async () => {
      const b = await start();
      const id = await startRollout(b, { demo: true });
      await until(b, id, ['paused']);
      const incident = await simulateIncident(await run(b, id));
      expect(incident).toMatchObject({ ok: true, target: 'gpu-2' });
      await b.queue.resume(id, alice);
      const stopped = await until(b, id, ['failed', 'completed']);
      expect(stopped.status).toBe('failed');
      const view = await run(b, id);
      expect(view.targets.map((t) => `${t.name} ${t.status}`)).toEqual([
        'gpu-1 ok',
        'gpu-2 failed',
        'gpu-3 skipped',
      ]);
      expect((await b.queue.get(view.targets[1]!.jobId!))?.error).toBe(
        'exit 1: health check failed: DEMO incident simulated on gpu-2 (infradeck ai rollout simulate-incident)',
      );
      // The deploy ran on gpu-2; its health command never did: the incident failed it first.
      expect(lines()).toEqual([
        'deploy churn v2 (was v1) on gpu-1',
        'health gpu-1',
        'deploy churn v2 (was v1) on gpu-2',
      ]);
    });

    it('refuses what it cannot do: an incident off the DEMO cloud, a rollback with no previous version', async () => {
      const b = await start();
      const id = await startRollout(b, { model: churn([v2staging]), serial: [{ percent: 100 }] });
      const ended = await until(b, id, ['completed', 'failed']);
      expect(ended.status, ended.error).toBe('completed');
      const view = await run(b, id);
      expect(await simulateIncident(view)).toMatchObject({
        ok: false,
        error: expect.stringMatching(/DEMO feature/),
      });
      expect(rollbackPayload(view)).toEqual({
        ok: false,
        error: 'churn had no production version before v2: there is no previous version to roll back to',
      });
    });
  });
}
