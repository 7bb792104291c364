// Runs the benchmarks one after another and lets each print its own numbers.
//   node bench/run.mjs            every bench/*.bench.mjs, *.bench.ts and *.bench.tsx
//   node bench/run.mjs table key  only the ones whose file name contains `table` or `key`
// Targets are reported, never enforced: the exit code is non-zero only when a benchmark itself breaks.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleBench } from './lib/bundleBench.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const perBenchTimeoutMs = Number(process.env.BENCH_TIMEOUT_S ?? 150) * 1000;

const words = process.argv.slice(2);
const all = readdirSync(benchDir)
  .filter((f) => /\.bench\.(mjs|ts|tsx)$/.test(f))
  .sort();
const chosen = words.length ? all.filter((f) => words.some((w) => f.includes(w))) : all;
if (chosen.length === 0) {
  console.error(`bench: nothing matches ${words.join(' ')}; benchmarks: ${all.join(', ') || '(none)'}`);
  process.exit(2);
}

// Ink draws nothing but the final frame when it thinks it runs in CI (CI, CONTINUOUS_INTEGRATION), which
// would turn every frame measurement into a timeout: benchmarks always run as in a terminal.
const env = { ...process.env };
delete env.CI;
delete env.CONTINUOUS_INTEGRATION;

// Other work on the machine shows up in every number: the load average is printed with them.
console.log(`infradeck benchmarks · node ${process.version} · ${osLine()} · load average ${load()}`);
const failed = [];
let bundleDir;
try {
  for (const file of chosen) {
    console.log(`\n━━ ${file} ${'━'.repeat(Math.max(3, 70 - file.length))}`);
    const started = performance.now();
    let script = join(benchDir, file);
    if (/\.tsx?$/.test(file)) {
      bundleDir ??= mkdtempSync(join(tmpdir(), 'infradeck-bench-'));
      try {
        script = await bundleBench(script, bundleDir);
      } catch (error) {
        console.log(`bench: could not bundle ${file}: ${error instanceof Error ? error.message : error}`);
        failed.push(file);
        continue;
      }
    }
    const outcome = await runNode(script);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (outcome === 'ok') console.log(`(${file}: ${seconds} s; load average now ${load()})`);
    else {
      console.log(`bench: ${file} ${outcome} after ${seconds} s`);
      failed.push(file);
    }
  }
} finally {
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
}
if (failed.length) {
  console.log(
    `\nbench: ${failed.length} of ${chosen.length} benchmarks did not finish: ${failed.join(', ')}`,
  );
  process.exitCode = 1;
}

/** Runs one benchmark in its own node process, its output straight to ours. */
function runNode(script) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--enable-source-maps', script], {
      cwd: join(benchDir, '..'),
      env,
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    // Ink's cursor handling writes "show cursor" to stderr when a process that rendered to any TTY-like
    // stream exits; the benchmarks render to fake terminals, so it is noise in a log or a README.
    child.stderr.on('data', (chunk) => process.stderr.write(chunk.toString().replaceAll('\u001b[?25h', '')));
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
    }, perBenchTimeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve(`could not start (${error.message})`);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve('ok');
      else if (signal) resolve(`was stopped by ${signal}${signal === 'SIGTERM' ? ' (time limit)' : ''}`);
      else resolve(`exited with code ${code}`);
    });
  });
}

function load() {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

function osLine() {
  const cpu = cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  return `${process.platform} ${process.arch} · ${availableParallelism()} × ${cpu}`;
}
