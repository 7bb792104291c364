// Scanning 16 regions on the demo cloud, and the resource index of 50,000 resources.
//
// Scan: 16 demo regions, each with its own per-call latency (20 ms for eu-central-1 up to 280 ms for
// ap-southeast-2, the demo cloud's defaults, roughly what a call costs from Europe). A region's scan is 8
// describe calls at once (instances, VPCs, subnets, groups, gateways, tables, volumes, key pairs), plus one
// call per further page of 1,000. Measured:
//   - each region scanned alone (`scanRegion`): the slowest of them is the floor of a parallel scan;
//   - `scanAccount` over the 16 regions with the account given: the region fan-out (the target: ≤ 1.3× the
//     slowest region);
//   - the whole `scan` job on the in-process (memory) bus: the identity and DescribeRegions round trip first,
//     then the fan-out, a `scan.region` event per region with all its resources, the cache files written.
// Twice: at the demo's default size (a few hundred resources) and at ~50,000 resources (scale 150), where the
// pages and the copying start to count.
//
// Index: 50,000 resources in 16 scans (scale 150, seed 42). Time to build a `ResourceIndex` from the scans,
// to replace one region from a `scan.region` event (the console does that 17 times per scan), to apply a
// batch of job changes, to run a text query; heap retained by the resources and by the index itself
// (measured after a forced GC), and the JSON size of the largest `scan.region` event.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { applyCloudEvent, type ScanResult } from '../src/domain/cloudJobs';
import { type RegionScan, ResourceIndex } from '../src/domain/resource';
import { openMemoryBus } from '../src/services/bus/memoryBus';
import { DemoCloud, demoRegions } from '../src/services/cloud/demoCloud';
import { scanAccount } from '../src/services/cloud/scanAccount';
import { jobHandlersFor } from '../src/worker/jobHandlers';
import { heading, ms, statsLine, summarize } from './lib/stats.mjs';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const REGIONS = demoRegions(16);
const RUNS = Number(process.env.BENCH_SCAN_RUNS) || 5;
const requester = { user: 'bench', host: 'bench' };

function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const value = await fn();
  return [performance.now() - t, value];
}

async function scanBench(scale: number): Promise<void> {
  const cloud = new DemoCloud({ seed: 42, regions: REGIONS, scale });
  const size = cloud.snapshot().length;
  console.log(heading(`16 regions, ${size.toLocaleString('en')} resources (scale ${scale})`));
  const latencies = REGIONS.map((r) => `${r} ${cloud.latencyOf(r)}`).join(', ');
  console.log(`  per-call latency (ms): ${latencies}`);

  // Each region alone: the floor.
  const alone = new Map<string, number[]>();
  for (let run = 0; run < Math.max(2, Math.ceil(RUNS / 2)); run++) {
    for (const region of REGIONS) {
      const [t] = await time(() => cloud.scanRegion(region));
      alone.set(region, [...(alone.get(region) ?? []), t]);
    }
  }
  const slowestRegion = [...alone].sort((a, b) => summarize(b[1]).median - summarize(a[1]).median)[0];
  const floor = summarize(slowestRegion[1]).median;
  console.log(statsLine(`slowest region alone (${slowestRegion[0]})`, slowestRegion[1]));

  const fanOut: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const [t, scan] = await time(() =>
      scanAccount(cloud, { regions: REGIONS, buckets: false, account: '000000000000' }),
    );
    if (scan.failed.length) throw new Error(`scan failed: ${scan.failed.map((f) => f.error).join('; ')}`);
    fanOut.push(t);
  }
  console.log(statsLine('scanAccount, 16 regions at once', fanOut));
  const ratio = summarize(fanOut).median / floor;
  console.log(
    `  target: 16-region scan ≤ 1.3 × slowest region (median ${ratio.toFixed(2)}×) — ${ratio <= 1.3 ? 'met' : 'missed'}`,
  );

  // The whole job, as a console runs it.
  const job: number[] = [];
  let events = 0;
  let result: ScanResult | undefined;
  for (let run = 0; run < RUNS; run++) {
    const bus = openMemoryBus({
      requester,
      handlers: jobHandlersFor({
        cloud: async () => cloud,
        dataDir: `/tmp/infradeck-scan-bench-${process.pid}`,
      }),
    });
    let index = ResourceIndex.empty();
    const stop = bus.events.subscribe('live', (e) => {
      if (e.type === 'scan.region') {
        events++;
        index = applyCloudEvent(index, e);
      }
    });
    const started = performance.now();
    const id = await bus.queue.enqueue({ kind: 'scan', payload: {}, requestedBy: requester });
    for (;;) {
      const view = await bus.queue.get(id);
      if (view && ['completed', 'failed', 'cancelled'].includes(view.status)) {
        if (view.status !== 'completed') throw new Error(`scan job ${view.status}: ${view.error}`);
        result = view.result as ScanResult;
        break;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    job.push(performance.now() - started);
    stop();
    await bus.close();
    if (index.size !== size) throw new Error(`the console saw ${index.size} of ${size} resources`);
  }
  console.log(statsLine('scan job (memory bus, events, cache)', job));
  console.log(
    `  job / slowest region: median ${(summarize(job).median / floor).toFixed(2)}× ` +
      `(includes the identity + DescribeRegions round trip first: ${ms(cloud.latencyOf('global'))} here)`,
  );
  console.log(
    `  ${events / RUNS} scan.region events per scan; ${result?.resources.toLocaleString('en')} resources`,
  );
}

async function indexBench(): Promise<void> {
  console.log(heading('ResourceIndex of ~50,000 resources'));
  const before = heapMb();
  const cloud = new DemoCloud({ seed: 42, regions: REGIONS, scale: 150, latencyScale: 0 });
  const { scans } = await scanAccount(cloud, { account: '000000000000' });
  // The cloud's own copy is not what the console holds: drop it before measuring.
  const kept: RegionScan[] = scans;
  const withResources = heapMb();
  const total = kept.reduce((n, s) => n + s.resources.length, 0);

  const builds: number[] = [];
  let index = ResourceIndex.empty();
  for (let run = 0; run < 5; run++) {
    const t = performance.now();
    index = ResourceIndex.fromScans(kept);
    builds.push(performance.now() - t);
  }
  const withIndex = heapMb();
  console.log(`  ${index.size.toLocaleString('en')} resources in ${kept.length} scopes`);
  console.log(statsLine('build the index from 17 scans', builds));

  const biggest = [...kept].sort((a, b) => b.resources.length - a.resources.length)[0];
  const rescan: number[] = [];
  for (let run = 0; run < 20; run++) {
    const t = performance.now();
    applyCloudEvent(index, { type: 'scan.region', data: { scan: { ...biggest, scannedAt: Date.now() } } });
    rescan.push(performance.now() - t);
  }
  console.log(
    statsLine(`replace one region (${biggest.region}, ${biggest.resources.length} resources)`, rescan),
  );

  const instances = index.query({ type: 'instance' }).slice(0, 100);
  const changes: number[] = [];
  for (let run = 0; run < 20; run++) {
    const t = performance.now();
    index.applyAll(
      instances.map((r) => ({ kind: 'state' as const, region: r.region, id: r.id, state: 'stopping' })),
    );
    changes.push(performance.now() - t);
  }
  console.log(statsLine('apply 100 state changes (one event batch)', changes));

  const queries: number[] = [];
  for (let run = 0; run < 20; run++) {
    const fresh = ResourceIndex.fromScans(kept);
    const t = performance.now();
    fresh.query({ text: 'web api running' });
    queries.push(performance.now() - t);
  }
  console.log(statsLine('first text query over all (cold)', queries));
  const warm: number[] = [];
  for (let run = 0; run < 20; run++) {
    const t = performance.now();
    index.query({ text: 'web api running' });
    warm.push(performance.now() - t);
  }
  console.log(statsLine('text query again (warm)', warm));

  const eventBytes = JSON.stringify({ scan: biggest }).length;
  console.log(
    `  heap: resources ${(withResources - before).toFixed(1)} MB (${(((withResources - before) * 1024 * 1024) / total).toFixed(0)} B each), ` +
      `index on top ${(withIndex - withResources).toFixed(1)} MB`,
  );
  console.log(
    `  largest scan.region event: ${(eventBytes / 1024 / 1024).toFixed(2)} MB of JSON (${biggest.region})`,
  );
  // Keep everything alive until measured.
  if (index.size === 0 || cloud.stats.calls === 0) console.log('');
}

await scanBench(1);
await scanBench(150);
await indexBench();
