import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeckEvent } from '../../src/domain/event';
import type { JobKind, JobPolicy, JobResults, JobView, PayloadInputs } from '../../src/domain/job';
import type { Resource } from '../../src/domain/resource';
import type { Bus } from '../../src/services/bus/contracts';
import { openMemoryBus } from '../../src/services/bus/memoryBus';
import { DemoCloud, type DemoCloudOptions } from '../../src/services/cloud/demoCloud';
import { jobHandlersFor } from '../../src/worker/jobHandlers';
import { alice, record, waitFor } from '../bus/contractSuite';

export const quick: DemoCloudOptions = { latencyScale: 0, transitionMs: 0 };

export interface CloudJobSession {
  bus: Bus;
  cloud: DemoCloud;
  dataDir: string;
  events: DeckEvent[];
  run<K extends JobKind>(kind: K, payload: PayloadInputs[K]): Promise<string>;
  finished(id: string): Promise<JobView>;
  result<K extends JobKind>(kind: K, id: string): Promise<JobResults[K]>;
  ofJob(id: string, type?: string): DeckEvent[];
  logs(id: string): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * A console and its in-process worker on the memory bus, acting on a demo cloud: what the embedded console
 * runs. Every event from the start of the stream is recorded, as a console subscribed from '0' sees them.
 */
export function startCloudJobs(
  opts: {
    cloud?: DemoCloud;
    readOnly?: boolean;
    policies?: Partial<Record<JobKind, Partial<JobPolicy>>>;
  } = {},
): CloudJobSession {
  const cloud = opts.cloud ?? new DemoCloud(quick);
  const dataDir = mkdtempSync(join(tmpdir(), 'infradeck-cloudjobs-'));
  const bus = openMemoryBus({
    requester: alice,
    handlers: jobHandlersFor({
      cloud: async () => cloud,
      dataDir,
      readOnly: opts.readOnly,
      pollMs: 5,
    }),
    policies: opts.policies,
  });
  const rec = record(bus);
  const finished = (id: string) =>
    waitFor(`job ${id} to finish`, async () => {
      const j = await bus.queue.get(id);
      return j && ['completed', 'failed', 'cancelled'].includes(j.status) ? j : undefined;
    });
  return {
    bus,
    cloud,
    dataDir,
    events: rec.events,
    run: (kind, payload) => bus.queue.enqueue({ kind, payload, requestedBy: alice } as never),
    finished,
    async result(kind, id) {
      const job = await finished(id);
      if (job.status !== 'completed') throw new Error(`${kind} job ${id} ${job.status}: ${job.error}`);
      return job.result as never;
    },
    ofJob: (id, type) => rec.ofJob(id).filter((e) => !type || e.type === type),
    logs: async (id) => (await bus.queue.logs(id)).map((l) => l.text),
    async close() {
      rec.stop();
      await bus.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Everything of a project's network in one region: VPC, subnets, gateway, tables, groups, instances. */
export function projectNetwork(all: Resource[], project: string, region: string): Resource[] {
  const vpc = all.find((r) => r.type === 'vpc' && r.project === project && r.region === region);
  if (!vpc) throw new Error(`no ${project} VPC in ${region}`);
  return all.filter(
    (r) => r.region === region && (r.id === vpc.id || (r.refs.vpc === vpc.id && r.type !== 'volume')),
  );
}
