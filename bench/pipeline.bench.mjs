// Local pipeline benchmark (issue 14): `node bench/pipeline.bench.mjs` (needs dist/ built and Redis at REDIS_URL,
// default redis://127.0.0.1:6379; BENCH_PIPELINE_CLI runs the workers from another build, to compare two builds
// under the same load). Prints numbers; asserts nothing about time.
//
// A 50-step local DAG of `true` steps, 10 wide: five stages of 10 steps, each step of a stage needing every step
// of the stage before (a staged CI: 10 at once, then the next 10). Run by two real `infradeck worker` processes
// (the built CLI, `--data` an empty temp workspace, `--concurrency` BENCH_PIPELINE_CONCURRENCY each, default 10),
// queued on the infradeck bus from this process as `infradeck pipeline run` queues it; its end is the run's
// `job.completed` event.
//
// Against it, in the same run (the sides alternate, ABBA, BENCH_PIPELINE_RUNS times each after BENCH_PIPELINE_WARMUPS
// warm-up runs of each, default 5), two bare BullMQ workers
// (this file run with `--bare-worker`, same concurrency) that spawn `true` as the step does (no shell, detached,
// stdout and stderr piped and read to the end), and:
//   - bare flow: ONE BullMQ flow (FlowProducer) with 50 children under one parent: the issue's comparison. It has no
//     order among the children, so all 50 may run at once: a floor, not the same work;
//   - bare staged: five flows of 10 children one after the other: the same DAG's order, without infradeck.
// What only infradeck does: the run is a parent job that queues the first stage and wakes again when no step is left
// running (reads its children, logs a line per ended step); each step that passes notes so on the run (one script
// that also reads the other needs' notes), and the last of a stage to pass queues the next stage as children with a
// `job.queued` event and an audit entry each; every step saves a start mark, reports progress, publishes
// `job.started`/`job.completed`, keeps its run record, and sweeps its process group when the program ends; its
// program is started by the worker's spawner process, with glibc's posix_spawnp on Linux (no fork; the bare worker
// forks its own with Node's spawn, as a BullMQ worker does). That is the work the ratio prices. INFRADECK_SPAWN=fork
// in this process's environment (the workers inherit it) has the spawner fork with Node's spawn too.
// On a step's path from taken to BullMQ's move to completed two round trips are awaited: the start mark, which must
// be stored before the program starts (its `job.started` and run entry go ahead of it, one script, on the same
// connection), and its note on the run; its progress and its end (run entry, last view on the parent) are one script
// each, sent without waiting, in order before BullMQ's move on that connection, and `job.completed` follows the move. A step is ~16
// Redis commands in all, the parent's share included (21 before; a bare step ~3): see the README's row.
// Wall time: from the enqueue / the first flow add to the moment this process sees the end. Beside it, the workers'
// CPU time per step over the timed runs (/proc; infradeck's with its spawners'), which moves less with the load of a
// shared machine.
//
// The shape and the comparison: a 50-step DAG at most 10 wide is at least 5 deep, and five stages of 10 is that DAG
// at its widest. Against the issue's "same number of bare flow children in one run" it carries the cost of its own
// order (a stage waits for its slowest step; 50 unordered children never wait), which no runner of the DAG can
// remove: bare staged ÷ bare one flow is that floor, and infradeck ÷ bare staged is what infradeck itself adds.
// Both ratios are printed; the target is read against the first, as the issue words it.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlowProducer, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { importSources } from './lib/importSources.mjs';
import { deletePrefix } from './lib/redisKeys.mjs';
import { heading, ms, sleep, statsLine, summarize } from './lib/stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

if (process.argv[2] === '--bare-worker') await bareWorker(process.argv[3], Number(process.argv[4]));
else {
  await main();
  // The bus bundled from the sources keeps timers of its own after close: the run is over, so is the process.
  process.exit(0);
}

/** A bare BullMQ worker: `true` spawned as a step spawns it, nothing else. */
async function bareWorker(prefix, concurrency) {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const worker = new Worker(
    'jobs',
    (job) =>
      new Promise((resolve, reject) => {
        const { program, args } = job.data.step;
        const child = spawn(program, args, {
          env: { PATH: process.env.PATH },
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        child.stdout.resume();
        child.stderr.resume();
        child.once('error', reject);
        child.once('close', (code) => resolve({ exitCode: code }));
      }),
    { connection, prefix, concurrency },
  );
  worker.on('error', () => {});
  await worker.waitUntilReady();
  process.stdout.write('ready\n');
  const stop = async () => {
    await worker.close();
    connection.disconnect();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function main() {
  const cli = process.env.BENCH_PIPELINE_CLI || join(root, 'dist', 'cli.js');
  const stages = 5;
  const width = 10;
  const concurrency = Number(process.env.BENCH_PIPELINE_CONCURRENCY || 10);
  const runs = Number(process.env.BENCH_PIPELINE_RUNS || 3);
  const warmups = Number(process.env.BENCH_PIPELINE_WARMUPS || 5);
  const work = mkdtempSync(join(tmpdir(), 'infradeck-bench-pipeline-'));
  const children = new Set();
  const requester = { user: 'bench', host: 'bench' };
  const deckPrefix = `bench-pipeline-${randomBytes(3).toString('hex')}`;
  const barePrefix = `bench-pipelinebare-${randomBytes(3).toString('hex')}`;
  const { openBus, parsePipelineFile, pipelinePayload } = await importSources('pipeline', [
    "export { openBus } from '../src/services/bus/openBus';",
    "export { parsePipelineFile } from '../src/domain/pipelineSource';",
    "export { pipelinePayload } from '../src/services/pipelines/localPipelines';",
  ]);

  /** A process whose output goes to a file, ready once it prints `readyLine`. */
  const pids = { deck: [], bare: [] };
  const start = (args, env, readyLine, side) => {
    const log = join(work, `worker-${children.size}.log`);
    const fd = openSync(log, 'w');
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    children.add(child);
    pids[side].push(child.pid);
    child.on('exit', () => children.delete(child));
    return (async () => {
      const deadline = Date.now() + 20_000;
      while (!readyLine.test(readFileSync(log, 'utf8'))) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`${args.join(' ')} did not start:\n${readFileSync(log, 'utf8')}`);
        await sleep(50);
      }
    })();
  };

  // The DAG as a pipeline file, read by the same function `infradeck pipeline run` reads files with.
  const names = (s) => Array.from({ length: width }, (_, i) => `s${s + 1}-${i + 1}`);
  const lines = ['name: bench', 'steps:'];
  for (let s = 0; s < stages; s++) {
    for (const name of names(s)) {
      lines.push(
        `  - { name: ${name}, run: ["true"]${s > 0 ? `, needs: [${names(s - 1).join(', ')}]` : ''} }`,
      );
    }
  }
  const parsed = parsePipelineFile(join(work, 'bench.yaml'), lines.join('\n'));
  if (!parsed.ok) throw new Error(`pipeline: ${parsed.errors.map((e) => e.message).join('; ')}`);
  const payload = pipelinePayload(parsed.pipeline, { file: parsed.file, baseDir: work });
  const steps = payload.steps.length;

  const dataDir = join(work, 'data');
  mkdirSync(dataDir);
  const env = { ...process.env, REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: deckPrefix };
  const self = fileURLToPath(import.meta.url);
  const conns = [];
  try {
    await Promise.all([
      ...[0, 1].map(() =>
        start(
          [cli, 'worker', '--data', dataDir, '--concurrency', String(concurrency)],
          env,
          / worker \S+ on /,
          'deck',
        ),
      ),
      ...[0, 1].map(() =>
        start([self, '--bare-worker', barePrefix, String(concurrency)], env, /ready/, 'bare'),
      ),
    ]);
    const bus = await openBus({ redisUrl, prefix: deckPrefix, requester, env: {} });
    if (!(await bus.state.whenConnected(10_000)))
      throw new Error(`pipeline: Redis at ${redisUrl} does not answer`);
    for (let i = 0; i < 3; i++) conns.push(new Redis(redisUrl, { maxRetriesPerRequest: null }));
    const flows = new FlowProducer({ connection: conns[0], prefix: barePrefix });
    const parentEvents = new QueueEvents('parents', { connection: conns[1], prefix: barePrefix });
    await parentEvents.waitUntilReady();
    // The bare parent completes at once when its children are done, as a flow's parent does.
    const parentWorker = new Worker('parents', async () => 'done', {
      connection: conns[2],
      prefix: barePrefix,
      concurrency: 1,
    });
    await parentWorker.waitUntilReady();

    const deckRun = async () => {
      let id;
      const early = [];
      let ended;
      const end = new Promise((resolve) => {
        ended = resolve;
      });
      const onEvent = (e) => {
        const final = e.type === 'job.completed' || e.type === 'job.cancelled' || e.type === 'job.failed';
        if (e.jobId === id && final && !e.data?.willRetry) ended({ at: performance.now(), type: e.type });
      };
      const stop = bus.events.subscribe('live', (e) => (id === undefined ? early.push(e) : onEvent(e)));
      await sleep(200);
      const t0 = performance.now();
      id = await bus.queue.enqueue({ kind: 'pipeline', payload, requestedBy: requester });
      for (const e of early.splice(0)) onEvent(e);
      const done = await Promise.race([end, sleep(300_000).then(() => ({ type: 'timeout' }))]);
      stop();
      if (done.type !== 'job.completed') throw new Error(`pipeline: run ${id} ended ${done.type}`);
      // BullMQ's own stamps of each step's job: queued, taken, finished.
      const stamps = [];
      for (const st of payload.steps) {
        const [queued, taken, finished] = (
          await conns[2].hmget(
            `${deckPrefix}:jobs:${id}.${st.name}`,
            'timestamp',
            'processedOn',
            'finishedOn',
          )
        ).map(Number);
        stamps.push({ queued, taken, finished });
      }
      const [parentQueued, parentFinished] = (
        await conns[2].hmget(`${deckPrefix}:jobs:${id}`, 'timestamp', 'finishedOn')
      ).map(Number);
      stageParts.start.push(Math.min(...stamps.slice(0, width).map((x) => x.queued)) - parentQueued);
      stageParts.end.push(parentFinished - Math.max(...stamps.map((x) => x.finished)));
      for (let s = 0; s < stages; s++) {
        const stage = stamps.slice(s * width, (s + 1) * width);
        const end = Math.max(...stage.map((x) => x.finished));
        const next = stamps.slice((s + 1) * width, (s + 2) * width);
        stageParts.taken.push(...stage.map((x) => x.taken - x.queued));
        stageParts.run.push(...stage.map((x) => x.finished - x.taken));
        if (next.length) stageParts.gap.push(Math.min(...next.map((x) => x.queued)) - end);
      }
      return done.at - t0;
    };
    const stageParts = { taken: [], run: [], gap: [], start: [], end: [] };

    let flowCount = 0;
    /** One bare flow of these steps under one parent, to the parent's completion. */
    const bareFlow = async (group) => {
      const parentId = `p${++flowCount}`;
      const finished = new Promise((resolve) => {
        const onCompleted = ({ jobId }) => {
          if (jobId !== parentId) return;
          parentEvents.off('completed', onCompleted);
          resolve();
        };
        parentEvents.on('completed', onCompleted);
      });
      await flows.add({
        name: 'pipeline',
        queueName: 'parents',
        opts: { jobId: parentId, removeOnComplete: { age: 3600 } },
        children: group.map((s) => ({
          name: 'pipelineStep',
          queueName: 'jobs',
          data: { pipeline: 'bench', step: { name: s.name, program: s.program, args: s.args } },
          opts: { jobId: `${parentId}-${s.name}`, attempts: 1, removeOnComplete: { age: 3600 } },
        })),
      });
      await finished;
    };
    const bareOne = async () => {
      const t0 = performance.now();
      await bareFlow(payload.steps);
      return performance.now() - t0;
    };
    const bareParts = { taken: [], run: [] };
    const bareStaged = async () => {
      const t0 = performance.now();
      const first = flowCount + 1;
      for (let s = 0; s < stages; s++) await bareFlow(payload.steps.slice(s * width, (s + 1) * width));
      const wall = performance.now() - t0;
      for (let s = 0; s < stages; s++) {
        for (const st of payload.steps.slice(s * width, (s + 1) * width)) {
          const [queued, taken, finished] = (
            await conns[2].hmget(
              `${barePrefix}:jobs:p${first + s}-${st.name}`,
              'timestamp',
              'processedOn',
              'finishedOn',
            )
          ).map(Number);
          bareParts.taken.push(taken - queued);
          bareParts.run.push(finished - taken);
        }
      }
      return wall;
    };

    const ours = [];
    const one = [];
    const staged = [];
    // The workers' own CPU time (user + system) over the timed runs, per step: less at the mercy of what else runs
    // on the machine than wall time (the bare workers run both bare sides; each side's workers idle in the others).
    const cpuBefore = {};
    const cpuPerStep = {};
    try {
      // Warm-up runs of each so none pays for its first spawn, script load or JIT: a worker lives for thousands of
      // jobs, and V8 optimises a path only after it has run it a while (infradeck's path is longer than the bare
      // worker's, so one run left its steps ~1.5× slower than later ones).
      for (let i = 0; i < warmups; i++) {
        await deckRun();
        await bareOne();
        await bareStaged();
      }
      for (const xs of [...Object.values(stageParts), ...Object.values(bareParts)]) xs.length = 0;
      // The deck workers' spawners (started by their first program, in the warm-up) run the forks: counted too.
      pids.spawners = childrenNamed(pids.deck, 'infradeck-spawner');
      cpuBefore.deck = cpuMs(pids.deck);
      cpuBefore.spawners = cpuMs(pids.spawners);
      cpuBefore.bare = cpuMs(pids.bare);
      // Redis' own CPU time over each side's runs, when it runs on this machine (its pid from INFO).
      const redisPid = Number(/process_id:(\d+)/.exec(await conns[2].info('server'))?.[1]);
      const redisCpu = { deck: 0, one: 0, staged: 0 };
      for (let i = 0; i < runs; i++) {
        const order = i % 2 === 0 ? ['deck', 'one', 'staged'] : ['staged', 'one', 'deck'];
        for (const side of order) {
          const before = cpuMs([redisPid]);
          if (side === 'deck') ours.push(await deckRun());
          else if (side === 'one') one.push(await bareOne());
          else staged.push(await bareStaged());
          redisCpu[side] += cpuMs([redisPid]) - before;
        }
      }
      cpuPerStep.deck = (cpuMs(pids.deck) - cpuBefore.deck) / (runs * steps);
      cpuPerStep.spawners = (cpuMs(pids.spawners) - cpuBefore.spawners) / (runs * steps);
      cpuPerStep.bare = (cpuMs(pids.bare) - cpuBefore.bare) / (runs * 2 * steps);
      for (const side of Object.keys(redisCpu)) cpuPerStep[`redis-${side}`] = redisCpu[side] / (runs * steps);
    } finally {
      await bus.close();
      await parentWorker.close();
      await parentEvents.close();
      await flows.close();
    }

    console.log(
      heading(
        `a local pipeline of ${steps} \`true\` steps, ${stages} stages ${width} wide, two workers at concurrency ${concurrency} each · ${runs} runs each side, alternating, after ${warmups} warm-up runs`,
      ),
    );
    const keys = ['min', 'median', 'max'];
    console.log(statsLine('infradeck: enqueue → run completed', ours, keys));
    console.log(statsLine(`bare BullMQ: one flow of ${steps} children`, one, keys));
    console.log(statsLine(`bare BullMQ: ${stages} flows of ${width}, one after another`, staged, keys));
    const pk = ['p50', 'p90', 'max'];
    console.log(statsLine('infradeck: step queued → taken', stageParts.taken, pk));
    console.log(statsLine('infradeck: step taken → finished', stageParts.run, pk));
    // Negative: the stage's last step queues the next before its own end is stored.
    console.log(statsLine("infradeck: stage's last end → next stage queued", stageParts.gap, pk));
    console.log(statsLine('infradeck: run queued → first stage queued', stageParts.start, pk));
    console.log(statsLine("infradeck: last step's end → run finished", stageParts.end, pk));
    console.log(statsLine('bare staged: step queued → taken', bareParts.taken, pk));
    console.log(statsLine('bare staged: step taken → finished', bareParts.run, pk));
    if (cpuPerStep.deck !== undefined && !Number.isNaN(cpuPerStep.deck)) {
      const deckCpu = cpuPerStep.deck + cpuPerStep.spawners;
      console.log(
        `  worker CPU per step (user + system, timed runs): infradeck ${deckCpu.toFixed(1)} ms (worker ${cpuPerStep.deck.toFixed(1)} + its spawner ${cpuPerStep.spawners.toFixed(1)}), bare ${cpuPerStep.bare.toFixed(1)} ms (${(deckCpu / cpuPerStep.bare).toFixed(2)}×)`,
      );
    }
    if (!Number.isNaN(cpuPerStep['redis-deck'])) {
      const r = (side) => `${cpuPerStep[`redis-${side}`].toFixed(2)} ms`;
      console.log(
        `  Redis CPU per step (its process, each side's runs): infradeck ${r('deck')}, bare one flow ${r('one')}, bare staged ${r('staged')}`,
      );
    }
    if (process.env.BENCH_DEBUG)
      console.log(ours.map(Math.round).join(' '), '|', one.map(Math.round).join(' '));
    const median = (xs) => summarize(xs).median;
    const ratio = median(ours) / median(one);
    const stagedRatio = median(ours) / median(staged);
    console.log(
      `  wall time, median: infradeck ${ms(median(ours))}, bare one flow ${ms(median(one))} (${ratio.toFixed(2)}×), bare staged ${ms(median(staged))} (${stagedRatio.toFixed(2)}×)`,
    );
    console.log(
      `  target: pipeline wall time ≤ 1.3× one bare flow of ${steps} children (${ratio.toFixed(2)}×) — ${ratio <= 1.3 ? 'met' : 'missed'}`,
    );
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await sleep(500);
    for (const child of children) child.kill('SIGKILL');
    for (const c of conns) c.disconnect();
    await deletePrefix(redisUrl, deckPrefix);
    await deletePrefix(redisUrl, barePrefix);
    rmSync(work, { recursive: true, force: true });
  }
}

/** The pids of the children of these processes whose command line holds `name`. */
function childrenNamed(parents, name) {
  const out = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.split(') ')[1].split(' ')[1]);
      if (parents.includes(ppid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(name))
        out.push(Number(pid));
    } catch {
      // gone while we looked
    }
  }
  return out;
}

/** CPU time (user + system) of these processes so far, in ms, from /proc (NaN where there is none). */
function cpuMs(pids) {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      return Number.NaN;
    }
  }
  return (ticks * 1000) / clockTicks();
}

function clockTicks() {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}
