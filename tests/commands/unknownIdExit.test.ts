import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cliArgs';
import { runHeadless } from '../../src/headless';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { Capture } from '../harness/capture';

let dir: string;
let data: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'infradeck-unknown-id-'));
  data = join(dir, 'data');
  mkdirSync(data, { recursive: true });
  // In-process jobs (no REDIS_URL); the developer's own config and data kept out.
  env = {
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_STATE_HOME: join(dir, 'state'),
    USER: 'alice',
    PATH: process.env.PATH,
  };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function infradeck(extra: NodeJS.ProcessEnv, ...argv: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runHeadless(
    parseCli(['--data', data, ...argv]),
    { ...env, ...extra },
    { stdout, stderr },
  );
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const keptNote = 'without REDIS_URL only finished runs of this workspace are kept';

describe('an id that names nothing is bad input: exit 2, said the same way by every command', () => {
  const cases: Array<[string[], string]> = [
    [['jobs', '42'], 'infradeck jobs: no job 42 (infradeck jobs lists them)\n'],
    [
      ['pipeline', 'status', '42'],
      `infradeck pipeline: no run 42 (infradeck jobs --kind pipeline lists them; ${keptNote})\n`,
    ],
    [
      ['pipeline', 'cancel', '42'],
      `infradeck pipeline: no run 42 (infradeck jobs --kind pipeline lists them; ${keptNote})\n`,
    ],
    [
      ['batch', 'status', '42'],
      `infradeck batch: no run 42 (infradeck batch status lists them; ${keptNote})\n`,
    ],
    [
      ['batch', 'retry', '42'],
      `infradeck batch: no run 42 (infradeck batch status lists them; ${keptNote})\n`,
    ],
    [['ai', 'metrics', '42'], 'infradeck ai: no run 42 (infradeck ai runs lists them)\n'],
    [
      ['resume', '42'],
      "infradeck resume: no job 42 (infradeck jobs lists them; no project's state file names it as its last job either)\n",
    ],
  ];
  for (const [argv, said] of cases) {
    it(`infradeck ${argv.join(' ')}`, async () => {
      const r = await infradeck({}, ...argv);
      expect(
        r.stderr
          .split('\n')
          .filter((l) => l.startsWith('infradeck '))
          .join('\n'),
      ).toBe(said.trimEnd());
      expect(r.code).toBe(2);
    });
  }

  it.skipIf(skipRedis)('infradeck approve and reject over Redis', async () => {
    const prefix = uniquePrefix('unknown-id');
    const redis = { REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: prefix };
    try {
      const approve = await infradeck(redis, 'approve', '42');
      expect(approve.stderr).toBe('infradeck approve: no job 42 (infradeck approvals lists them)\n');
      expect(approve.code).toBe(2);
      const reject = await infradeck(redis, 'reject', '42', '--reason', 'no');
      expect(reject.stderr).toBe('infradeck reject: no job 42 (infradeck approvals lists them)\n');
      expect(reject.code).toBe(2);
      const jobs = await infradeck(redis, 'jobs', '42');
      expect(jobs.stderr).toBe('infradeck jobs: no job 42 (infradeck jobs lists them)\n');
      expect(jobs.code).toBe(2);
    } finally {
      await deletePrefix(prefix);
    }
  });

  it('every such command says so in its --help exit codes', async () => {
    for (const [name, code2] of [
      ['jobs', /2 bad arguments, or no job JOB_ID/],
      ['batch', /2 bad input: [^:]*unknown targets, no run RUN/],
      ['ai', /2 bad input: [^:]*an unknown experiment, run,/],
      ['approve', /2 refused \([^)]*\), no job JOB/],
      ['resume', /2 no job JOB/],
    ] as const) {
      const help = await infradeck({}, name, '--help');
      // Wrapped to the terminal: read as one line.
      const text = help.stdout.replace(/\s+/g, ' ');
      expect(text, name).toMatch(code2);
      expect(text, name).not.toMatch(/JOB_ID is unknown|no such run/);
    }
  });
});
