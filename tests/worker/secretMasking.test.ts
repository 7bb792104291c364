import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/commands/run';
import { maskSecrets, SecretMask, secretValuesOf } from '../../src/domain/secretMask';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { commandEnvironment } from '../../src/services/process/commandEnvironment';
import { alice, waitFor } from '../bus/contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { Capture } from '../harness/capture';
import { buildWorkerEntry, startWorkerProcess, type WorkerProcess } from './workerProcess';

const awsSecret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz9TESTKEY';
const awsKeyId = 'AKIAZZTESTKEY0000001';
const redisPassword = 'r3d1s-Pa55word';
const pem = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  'QyNTUxOQAAACBbVGVzdEtleU1hdGVyaWFsRm9yTWFza2luZ1Rlc3RzAAAAA==',
  '-----END OPENSSH PRIVATE KEY-----',
];

describe('secret masking', () => {
  it('masks every secret shape, keeping the text around it', () => {
    const cases: Array<[string, string]> = [
      [`AWS_SECRET_ACCESS_KEY=${awsSecret}`, 'AWS_SECRET_ACCESS_KEY=***'],
      [`aws_secret_access_key = ${awsSecret}`, 'aws_secret_access_key = ***'],
      [`key ${awsKeyId} in use`, 'key AKIA*** in use'],
      ['temporary ASIAQWERTYUIOPASDFGH!', 'temporary ASIA***!'],
      ['export GITHUB_TOKEN="ghp_abcdef123456"', 'export GITHUB_TOKEN="***"'],
      ['{"db_password": "hunter22", "user": "bob"}', '{"db_password": "***", "user": "bob"}'],
      ['--api-key=abc123 --verbose', '--api-key=*** --verbose'],
      ['curl -H "Authorization: Bearer eyJhbGciOi.xyz.abc"', 'curl -H "Authorization: Bearer ***"'],
      ['sent Bearer abcdef0123456789', 'sent Bearer ***'],
      ['REDIS_URL=redis://default:pw@10.0.0.1:6379/0', 'REDIS_URL=redis://default:***@10.0.0.1:6379/0'],
      ['fetch https://bob:s3cret@example.com/x', 'fetch https://bob:***@example.com/x'],
      [
        `${pem.join('\n')}\nafter`,
        '-----BEGIN OPENSSH PRIVATE KEY----- *** -----END OPENSSH PRIVATE KEY-----\nafter',
      ],
      ['PWD=/home/bob HOME=/home/bob', 'PWD=/home/bob HOME=/home/bob'],
      ['https://example.com/path?x=1', 'https://example.com/path?x=1'],
    ];
    for (const [input, masked] of cases) expect(maskSecrets(input), input).toBe(masked);
  });

  it("masks the worker's own secret values wherever they appear, verbatim", () => {
    const secrets = secretValuesOf({
      AWS_SECRET_ACCESS_KEY: awsSecret,
      REDIS_URL: `redis://:${redisPassword}@127.0.0.1:6379`,
      INFRADECK_READONLY: '1',
      HOME: '/root',
    });
    expect(secrets).toEqual([awsSecret, redisPassword]);
    expect(maskSecrets(`x${awsSecret}y and ${redisPassword}`, secrets)).toBe('x***y and ***');
  });

  it('masks a private key printed line by line, per stream, up to its END line', () => {
    const mask = new SecretMask();
    const out = ['before', ...pem, 'after'].map((l) => mask.line(l, 'stdout'));
    expect(out).toEqual([
      'before',
      '-----BEGIN OPENSSH PRIVATE KEY----- ***',
      '***',
      '***',
      '***-----END OPENSSH PRIVATE KEY-----',
      'after',
    ]);
    expect(mask.line('stderr is not inside it', 'stderr')).toBe('stderr is not inside it');
  });

  it("gives a command an allow-list of the worker's environment plus what the job sets", () => {
    const env = commandEnvironment(
      {
        PATH: '/usr/bin',
        HOME: '/home/w',
        LANG: 'C.UTF-8',
        LC_ALL: 'C',
        TERM: 'xterm',
        AWS_SECRET_ACCESS_KEY: awsSecret,
        REDIS_URL: `redis://:${redisPassword}@h`,
        GITHUB_TOKEN: 'x',
      },
      { GREETING: 'hi' },
    );
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/w',
      LANG: 'C.UTF-8',
      LC_ALL: 'C',
      TERM: 'xterm',
      GREETING: 'hi',
    });
  });
});

describe.skipIf(skipRedis)("a worker's secrets and command jobs", () => {
  let entry: { file: string; remove: () => void };
  let prefix: string;
  let bus: Bus;
  let worker: WorkerProcess | undefined;
  let dir: string;

  beforeAll(async () => {
    entry = await buildWorkerEntry();
  }, 60_000);
  afterAll(() => entry?.remove());

  afterEach(async () => {
    if (worker && worker.child.exitCode === null) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    await bus?.close();
    await deletePrefix(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it("a worker secret never appears in a job's output, log key or events", async () => {
    prefix = uniquePrefix('secret');
    dir = mkdtempSync(join(tmpdir(), 'infradeck-secret-'));
    // The program finds the worker's secrets some other way (a file on the worker) and prints them.
    const leak = join(dir, 'leak.txt');
    writeFileSync(
      leak,
      [
        `found ${awsSecret}`,
        `id ${awsKeyId}`,
        `redis pw ${redisPassword}`,
        'Authorization: Bearer abcdef123456',
        ...pem,
        'end',
      ].join('\n'),
    );
    // The worker reaches Redis with a password in its URL (this Redis has none; ioredis goes on without).
    worker = startWorkerProcess(entry.file, ['--concurrency', '1'], {
      REDIS_URL: redisUrl.replace('redis://', `redis://:${redisPassword}@`),
      INFRADECK_REDIS_PREFIX: prefix,
      AWS_SECRET_ACCESS_KEY: awsSecret,
      AWS_ACCESS_KEY_ID: awsKeyId,
      INFRADECK_READONLY: '',
    });
    bus = await openBus({ redisUrl, prefix, requester: alice });
    expect(await bus.state.whenConnected(5000)).toBe(true);
    const b = bus;
    await waitFor('the worker', async () => (await b.workers()).length === 1, 20_000);

    const stdout = new Capture();
    const stderr = new Capture();
    const code = await runCommand(['--wait', '--shell', '--', 'env; cat "$1"', leak], {
      stdout,
      stderr,
      env: { USER: 'alice', REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: prefix, INFRADECK_READONLY: '' },
    });
    expect(code, stderr.text).toBe(0);
    const [job] = await bus.queue.list();
    const logs = (await bus.queue.logs(job.id)).map((l) => l.text).join('\n');
    const events = JSON.stringify(await bus.events.recent(1000));
    for (const [where, text] of [
      ['terminal', stdout.text + stderr.text],
      ['log key', logs],
      ['events', events],
    ]) {
      for (const secret of [awsSecret, awsKeyId, redisPassword, 'abcdef123456', pem[1], pem[2]]) {
        expect(text.includes(secret), `${secret} in the ${where}`).toBe(false);
      }
    }
    // `env` shows the allow-list only; what was cut out of the leak file is marked.
    expect(stdout.text).toMatch(/^PATH=/m);
    expect(stdout.text).not.toMatch(/^(AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID|REDIS_URL)=/m);
    expect(stdout.text).toContain('found ***\nid ***\nredis pw ***\nAuthorization: Bearer ***\n');
    expect(stdout.text).toContain('-----BEGIN OPENSSH PRIVATE KEY----- ***\n***\n***\n***-----END');
  });
});
