// Signed requests: `node bench/signing.bench.mjs` (needs Redis at REDIS_URL, default redis://127.0.0.1:6379, and
// ssh-keygen). Bundles the TypeScript it needs with esbuild, then measures in one run, round trip by round trip
// interleaved (machine noise hits every mode alike), the enqueue -> completed time of a trivial `command` job
// (`true`) over Redis with a worker (concurrency 4) in this process:
//   - unsigned (the worker accepts it: access.requireSignatures is off);
//   - signed with an ed25519 key file, in-process (the requester's signing and the worker's check: SSHSIG over
//     the canonical spec, allowed_signers, the window, the nonce claimed in Redis);
//   - signed through `ssh-keygen -Y sign` (an ECDSA key, which is not signed in-process): a spawn per job.
// Prints numbers with the load average; asserts nothing about time.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importSources } from './lib/importSources.mjs';
import { deletePrefix } from './lib/redisKeys.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const roundTrips = Number(process.env.BENCH_ROUND_TRIPS || 200);
const requester = { user: 'bench', host: 'bench' };

const tmp = join(root, `.infradeck-test-bench-signing-${process.pid}`);
mkdirSync(tmp, { recursive: true });
const { openBus, jobHandlers, setWorkspaceIdentity } = await importSources('signing', [
  "export { openBus } from '../src/services/bus/openBus';",
  "export { jobHandlers } from '../src/worker/jobHandlers';",
  "export { setWorkspaceIdentity } from '../src/services/identity/workspaceIdentity';",
]);

const dataDir = join(tmp, 'data');
mkdirSync(dataDir);
const keys = {};
for (const [name, type] of [
  ['ed25519', 'ed25519'],
  ['ecdsa', 'ecdsa'],
]) {
  const file = join(tmp, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', name, '-f', file]);
  keys[name] = file;
}
writeFileSync(
  join(dataDir, 'allowed_signers'),
  Object.values(keys)
    .map((file) => `bench ${readFileSync(`${file}.pub`, 'utf8').trim()}`)
    .join('\n'),
);
const modes = [
  { name: 'unsigned', key: undefined },
  { name: 'signed, ed25519 in-process', key: keys.ed25519 },
  { name: 'signed, ssh-keygen -Y sign (ecdsa)', key: keys.ecdsa },
];
const signWith = (key) =>
  setWorkspaceIdentity({
    dataDir,
    access: { requireSignatures: false },
    env: { ...process.env, ...(key ? { INFRADECK_SIGNING_KEY: key } : {}) },
  });

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const p = `bench-signing-${randomBytes(3).toString('hex')}`;
let bus;
try {
  console.log(
    `load average ${load()} · ${roundTrips} round trips per mode, interleaved · Redis ${redisUrl}\n`,
  );
  bus = await openBus({ redisUrl, prefix: p, requester, eventsMaxLen: 200_000 });
  if (!(await bus.state.whenConnected(5000))) throw new Error(`Redis unreachable: ${bus.state.get().detail}`);
  const consumer = bus.consume(jobHandlers, { concurrency: 4 });
  const waiting = new Map();
  const early = new Map();
  const stop = bus.events.subscribe('live', (e) => {
    if (e.type !== 'job.completed' && e.type !== 'job.failed') return;
    const done = waiting.get(e.jobId);
    if (done) done(e);
    else early.set(e.jobId, e); // finished before enqueue() returned its id
  });
  await new Promise((r) => setTimeout(r, 200));
  const roundTrip = async (mode) => {
    signWith(mode.key);
    const t0 = performance.now();
    const id = await bus.queue.enqueue({
      kind: 'command',
      payload: { program: 'true' },
      requestedBy: requester,
    });
    const e = early.get(id) ?? (await new Promise((r) => waiting.set(id, r)));
    early.delete(id);
    waiting.delete(id);
    if (e.type !== 'job.completed') throw new Error(`${mode.name}: job ${id} failed: ${e.message}`);
    return performance.now() - t0;
  };
  const latencies = modes.map(() => []);
  for (let i = 0; i < 20; i++) for (const mode of modes) await roundTrip(mode); // warm up
  for (let i = 0; i < roundTrips; i++) {
    for (const [k, mode] of modes.entries()) latencies[k].push(await roundTrip(mode));
  }
  const stats = latencies.map((l) => {
    const sorted = [...l].sort((a, b) => a - b);
    return {
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      mean: l.reduce((a, b) => a + b, 0) / l.length,
    };
  });
  for (const [k, mode] of modes.entries()) {
    const s = stats[k];
    const ratio =
      k === 0
        ? ''
        : `   ×${(s.p50 / stats[0].p50).toFixed(2)} p50, ×${(s.mean / stats[0].mean).toFixed(2)} mean`;
    console.log(
      `${mode.name.padEnd(36)} p50 ${s.p50.toFixed(2).padStart(7)} ms   p99 ${s.p99.toFixed(2).padStart(7)} ms   mean ${s.mean.toFixed(2).padStart(7)} ms${ratio}`,
    );
  }
  const target = stats[1].p50 / stats[0].p50;
  console.log(
    `\nsigned (in-process) vs unsigned, p50: ${target.toFixed(2)}× (target ≤ 1.3×) · load average ${load()}`,
  );
  stop();
  await consumer.close?.();
} finally {
  await bus?.close();
  await deletePrefix(redisUrl, p);
  rmSync(tmp, { recursive: true, force: true });
}
