// Plan and deploy of project blueprints.
//
// 1. Plan: `planDeploy` for a generated blueprint of 500 resources (a VPC, 120 subnets half of them public,
//    an internet gateway, 60 route tables, 100 security groups, 150 server groups, 68 buckets) against a
//    demo account of about 50,000 resources. Three cases: nothing deployed yet (all creates), deployed (in
//    sync, every resource matched), and drifted (one server type changed). The index is passed as the
//    ResourceIndex's array, as the Deployments screen does on every index change.
//
// 2. Deploy: a 30-resource blueprint on the demo cloud with its real latency (eu-west-1: 30 ms a call),
//    run with 1, 6 (the default) and 16 creates at once. Every cloud call the deploy makes is timed; the
//    sum of those times is what a one-call-at-a-time deploy would take, and wall time over that sum shows
//    how much the dependency order lets run together. The state file is written to a temp folder (atomic
//    writes with fsync are part of the cost).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Blueprint, blueprintSchema } from '../src/domain/blueprint';
import { planDeploy } from '../src/domain/plan';
import { deployPayloadSchema } from '../src/domain/projectJobs';
import { type Resource, ResourceIndex } from '../src/domain/resource';
import type { JobContext } from '../src/services/bus/contracts';
import { detachedFlow } from '../src/services/bus/jobFlow';
import type { CloudProvider } from '../src/services/cloud/cloudProvider';
import { DemoCloud } from '../src/services/cloud/demoCloud';
import { deployProject } from '../src/services/projects/deployProject';
import { heading, ms, statsLine, summarize } from './lib/stats.mjs';

const ami = 'ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';

function bigBlueprint(): Blueprint {
  const subnets = Array.from({ length: 120 }, (_, i) => ({
    name: `net-${i}`,
    cidr: `10.60.${i}.0/24`,
    az: `eu-west-1${'abc'[i % 3]}`,
    public: i % 2 === 0,
  }));
  const groups = Array.from({ length: 100 }, (_, i) => ({
    name: `sg-${i}`,
    ingress: [
      { protocol: 'tcp', port: 443, cidr: '0.0.0.0/0' },
      ...(i > 0 ? [{ protocol: 'tcp', port: 5432, group: `sg-${i - 1}` }] : []),
    ],
  }));
  const instances = Array.from({ length: 150 }, (_, i) => ({
    name: `app-${i}`,
    type: i % 3 === 0 ? 't3.small' : 'c6i.large',
    ami,
    count: 1 + (i % 3),
    subnet: `net-${i % 120}`,
    securityGroups: [`sg-${i % 100}`],
  }));
  const buckets = Array.from({ length: 68 }, (_, i) => ({ name: `bench-big-bucket-${i}` }));
  return blueprintSchema.parse({
    name: 'bench-big',
    owner: 'bench',
    environment: 'dev',
    region: 'eu-west-1',
    network: { vpc: { cidr: '10.60.0.0/16' }, subnets, internetGateway: true, securityGroups: groups },
    compute: { instances },
    storage: { buckets },
  });
}

function smallBlueprint(): Blueprint {
  return blueprintSchema.parse({
    name: 'bench-small',
    owner: 'bench',
    environment: 'dev',
    region: 'eu-west-1',
    network: {
      vpc: { cidr: '10.70.0.0/16' },
      subnets: Array.from({ length: 6 }, (_, i) => ({
        name: `net-${i}`,
        cidr: `10.70.${i}.0/24`,
        az: `eu-west-1${'abc'[i % 3]}`,
        public: i < 3,
      })),
      internetGateway: true,
      securityGroups: Array.from({ length: 6 }, (_, i) => ({
        name: `sg-${i}`,
        ingress: [
          { protocol: 'tcp', port: 443, cidr: '0.0.0.0/0' },
          ...(i % 2 === 1 ? [{ protocol: 'tcp', port: 5432, group: `sg-${i - 1}` }] : []),
        ],
      })),
    },
    compute: {
      instances: Array.from({ length: 8 }, (_, i) => ({
        name: `app-${i}`,
        type: 't3.small',
        ami,
        count: 2,
        subnet: `net-${i % 6}`,
        securityGroups: [`sg-${i % 6}`],
      })),
    },
    storage: { buckets: Array.from({ length: 5 }, (_, i) => ({ name: `bench-small-bucket-${i}` })) },
  });
}

function quietJob(id: string): JobContext {
  return {
    jobId: id,
    attempt: 1,
    requestedBy: { user: 'bench', host: 'bench' },
    signal: new AbortController().signal,
    progress() {},
    async log() {},
    async emit() {},
    flow: detachedFlow(),
  };
}

function payloadOf(bp: Blueprint, deployId: string) {
  return deployPayloadSchema.parse({
    project: bp.name,
    blueprint: bp,
    source: { file: `projects/${bp.name}.yaml`, sha256: '0'.repeat(64) },
    deployId,
  });
}

/** Times every call the deploy makes to the cloud. */
function timed(cloud: CloudProvider): { cloud: CloudProvider; calls: number[] } {
  const calls: number[] = [];
  const proxy = new Proxy(cloud, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const start = performance.now();
        try {
          return await value.apply(target, args);
        } finally {
          calls.push(performance.now() - start);
        }
      };
    },
  });
  return { cloud: proxy, calls };
}

function timeRuns(runs: number, fn: () => void): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    out.push(performance.now() - start);
  }
  return out;
}

async function planBench(): Promise<void> {
  console.log(heading('plan: 500-resource blueprint against an index of ~50,000 resources'));
  const started = performance.now();
  // The demo account grows with `scale` unevenly (it is random, seeded): the first scale that reaches 50,000.
  let cloud = new DemoCloud({ scale: 400, latencyScale: 0 });
  for (let scale = 420; cloud.snapshot().length < 50_000; scale += 20) {
    cloud = new DemoCloud({ scale, latencyScale: 0 });
  }
  const bp = bigBlueprint();
  const dataDir = mkdtempSync(join(tmpdir(), 'infradeck-bench-'));
  try {
    const before = cloud.snapshot();
    const fresh = ResourceIndex.fromScans([
      { account: 'demo', region: 'all', scannedAt: 0, resources: before },
    ]);
    await deployProject(payloadOf(bp, 'd-bench-big'), quietJob('big'), { cloud, dataDir, concurrency: 16 });
    const after = cloud.snapshot();
    const deployed = ResourceIndex.fromScans([
      { account: 'demo', region: 'all', scannedAt: 0, resources: after },
    ]);
    const drifted = bigBlueprint();
    drifted.compute!.instances[7].type = 'c6i.xlarge';
    console.log(
      `  index: ${fresh.size.toLocaleString('en')} resources before, ${deployed.size.toLocaleString('en')} after ` +
        `deploying the blueprint (set up in ${ms(performance.now() - started)})`,
    );

    const check = planDeploy({ blueprint: bp, resources: deployed.all });
    console.log(
      `  plans: fresh ${planDeploy({ blueprint: bp, resources: fresh.all }).summary.create} creates; ` +
        `deployed ${check.sync} (${check.summary.unchanged} unchanged); ` +
        `drifted ${planDeploy({ blueprint: drifted, resources: deployed.all }).summary.replace} replace`,
    );
    timeRuns(5, () => planDeploy({ blueprint: bp, resources: deployed.all }));
    const cases: [string, Blueprint, readonly Resource[]][] = [
      ['not deployed (500 creates)', bp, fresh.all],
      ['deployed, in sync', bp, deployed.all],
      ['deployed, one server type changed', drifted, deployed.all],
    ];
    for (const [label, blueprint, resources] of cases) {
      console.log(
        statsLine(
          label,
          timeRuns(30, () => planDeploy({ blueprint, resources })),
        ),
      );
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function deployBench(): Promise<void> {
  const bp = smallBlueprint();
  const total = planDeploy({ blueprint: bp, resources: [] }).actions.length;
  console.log(
    heading(`deploy: ${total}-resource blueprint on the demo cloud, eu-west-1 latency (30 ms a call)`),
  );
  for (const concurrency of [1, 6, 16]) {
    const walls: number[] = [];
    const sums: number[] = [];
    const counts: number[] = [];
    for (let run = 0; run < 3; run++) {
      // Servers run at once: the figure is the creates' concurrency, not EC2's boot time the deploy waits out.
      const demo = new DemoCloud({ seed: 7, regions: ['eu-west-1'], transitionMs: 0 });
      const { cloud, calls } = timed(demo);
      const dataDir = mkdtempSync(join(tmpdir(), 'infradeck-bench-'));
      try {
        const start = performance.now();
        await deployProject(payloadOf(bp, `d-bench-${run}`), quietJob(`job-${run}`), {
          cloud,
          dataDir,
          concurrency,
        });
        walls.push(performance.now() - start);
        sums.push(calls.reduce((a, b) => a + b, 0));
        counts.push(calls.length);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
    const wall = summarize(walls).median;
    const sum = summarize(sums).median;
    console.log(
      `  ${`${concurrency} at once`.padEnd(12)} wall ${ms(wall).padStart(9)}   sum of ${summarize(counts).median} calls ` +
        `${ms(sum).padStart(9)}   sum/wall ${(sum / wall).toFixed(2)}×   (median of ${walls.length})`,
    );
  }
  console.log(
    '  The levels of this blueprint: VPC + buckets, then subnets + gateway + groups, then route tables and the\n' +
      '  groups that name others, then servers; each create is preceded by its tag look-up (2 calls).',
  );
}

await planBench();
await deployBench();
