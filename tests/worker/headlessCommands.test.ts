import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/commands/audit';
import { eventsCommand } from '../../src/commands/events';
import { jobsCommand } from '../../src/commands/jobs';
import { runCommand } from '../../src/commands/run';
import { workerCommand } from '../../src/commands/worker';
import { workersCommand } from '../../src/commands/workers';
import type { BusCommandIO } from '../../src/services/bus/busFromEnv';
import type { Bus, JobConsumer } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { jobHandlers } from '../../src/worker/jobHandlers';
import { alice, waitFor, waitForStatus } from '../bus/contractSuite';
import { deletePrefix, freePort, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { Capture } from '../harness/capture';

function io(env: NodeJS.ProcessEnv, extra: Omit<Partial<BusCommandIO>, 'stdout' | 'stderr'> = {}) {
  const stdout = new Capture();
  const stderr = new Capture();
  return { ...extra, stdout, stderr, env: { USER: 'alice', ...env } };
}

describe.skipIf(skipRedis)('headless commands over Redis', () => {
  let prefix: string;
  let bus: Bus;
  let worker: JobConsumer | undefined;
  let env: NodeJS.ProcessEnv;

  async function setup(withWorker = true) {
    prefix = uniquePrefix('cli');
    env = { REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: prefix };
    bus = await openBus({ redisUrl, prefix, requester: alice });
    expect(await bus.state.whenConnected(5000)).toBe(true);
    worker = withWorker ? bus.consume(jobHandlers, { heartbeatMs: 200 }) : undefined;
  }

  afterEach(async () => {
    await bus?.close();
    await deletePrefix(prefix);
  });

  it('run --wait streams the output and exits with the program exit code', async () => {
    await setup();
    const t = io(env);
    const code = await runCommand(['--wait', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'], t);
    expect(code).toBe(3);
    expect(t.stdout.text).toBe('out\n');
    expect(t.stderr.text).toContain('err\n');
    expect(t.stderr.text).toMatch(/job 1 failed after 1\/1 attempts .*: sh exited with code 3/);
    const job = await bus.queue.get('1');
    expect(job?.requestedBy.user).toBe('alice');
  });

  it('run prints the id; jobs lists it as a table and as JSON', async () => {
    await setup(false);
    const t = io(env);
    expect(await runCommand(['--', 'echo', 'hello world'], t)).toBe(0);
    const id = t.stdout.text.trim();
    expect(id).toBe('1');
    const table = io(env);
    expect(await jobsCommand([], table)).toBe(0);
    const [header, row] = table.stdout.text.split('\n');
    expect(header).toMatch(/^ID\s+KIND\s+STATUS\s+PROGRESS\s+TRIES\s+BY\s+AGE\s+TOOK\s+WHAT$/);
    expect(row).toMatch(/^1\s+command\s+queued\s+-\s+0\/1\s+alice@\S+\s+\d+s\s+-\s+echo 'hello world'$/);
    const json = io(env, { json: true });
    expect(await jobsCommand(['--status', 'queued'], json)).toBe(0);
    expect(JSON.parse(json.stdout.text).jobs.map((j: { id: string }) => j.id)).toEqual(['1']);
    const one = io(env);
    expect(await jobsCommand(['1'], one)).toBe(0);
    expect(one.stdout.text).toMatch(/^job\s+1$/m);
    expect(one.stdout.text).toMatch(/^status\s+queued$/m);
    const missing = io(env);
    expect(await jobsCommand(['42'], missing)).toBe(2);
    expect(missing.stderr.text).toBe('infradeck jobs: no job 42 (infradeck jobs lists them)\n');
  });

  it('run --wait cancels the job when interrupted', async () => {
    await setup();
    const abort = new AbortController();
    const t = io(env, { signal: abort.signal });
    const running = runCommand(['--wait', '--', 'sleep', '30'], t);
    await waitForStatus(bus, '1', 'active');
    abort.abort();
    expect(await running).toBe(4);
    expect(t.stderr.text).toContain('cancelling job 1');
    expect((await bus.queue.get('1'))?.status).toBe('cancelled');
  });

  it('refuses bad arguments with usage (exit 2) and a bad payload at enqueue', async () => {
    await setup(false);
    const none = io(env);
    expect(await runCommand(['--wait'], none)).toBe(2);
    expect(none.stderr.text).toContain('infradeck run: no program to run\nusage: infradeck run');
    const timeout = io(env);
    expect(await runCommand(['--timeout', 'soon', 'true'], timeout)).toBe(2);
    expect(timeout.stderr.text).toContain('--timeout soon: not a number of seconds');
    const status = io(env);
    expect(await jobsCommand(['--status', 'sleeping'], status)).toBe(2);
    expect(status.stderr.text).toContain('--status sleeping: not a status');
    const conc = io(env);
    expect(await workerCommand(['--concurrency', '0'], conc)).toBe(2);
    expect(conc.stderr.text).toContain('--concurrency 0: not a whole number from 1 to 256');
    expect(await bus.queue.list()).toEqual([]);
  });

  it('workers lists the live workers', async () => {
    await setup();
    await waitFor('presence', async () => (await bus.workers()).length === 1);
    const t = io(env);
    expect(await workersCommand([], t)).toBe(0);
    expect(t.stdout.text.split('\n')[0]).toMatch(
      /^WORKER\s+HOST\s+PID\s+UP\s+SLOTS\s+DONE\s+FAILED\s+SEEN\s+RUNNING$/,
    );
    expect(t.stdout.text).toContain(worker!.id);
    const json = io(env);
    expect(await workersCommand(['--json'], json)).toBe(0);
    expect(JSON.parse(json.stdout.text).workers[0]).toMatchObject({ id: worker!.id, pid: process.pid });
  });

  it('events prints the latest events and --follow prints new ones until stopped', async () => {
    await setup();
    await bus.events.publish({
      level: 'warn',
      type: 'test.note',
      source: alice,
      message: 'before \u001b[31mred',
    });
    const last = io(env);
    expect(await eventsCommand(['--last', '5'], last)).toBe(0);
    expect(last.stdout.text).toMatch(/^\d\d:\d\d:\d\d\.\d{3} {2}warn {3}test\.note +- +before red$/m);
    const abort = new AbortController();
    const follow = io(env, { signal: abort.signal });
    const following = eventsCommand(['--follow', '--last', '0', '--json'], follow);
    await new Promise((r) => setTimeout(r, 300));
    await bus.events.publish({ level: 'info', type: 'test.note', source: alice, message: 'after' });
    await waitFor('the followed event', () => follow.stdout.text.includes('"after"'));
    abort.abort();
    expect(await following).toBe(0);
    const lines = follow.stdout.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((e) => e.message)).toEqual(['after']);
  });

  it('audit prints who did what', async () => {
    await setup();
    expect(await runCommand(['--wait', '--', 'true'], io({ ...env, SSH_CLIENT: '10.1.2.3 5000 22' }))).toBe(
      0,
    );
    const t = io(env);
    expect(await auditCommand([], t)).toBe(0);
    const lines = t.stdout.text.trim().split('\n');
    expect(lines[0]).toMatch(/^WHEN\s+WHO\s+WHERE\s+ACTION\s+JOB\s+OUTCOME\s+WHAT$/);
    expect(lines[1]).toMatch(/alice\s+\S+ \(ssh 10\.1\.2\.3\)\s+job\.enqueue\s+1\s+accepted\s+true$/);
    const json = io(env);
    expect(await auditCommand(['--json'], json)).toBe(0);
    const entries = JSON.parse(json.stdout.text).audit;
    expect(entries.map((e: { action: string; outcome: string }) => `${e.action}:${e.outcome}`)).toEqual([
      'job.enqueue:accepted',
      'job.finish:completed',
    ]);
  });
});

describe('headless commands without Redis', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('run executes the job in this process and the audit trail lands in the data folder', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'infradeck-data-'));
    dirs.push(dataDir);
    const t = io({}, { workspace: { dataDir } });
    expect(await runCommand(['--', 'echo', 'in-process'], t)).toBe(0);
    expect(t.stdout.text).toBe('in-process\n');
    expect(t.stderr.text).toContain('REDIS_URL is not set: running the job in this process');
    const file = readFileSync(join(dataDir, 'audit', 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(file.map((l) => JSON.parse(l).action)).toEqual(['job.enqueue', 'job.finish']);
    const audit = io({}, { workspace: { dataDir } });
    expect(await auditCommand(['--json'], audit)).toBe(0);
    expect(JSON.parse(audit.stdout.text).audit.map((e: { what: string }) => e.what)).toEqual([
      'echo in-process',
      'echo in-process',
    ]);
  });

  it('events refuses to follow a stream that does not exist; worker needs Redis', async () => {
    const t = io({});
    expect(await eventsCommand(['--follow'], t)).toBe(2);
    expect(t.stderr.text).toContain('REDIS_URL is not set');
    const w = io({});
    expect(await workerCommand([], w)).toBe(2);
    expect(w.stderr.text).toContain('REDIS_URL is not set');
  });

  it('an unreachable Redis is reported clearly (exit 3)', async () => {
    const port = await freePort();
    const t = io({ REDIS_URL: `redis://127.0.0.1:${port}`, INFRADECK_CONNECT_TIMEOUT_MS: '600' });
    expect(await jobsCommand([], t)).toBe(3);
    expect(t.stderr.text).toBe(
      `infradeck jobs: Redis is unreachable: redis://127.0.0.1:${port} refused the connection (is Redis running?) (after 0.6 s)\n`,
    );
    const bad = io({ REDIS_URL: 'http://example.com' });
    expect(await jobsCommand([], bad)).toBe(3);
    expect(bad.stderr.text).toContain('scheme "http" is not supported (use redis:// or rediss:// for TLS)');
  });
});
