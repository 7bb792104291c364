import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deckKeys } from '../../src/services/bus/redisEvents';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { commandEnv, runCommand } from '../harness/headless';
import { jobOutput, nginxUpstreamErrors, systemd } from './fixtures/realLogs';

let dir: string;
let dataDir: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'infradeck-timeline-cli-'));
  dataDir = join(dir, 'data');
  env = commandEnv(dir, { TZ: 'UTC' });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const infradeck = (extraEnv: NodeJS.ProcessEnv, ...argv: string[]) =>
  runCommand(dataDir, { ...env, ...extraEnv }, argv);

describe('infradeck timeline (no Redis: the job history)', () => {
  it('prints the lanes of the jobs this workspace ran, one line each, as wide as $COLUMNS', async () => {
    expect((await infradeck({}, 'run', '--wait', '--', 'sh', '-c', 'echo hi; exit 3')).code).not.toBe(0);
    expect((await infradeck({}, 'run', '--wait', '--', 'true')).code).toBe(0);
    const r = await infradeck({ COLUMNS: '60' }, 'timeline', '--since', '10m');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    // the header wraps at 60 columns instead of running past them
    expect(lines.slice(0, 2).join(' ')).toMatch(
      /\(10m, .* a column, UTC\+00:00; from the job history: no REDIS_URL\)/,
    );
    const jobs = lines.find((l) => l.startsWith('jobs '));
    expect(jobs).toContain('✖');
    expect(jobs!.length).toBeLessThanOrEqual(60);
    expect(lines.find((l) => l.startsWith('events/s'))).toBeDefined();
    expect(r.stdout).toMatch(/nothing in: deploys, .*commits/);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(60);
  });

  it('prints JSON lanes with buckets and events, only the lanes asked for', async () => {
    await infradeck({}, 'run', '--wait', '--', 'true');
    const r = await infradeck({}, 'timeline', '--since', '5m', '--lanes', 'jobs,deploys', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.lanes.map((l: { name: string }) => l.name)).toEqual(['jobs', 'deploys']);
    const jobs = out.lanes[0];
    expect(jobs.buckets.reduce((s: number, b: { count: number }) => s + b.count, 0)).toBe(1);
    expect(jobs.events[0]).toMatchObject({
      lane: 'jobs',
      type: 'job.started',
      who: expect.stringMatching(/^ada@/),
    });
    expect(out.lanes[1].buckets).toEqual([]);
  });

  it('refuses what it cannot read, saying what', async () => {
    const lanes = await infradeck({}, 'timeline', '--lanes', 'jobs,nope');
    expect(lanes.code).toBe(2);
    expect(lanes.stderr).toMatch(/--lanes jobs,nope: unknown lane nope/);
    const since = await infradeck({}, 'timeline', '--since', 'last tuesday');
    expect(since.code).toBe(2);
    expect(since.stderr).toMatch(/--since "last tuesday": not a duration/);
    const patterns = await infradeck({}, 'timeline', 'patterns', '--after', '1h');
    expect(patterns.code).toBe(2);
    expect(patterns.stderr).toMatch(/needs --before TIME and --after TIME/);
  });
});

describe.skipIf(skipRedis)('infradeck timeline over Redis', () => {
  const prefix = uniquePrefix('timeline-cli');
  const redisEnv = { REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: prefix };
  const base = Math.floor((Date.now() - 3 * 3_600_000) / 60_000) * 60_000;
  let conn: Redis;

  beforeAll(async () => {
    conn = new Redis(redisUrl);
    let seq = 0;
    const add = (ms: number, e: Record<string, unknown>) =>
      conn.xadd(
        deckKeys(prefix).events,
        `${ms}-${seq++}`,
        'e',
        JSON.stringify({ at: ms, source: { worker: 'w:1' }, ...e }),
      );
    const lines = (from: number, text: string[]) =>
      Promise.all(
        text.map((message, i) => add(from + i, { level: 'info', type: 'job.log', jobId: 'j1', message })),
      );
    // before the incident: healthy output; a deploy of shop at base + 20 min; then errors
    await lines(base, [...systemd(30), ...jobOutput(30)]);
    await add(base + 20 * 60_000, {
      level: 'info',
      type: 'job.queued',
      jobId: 'd1',
      message: 'queued',
      data: { kind: 'deploy', summary: 'deploy shop (d-1)' },
    });
    await add(base + 20 * 60_000 + 1, {
      level: 'error',
      type: 'job.failed',
      jobId: 'x1',
      message: 'failed \u001b]0;owned\u0007',
      data: { kind: 'command' },
    });
    await lines(base + 25 * 60_000, [...nginxUpstreamErrors(40), ...systemd(10, 'Stopped')]);
  });
  afterAll(async () => {
    conn?.disconnect();
    await deletePrefix(prefix);
  });

  it('draws the window from the stream: the deploy with its project, the failure, at 200 columns', async () => {
    const r = await infradeck(
      { ...redisEnv, COLUMNS: '200' },
      'timeline',
      '--since',
      new Date(base).toISOString(),
      '--until',
      new Date(base + 30 * 60_000).toISOString(),
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/times of the Redis stream ids/);
    expect(r.stdout).toMatch(/^deploys +.*▲shop/m);
    expect(r.stdout).toMatch(/^jobs +.*✖/m);
    expect(r.stdout).not.toContain('\u001b');
    expect(r.stdout).toMatch(/^ {11,}\d\d:\d\d +\d\d:\d\d/m); // the axis under the lanes
  });

  it('prints the log pattern shift around the incident', async () => {
    const r = await infradeck(
      redisEnv,
      'timeline',
      'patterns',
      '--before',
      new Date(base + 60_000).toISOString(),
      '--after',
      new Date(base + 25 * 60_000).toISOString(),
      '--window',
      '5m',
      '--json',
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.lines).toEqual({ before: 60, after: 50 });
    expect(out.appeared[0]).toMatchObject({ before: 0, after: 40 });
    expect(out.appeared[0].template).toMatch(/connect\(\) failed \(<NUM>: Connection refused\)/);
    expect(out.vanished.map((v: { template: string }) => v.template)).toContain(
      '<TS> web-<NUM> systemd[<NUM>]: Started nginx.service.',
    );
    const text = await infradeck(
      { ...redisEnv, COLUMNS: '100' },
      'timeline',
      'patterns',
      '--before',
      new Date(base + 60_000).toISOString(),
      '--after',
      new Date(base + 25 * 60_000).toISOString(),
      '--window',
      '5m',
    );
    expect(text.stdout).toMatch(/Appeared\nBEFORE +AFTER +CHANGE +TEMPLATE\n0 +40 +appeared/);
  });
});

describe.skipIf(skipRedis)('infradeck timeline over Redis: a job by what it does', () => {
  const prefix = uniquePrefix('timeline-cli-summary');
  const redisEnv = { REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: prefix };
  const base = Math.floor((Date.now() - 2 * 3_600_000) / 60_000) * 60_000;
  let conn: Redis;

  beforeAll(async () => {
    conn = new Redis(redisUrl);
    let seq = 0;
    const add = (ms: number, e: Record<string, unknown>) =>
      conn.xadd(deckKeys(prefix).events, `${ms}-${seq++}`, 'e', JSON.stringify({ at: ms, ...e }));
    // A command job as the bus says it: its summary only in `job.queued`, its start and failure without it.
    await add(base + 60_000, {
      level: 'info',
      type: 'job.queued',
      jobId: 'c1',
      source: { user: 'ada', host: 'jump1' },
      message: 'queued echo web',
      data: { kind: 'command', summary: 'echo web', maxAttempts: 1 },
    });
    await add(base + 61_000, {
      level: 'info',
      type: 'job.started',
      jobId: 'c1',
      source: { worker: 'vm:2' },
      message: 'started on vm:2 (attempt 1/1)',
      data: { kind: 'command', attempt: 1, maxAttempts: 1, worker: 'vm:2' },
    });
    await add(base + 62_000, {
      level: 'error',
      type: 'job.failed',
      jobId: 'c1',
      source: { worker: 'vm:2' },
      message: 'failed: exit 1',
      data: { kind: 'command', error: 'exit 1', willRetry: false },
    });
  });
  afterAll(async () => {
    conn?.disconnect();
    await deletePrefix(prefix);
  });

  it('says the summary of its job.queued with its start and failure; the job is one start on the jobs lane', async () => {
    const r = await infradeck(
      redisEnv,
      'timeline',
      '--since',
      new Date(base).toISOString(),
      '--until',
      new Date(base + 10 * 60_000).toISOString(),
      '--lanes',
      'jobs,errors',
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      lanes: { name: string; events: { type: string; what: string }[] }[];
    };
    const [jobs, errors] = out.lanes;
    expect(jobs.events.map((e) => [e.type, e.what])).toEqual([
      ['job.started', 'command echo web: started on vm:2 (attempt 1/1)'],
      ['job.failed', 'command echo web: failed: exit 1'],
    ]);
    expect(errors.events.map((e) => e.what)).toEqual(['command echo web: failed: exit 1']);
  });
});
