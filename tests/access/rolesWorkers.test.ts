import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blueprintSchema } from '../../src/domain/blueprint';
import type { Requester } from '../../src/domain/job';
import { parseYamlFile } from '../../src/domain/yamlSource';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { demoWorldKeys } from '../../src/services/cloud/demoWorldStore';
import { waitFor } from '../bus/contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { cliPath, runCli } from '../harness/cliProcess';

const accessYaml = `users: { alice: admin, bob: operator, carol: viewer }
groups: { sre: operator }
projects: { shop: { bob: admin } }
protected: [shop]
`;

const host = 'roles-test';
const carol: Requester = { user: 'carol', host };
const dave: Requester = { user: 'dave', host, groups: ['sre'] };

describe.skipIf(skipRedis)('roles, enforced by real workers over Redis', () => {
  const prefix = uniquePrefix('roles');
  let dataDir: string;
  let worker: ChildProcess;
  let workerOutput = '';
  // The test's own bus opens no workspace: it enforces nothing, as a script writing to Redis would not.
  let bus: Bus;
  let shopPayload: unknown;

  /** The environment of a person at a console or CLI: `USER` and the test-only groups. */
  const as = (user: string, groups = '') => ({
    REDIS_URL: redisUrl,
    INFRADECK_REDIS_PREFIX: prefix,
    USER: user,
    INFRADECK_TEST_GROUPS: groups,
  });

  /** A job written straight into Redis, as a script bypassing the console and the CLI would. */
  async function injectRaw(kind: string, payload: unknown, requestedBy: Requester): Promise<string> {
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue('jobs', { connection, prefix });
    try {
      const job = await queue.add(kind, { v: 1, payload, requestedBy }, { attempts: 3 });
      return job.id!;
    } finally {
      await queue.close();
      connection.disconnect();
    }
  }

  const ended = (id: string) =>
    waitFor(
      `job ${id} to end`,
      async () => {
        const view = await bus.queue.get(id);
        return view && ['completed', 'failed', 'cancelled'].includes(view.status) ? view : undefined;
      },
      20_000,
    );

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'infradeck-roles-'));
    mkdirSync(join(dataDir, 'projects'));
    const shopFile = join(dataDir, 'projects', 'shop.yaml');
    copyFileSync(join(import.meta.dirname, '../../data/projects/shop.yaml'), shopFile);
    writeFileSync(join(dataDir, 'access.yaml'), accessYaml);
    const { readFileSync } = await import('node:fs');
    const parsed = parseYamlFile(shopFile, readFileSync(shopFile, 'utf8'), blueprintSchema);
    if (!parsed.ok) throw new Error('the example shop blueprint does not parse');
    shopPayload = {
      project: 'shop',
      blueprint: parsed.value,
      source: { file: shopFile, sha256: '0'.repeat(64) },
      deployId: 'roles-test',
    };
    worker = spawn(process.execPath, [cliPath, '--data', dataDir, '--demo', 'worker', '--concurrency', '2'], {
      env: { ...process.env, ...as('worker') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout?.on('data', (d) => {
      workerOutput += d.toString();
    });
    worker.stderr?.on('data', (d) => {
      workerOutput += d.toString();
    });
    bus = await openBus({ redisUrl, prefix, requester: { user: 'test', host } });
    await waitFor('the worker to be online', () => workerOutput.includes('concurrency 2'), 15_000);
  });

  afterAll(async () => {
    worker?.kill('SIGTERM');
    await new Promise((r) => worker?.once('exit', r));
    await bus?.close();
    await deletePrefix(prefix);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a viewer is refused at the CLI, with the reason, audited, and nothing is queued', async () => {
    const run = await runCli(['--data', dataDir, 'run', '--', 'echo', 'from carol'], { env: as('carol') });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('carol is viewer in');
    expect(run.stderr).toContain('a command job needs operator; nothing was queued');
    const audit = await bus.audit.list();
    expect(
      audit.some(
        (e) => e.who.user === 'carol' && e.outcome === 'rejected' && /needs operator/.test(e.reason ?? ''),
      ),
    ).toBe(true);
    expect((await bus.queue.list()).filter((j) => j.requestedBy.user === 'carol')).toEqual([]);
  });

  it('a viewer who bypasses the console (a job put straight into Redis) is refused by the worker, for good', async () => {
    const id = await injectRaw('command', { program: 'echo', args: ['sneaky'] }, carol);
    const view = await ended(id);
    expect(view.status).toBe('failed');
    expect(view.attempts).toBe(1); // permanent: never retried
    expect(view.error).toMatch(
      /^refused: command job "echo sneaky": carol is viewer in .*access\.yaml; a command job needs operator; this worker did not run it$/,
    );
    // The finish entry is written as the job ends: it may land just after the status is read.
    const finish = await waitFor('the finish in the audit trail', async () =>
      (await bus.audit.list()).find((e) => e.jobId === id && e.action === 'job.finish'),
    );
    expect(finish).toMatchObject({ outcome: 'failed', who: { user: 'carol' }, reason: view.error });
    expect((await bus.queue.logs(id)).map((l) => l.text).join('\n')).not.toContain('sneaky');
  });

  it("a requester's OS groups travel with the job: carol in sre runs as an operator", async () => {
    const id = await injectRaw(
      'command',
      { program: 'echo', args: ['carol via sre'] },
      { ...carol, groups: ['sre'] },
    );
    expect((await ended(id)).status).toBe('completed');
  });

  it('an operator deploying a protected project is refused by the worker; an admin deploys it', async () => {
    const refused = await injectRaw('deploy', shopPayload, dave);
    const view = await ended(refused);
    expect(view.status).toBe('failed');
    expect(view.error).toMatch(
      /^refused: deploy job "deploy shop \(roles-test\)": .*(needs admin|needs an approval)/,
    );
    // The worker prints the end a moment after it stores it.
    await waitFor('the worker to print the refused deploy', async () =>
      workerOutput.includes(`job ${refused} deploy failed`),
    );

    const deploy = await runCli(['--data', dataDir, '--demo', 'deploy', 'shop', '--yes', '--json'], {
      env: as('alice'),
    });
    expect(deploy.stderr).not.toContain('refused');
    const jobs = await bus.queue.list({ kind: 'deploy' });
    const alices = jobs.find((j) => j.requestedBy.user === 'alice');
    expect(alices).toBeDefined();
    expect((await ended(alices!.id)).status).toBe('completed');
    expect(deploy.code).toBe(0);
  });

  it("an operator's deploy of a protected project waits for an admin; approved, the worker runs it", async () => {
    // The test before deployed shop in the DEMO world every process on the prefix shares: started again from its
    // seed, shop has something to deploy again (else the command says it is in sync and queues nothing).
    const keys = demoWorldKeys(prefix);
    const redis = new Redis(redisUrl);
    await redis.del(keys.world, keys.version);
    redis.disconnect();
    // The deploy command waits for the approval, as a held Terraform Cloud run does.
    const asked = runCli(['--data', dataDir, '--demo', 'deploy', 'shop', '--yes', '--json'], {
      env: as('dave', 'sre'),
    });
    const held = await waitFor('dave’s deploy to wait for an approval', async () =>
      (await bus.queue.list({ status: 'approval_pending' })).find((j) => j.requestedBy.user === 'dave'),
    );
    const approved = await runCli(['--data', dataDir, 'approve', held.id], { env: as('alice') });
    expect(approved.code, approved.stderr).toBe(0);
    expect((await ended(held.id)).status).toBe('completed');
    const deploy = await asked;
    expect(deploy.stderr).toContain(`job ${held.id} waits for an approval (project shop is protected`);
    expect(deploy.code, deploy.stderr).toBe(0);
  });

  it('a malformed access.yaml: every change refused with its error (CLI and worker), reads keep working', async () => {
    writeFileSync(join(dataDir, 'access.yaml'), 'users: { alice: admn }\n');
    try {
      const run = await runCli(['--data', dataDir, 'run', '--', 'echo', 'hi'], { env: as('alice') });
      expect(run.code).not.toBe(0);
      expect(run.stderr).toMatch(
        /access\.yaml cannot be read, so every change is refused: .*access\.yaml:1:17: users\.alice: "admn" is not a role \(did you mean "admin"\?/,
      );

      // The worker re-reads the file on its own and refuses a change put straight into Redis, even an admin's.
      const id = await injectRaw('command', { program: 'echo', args: ['hi'] }, { user: 'alice', host });
      const view = await ended(id);
      expect(view.status).toBe('failed');
      expect(view.error).toContain('access.yaml cannot be read, so every change is refused');

      // Reads go on: a scan (changes nothing) runs, and the listing commands answer.
      const scan = await injectRaw('scan', { regions: ['eu-west-1'] }, carol);
      expect((await ended(scan)).status).toBe('completed');
      const jobs = await runCli(['--data', dataDir, 'jobs', '--json'], { env: as('carol') });
      expect(jobs.code).toBe(0);
      expect(JSON.parse(jobs.stdout).jobs.some((j: { id: string }) => j.id === id)).toBe(true);
      const resources = await runCli(['--data', dataDir, '--demo', 'resources', '--json'], {
        env: as('carol'),
      });
      expect(resources.code).toBe(0);
    } finally {
      writeFileSync(join(dataDir, 'access.yaml'), accessYaml);
    }
  });
});
