// Process start to first complete frame: the built CLI (`node dist/cli.js --data data`, what `npm start`
// runs) in a real 120x35 pseudo-terminal, with HOME and the XDG folders pointing to an empty temp folder so
// no user config is read. Timed from the spawn:
//   first frame           the shell is on screen: tab bar and the status bar clock;
//   first complete frame  the last frame that changed more than numbers (the clock, `up 2s`) before the
//                         screen stayed still for QUIET_MS: what the first tab loads asynchronously (repositories
//                         via `git`, the bus, workers) is drawn. The time is that frame's arrival, not the
//                         end of the quiet period. Frames are told apart by Ink's synchronized-update
//                         markers (it writes them to every TTY outside CI);
//   repository rows       when the first tab is Repositories: every repos.yaml entry is a table row.
// For reference, the same pty runs `node -e 0` and `infradeck --version` (spawn to exit): the floor that
// `script`, the shell, stty and node's own start put under every number above.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { consoleFrameDrawn } from './lib/consoleFrame.mjs';
import { runInPty, shellQuote } from './lib/pty.mjs';
import { heading, sleep, statsLine, stripAnsi, summarize, targetLine } from './lib/stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli.js');
const dataDir = join(root, 'data');
const runs = Number(process.env.BENCH_STARTUP_RUNS ?? 15);
const columns = 120;
const rows = 35;
const QUIET_MS = 600;
const SYNC_END = '\u001b[?2026l';

if (!existsSync(cli)) {
  console.error('startup: dist/cli.js is missing: run `npm run build` first (`npm run bench` does).');
  process.exit(1);
}

const repoNames = exampleRepoNames();
const home = mkdtempSync(join(tmpdir(), 'infradeck-bench-home-'));
const env = {
  ...process.env,
  TERM: 'xterm-256color',
  HOME: home,
  XDG_CONFIG_HOME: join(home, '.config'),
  XDG_DATA_HOME: join(home, '.local', 'share'),
  XDG_STATE_HOME: join(home, '.local', 'state'),
  XDG_CACHE_HOME: join(home, '.cache'),
};
// Ink only writes the last frame when it believes it runs in CI.
for (const name of ['CI', 'CONTINUOUS_INTEGRATION', 'INFRADECK_DATA', 'NO_COLOR']) delete env[name];

const node = shellQuote(process.execPath);
const samples = { bare: [], version: [], output: [], shell: [], complete: [], repos: [], quit: [] };
let firstTab = '?';

try {
  // One warm-up round fills the page cache, so run 1 is not the only one that reads from disk.
  for (let i = 0; i <= runs; i++) {
    const bare = await spawnToExit(`exec ${node} -e 0`);
    const version = await spawnToExit(`exec ${node} ${shellQuote(cli)} --version`, /infradeck \d+\.\d+/);
    const run = await openAndQuit();
    if (i === 0) continue;
    samples.bare.push(bare);
    samples.version.push(version);
    samples.output.push(run.output);
    samples.shell.push(run.shell);
    samples.complete.push(run.complete);
    if (run.repos !== undefined) samples.repos.push(run.repos);
    samples.quit.push(run.quit);
  }
} finally {
  rmSync(home, { recursive: true, force: true });
}

console.log(
  heading(`startup · ${columns}x${rows} pty (util-linux script) · ${runs} runs after 1 warm-up · from spawn`),
);
console.log(
  `  workspace data/ (repos.yaml: ${repoNames.join(', ')}), no user config; first tab: ${firstTab}`,
);
console.log(statsLine('node -e 0 (spawn → exit, reference)', samples.bare));
console.log(statsLine('infradeck --version (spawn → exit)', samples.version));
console.log(statsLine('first output (alternate screen entered)', samples.output));
console.log(statsLine('first frame (tab bar + status bar clock)', samples.shell));
console.log(statsLine(`first complete frame (then ${QUIET_MS} ms still)`, samples.complete));
if (samples.repos.length) console.log(statsLine('repository rows of repos.yaml drawn', samples.repos));
else console.log('  repository rows: not measured, the first tab is not Repositories');
console.log(statsLine('q → process exit (terminal restored)', samples.quit));
console.log(targetLine('first frame', summarize(samples.shell).median, 300, 'median'));
console.log(targetLine('first complete frame', summarize(samples.complete).median, 300, 'median'));

/** Spawn to exit of a short command in the pty; checks it printed what it should. */
async function spawnToExit(command, expect) {
  const pty = runInPty(command, { env, columns, rows });
  const { code, at } = await pty.exited;
  if (code !== 0 || (expect && !expect.test(pty.output())))
    throw new Error(`\`${command}\` exited ${code}: ${pty.output()}${pty.stderr()}`);
  return at - pty.startedAt;
}

async function openAndQuit() {
  const pty = runInPty(`exec ${node} ${shellQuote(cli)} --data ${shellQuote(dataDir)}`, {
    env,
    columns,
    rows,
  });
  let outputAt;
  let shellAt;
  let reposAt;
  let lastContentAt;
  let previous = { frame: '', statusLine: '' };
  let pending = '';
  pty.onChunk((output, at, chunk) => {
    // Ink wraps every frame in synchronized-update markers: split the stream into frames at their end.
    outputAt ??= at;
    pending += chunk;
    for (let end = pending.indexOf(SYNC_END); end >= 0; end = pending.indexOf(SYNC_END)) {
      const frame = pending.slice(0, end);
      pending = pending.slice(end + SYNC_END.length);
      const seen = readFrame(frame, previous);
      if (!seen) continue;
      previous = seen;
      lastContentAt = at;
      const screen = stripAnsi(output);
      if (shellAt === undefined && consoleFrameDrawn(screen)) {
        shellAt = at;
        firstTab = /(?:^|\s)1 (.+?)(?:\s{2}|\s+2 |\n|$)/m.exec(screen)?.[1] ?? '?';
      }
      if (reposAt === undefined && areReposDrawn(screen)) reposAt = at;
    }
  });
  try {
    const deadline = performance.now() + 15_000;
    while (shellAt === undefined || performance.now() - lastContentAt < QUIET_MS) {
      if (performance.now() > deadline || pty.child.exitCode !== null)
        throw new Error(
          `infradeck did not settle within 15 s; the terminal showed:\n${pty.output().slice(-1500)}`,
        );
      await sleep(20);
    }
    const quitAt = performance.now();
    pty.write('q');
    const exit = await Promise.race([pty.exited, sleep(10_000).then(() => ({ code: 'timeout' }))]);
    if (exit.code !== 0)
      throw new Error(`infradeck ended with ${exit.code} after q:\n${pty.output().slice(-800)}`);
    return {
      output: outputAt - pty.startedAt,
      shell: shellAt - pty.startedAt,
      complete: lastContentAt - pty.startedAt,
      repos: reposAt === undefined ? undefined : reposAt - pty.startedAt,
      quit: exit.at - quitAt,
    };
  } finally {
    pty.stop();
  }
}

/**
 * The frame's text with every number blanked, or undefined when it shows nothing new: no text, or only
 * numbers moved (the clock, `up 3s`, ages), either as a full redraw or as an incremental redraw of a line.
 */
function readFrame(frame, previous) {
  const text = stripAnsi(frame).replace(/\r/g, '').replace(/\d+/g, '#').trim();
  if (text === '' || text === previous.frame || text === previous.statusLine) return undefined;
  const lines = text.split('\n').map((line) => line.trim());
  return { frame: text, statusLine: lines.findLast((line) => line.includes('#:#')) ?? previous.statusLine };
}

/** Every repository of repos.yaml appears after the table header (the tab bar also says "infradeck"). */
function areReposDrawn(screen) {
  const header = screen.indexOf('NAME');
  return header >= 0 && repoNames.every((name) => screen.indexOf(name, header) > header);
}

function exampleRepoNames() {
  const file = join(dataDir, 'repos.yaml');
  const doc = parse(readFileSync(file, 'utf8'));
  const names = (doc?.repos ?? []).map((r) => r.name ?? basename(resolve(dataDir, r.path)));
  if (names.length === 0) throw new Error(`${file} lists no repositories: nothing marks a complete frame`);
  return names;
}
