import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cliArgs';
import type { CloudCommandIO } from '../../src/commands/cloudJob';
import { deleteCommand } from '../../src/commands/delete';
import { powerCommand } from '../../src/commands/power';
import { resourcesCommand } from '../../src/commands/resources';
import { scanCommand } from '../../src/commands/scan';
import { serversCommand } from '../../src/commands/servers';
import { Capture } from '../harness/capture';
import { quick } from './cloudJobHarness';

type Command = (argv: string[], io: CloudCommandIO) => Promise<number>;

describe('the cloud commands on the demo cloud, without Redis', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'infradeck-cli-'));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  /** Runs a command as `infradeck --demo …` would, capturing what it prints. */
  async function run(command: Command, argv: string[], extra: Partial<CloudCommandIO> = {}) {
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await command(argv, {
      stdout,
      stderr,
      env: { USER: 'alice', HOME: dataDir },
      workspace: { dataDir },
      cloud: { demo: true, demoOptions: quick },
      ...extra,
    });
    return { code, out: stdout.text, err: stderr.text };
  }

  it('scan prints each region as it is scanned and fills the cache', async () => {
    const r = await run(scanCommand, []);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(7);
    expect(lines.map((l) => l.trim().split(/\s+/)[0]).sort()).toEqual([
      '1/7',
      '2/7',
      '3/7',
      '4/7',
      '5/7',
      '6/7',
      '7/7',
    ]);
    expect(lines.some((l) => /global\s+\d+ buckets$/.test(l))).toBe(true);
    expect(r.err).toContain('scanning the DEMO cloud, not AWS (--demo)');
    expect(r.err).toMatch(/scanned 7 of 7 scopes of the DEMO cloud: \d+ resources in/);
    expect(readdirSync(join(dataDir, '.cache', '000000000000'))).toHaveLength(7);

    const json = await run(scanCommand, ['--regions', 'eu-west-1,us-east-1', '--no-buckets', '--json']);
    expect(json.code).toBe(0);
    const body = JSON.parse(json.out);
    expect(body.job.status).toBe('completed');
    expect(body.regions.map((x: { region: string }) => x.region).sort()).toEqual(['eu-west-1', 'us-east-1']);
    expect(body.result.failed).toEqual([]);

    const bad = await run(scanCommand, ['--regions', 'eu west']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(
      'infradeck scan: --regions eu west: not an AWS region (did you mean eu-west-1?)\n',
    );
  });

  it('--regions with a name that is not an AWS region is refused before anything runs, by every command that takes it', async () => {
    for (const [command, argv, name] of [
      [scanCommand, [], 'scan'],
      [resourcesCommand, [], 'resources'],
      [powerCommand, ['web', 'on'], 'power'],
    ] as const) {
      const r = await run(command, [...argv, '--regions', 'eu-west-1,mars-1']);
      expect(r.err, name).toMatch(
        new RegExp(
          `^infradeck ${name}: --regions mars-1: not an AWS region \\(regions read like eu-west-1, us-east-1\\)\\n`,
        ),
      );
      expect(r.code, name).toBe(2);
      const typo = await run(command, [...argv, '--regions', 'eu-wset-1']);
      expect(typo.err, name).toContain(
        `infradeck ${name}: --regions eu-wset-1: not an AWS region (did you mean eu-west-1?)\n`,
      );
      expect(typo.code, name).toBe(2);
      expect(r.out + typo.out, name).toBe('');
    }
    // Nothing was scanned: the cache is as empty as before.
    expect(readdirSync(dataDir)).not.toContain('.cache');
  });

  it('resources says how to fill an empty cache, then lists, filters and flags what is stale or unreadable', async () => {
    const empty = await run(resourcesCommand, []);
    expect(empty.code).toBe(1);
    expect(empty.err).toContain('nothing is cached for account 000000000000');
    expect(empty.err).toContain('run `infradeck scan`');

    await run(scanCommand, []);
    const web = await run(resourcesCommand, [
      '--type',
      'ec2',
      '--project',
      'web',
      '--regions',
      'eu-west-1,us-east-1',
    ]);
    expect(web.code).toBe(0);
    const rows = web.out.trim().split('\n');
    expect(rows[0]).toMatch(/^TYPE\s+ID\s+NAME\s+REGION\s+STATE\s+PROJECT\s+AGE\s+DETAIL$/);
    expect(rows.length).toBeGreaterThan(2);
    for (const row of rows.slice(1))
      expect(row).toMatch(/^instance\s+i-\w+\s+web-\S+\s+us-east-1\s+\w+\s+web\s/);

    const json = JSON.parse((await run(resourcesCommand, ['--type', 'sg,vpc', '--json'])).out);
    expect(new Set(json.resources.map((x: { type: string }) => x.type))).toEqual(
      new Set(['security-group', 'vpc']),
    );
    expect(json.resources[0].raw).toBeUndefined();
    expect(json.scans).toHaveLength(7);

    await new Promise((r) => setTimeout(r, 20));
    const stale = await run(resourcesCommand, ['--stale-after', '0.0001']);
    expect(stale.err).toMatch(/stale \(scanned more than 0 min ago\): .*eu-west-1/);
    expect(stale.err).toContain('rescan with `infradeck scan`');

    await writeFile(join(dataDir, '.cache', '000000000000', 'eu-west-1.json'), '{"format": 1, "resou');
    const corrupt = await run(resourcesCommand, ['--type', 'vpc']);
    expect(corrupt.code).toBe(0);
    expect(corrupt.err).toContain('eu-west-1.json: not valid JSON; the region will be scanned again');
    expect(corrupt.out).not.toContain('eu-west-1');
    expect(corrupt.out).toContain('us-east-1');

    const badType = await run(resourcesCommand, ['--type', 'lambda']);
    expect(badType.code).toBe(2);
    expect(badType.err).toContain('--type lambda: not a resource type');
  });

  it('delete without --yes shows what would go, in order, and deletes nothing; with --yes it deletes', async () => {
    await run(scanCommand, []);
    const list = JSON.parse(
      (await run(resourcesCommand, ['--project', 'web', '--regions', 'eu-central-1', '--json'])).out,
    ).resources as { id: string; type: string; refs: { vpc?: string } }[];
    const vpc = list.find((r) => r.type === 'vpc')!;
    const ids = list
      .filter((r) => r.id === vpc.id || (r.refs.vpc === vpc.id && r.type !== 'volume'))
      .map((r) => r.id);
    const instance = list.find((r) => r.type === 'instance' && ids.includes(r.id))!;

    const preview = await run(deleteCommand, ids);
    expect(preview.code).toBe(2);
    expect(preview.out).toMatch(/^Would delete \d+ resources, in this order:/);
    expect(preview.out.indexOf(instance.id)).toBeLessThan(preview.out.indexOf(vpc.id));
    expect(preview.out).toMatch(
      /removed with its VPC: sg-\w+ \(the default security group is deleted with its VPC\)/,
    );
    expect(preview.err).toContain('Nothing was deleted: run again with --yes to delete them.');
    expect((await run(resourcesCommand, ['--type', 'vpc'])).out).toContain(vpc.id);

    const done = await run(deleteCommand, [...ids, '--yes']);
    expect(done.code).toBe(0);
    expect(done.out).toContain(`deleted vpc ${vpc.id} (web-vpc) in eu-central-1`);
    expect(done.err).toMatch(/job \d+ completed/);
    expect((await run(resourcesCommand, ['--type', 'vpc'])).out).not.toContain(vpc.id);
  });

  it('delete in read-only mode is refused before anything is queued, and nothing goes', async () => {
    await run(scanCommand, []);
    const keyPair = (
      JSON.parse((await run(resourcesCommand, ['--type', 'key', '--json'])).out).resources as { id: string }[]
    )[0];
    const r = await run(deleteCommand, [keyPair.id, '--yes'], { readOnly: true });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /refused: terminate job "terminate 1 resource: [^"]+": read-only mode .*; nothing was queued/,
    );
    expect(r.err).not.toMatch(/job \d+ queued/);
    expect((await run(resourcesCommand, ['--type', 'key'])).out).toContain(keyPair.id);
    const env = await run(deleteCommand, [keyPair.id, '--yes'], {
      env: { USER: 'alice', INFRADECK_READONLY: '1' },
    });
    expect(env.code).toBe(1);
    expect(env.err).toContain('refused:');
  });

  it('power stops a project instance by instance', async () => {
    const r = await run(powerCommand, ['ci', 'off']);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines.length).toBeGreaterThan(2);
    for (const l of lines) expect(l).toMatch(/^i-\w+ \(ci-[\w-]+\) in [a-z0-9-]+: stopped$/);
    expect(r.err).toMatch(/project ci: \d+ instances stopped/);

    const usage = await run(powerCommand, ['ci', 'maybe']);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('maybe: say on or off');
  });

  it('servers lists servers.yaml hosts and EC2 instances, probes them, and reports a bad file with its position', async () => {
    const listener: Server = createServer((s) => {
      s.on('error', () => {});
      s.end();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as { port: number }).port;
    try {
      await writeFile(
        join(dataDir, 'servers.yaml'),
        `servers:\n  - name: here\n    host: 127.0.0.1\n    port: ${port}\n`,
      );
      await run(scanCommand, ['--regions', 'eu-west-1', '--no-buckets']);
      const r = await run(serversCommand, ['--timeout', '300']);
      expect(r.code).toBe(0);
      const here = r.out.split('\n').find((l) => l.startsWith('here '));
      expect(here).toMatch(
        new RegExp(
          `^here\\s+servers.yaml\\s+127\\.0\\.0\\.1\\s+${port}\\s+up\\s+[\\d.]+ ms\\s+ssh -p ${port} -- 127\\.0\\.0\\.1$`,
        ),
      );
      // The DEMO cloud's addresses are made up (somebody else's on the internet): not probed, no ssh command.
      expect(r.out).toMatch(/ec2 eu-west-1\s+-\s+22\s+running\s+-\s+a DEMO instance: there is no real host/);

      const json = JSON.parse((await run(serversCommand, ['--json', '--timeout', '300'])).out);
      expect(json.servers[0]).toMatchObject({ key: 'host:here', source: 'servers.yaml', ssh: { ok: true } });
      const ec2 = json.servers.filter((x: { source: string }) => x.source === 'ec2');
      expect(ec2.length).toBeGreaterThan(0);
      for (const x of ec2) {
        expect(x.host).toBeUndefined();
        expect(x.probe).toBeUndefined();
        expect(x.ssh).toEqual({ ok: false, error: 'a DEMO instance: there is no real host to ssh to' });
      }

      await writeFile(
        join(dataDir, 'servers.yaml'),
        'servers:\n  - name: here\n    host: 127.0.0.1\n    port: ssh\n',
      );
      const bad = await run(serversCommand, ['--no-probe']);
      expect(bad.code).toBe(2); // the entry is left out, the rest is listed
      expect(bad.err).toContain(
        `${join(dataDir, 'servers.yaml')}:4:11: servers[0].port: expected a number, got "ssh"`,
      );
      expect(bad.out).toMatch(/ec2 eu-west-1/);
    } finally {
      await new Promise((resolve) => listener.close(resolve));
    }
  });

  it('the example workspace lists its two hosts with an honest reachability', async () => {
    await mkdir(join(dataDir, 'w'));
    await writeFile(
      join(dataDir, 'w', 'servers.yaml'),
      readFileSync(join(__dirname, '../../data/servers.yaml')),
    );
    const r = await run(serversCommand, ['--timeout', '200'], { workspace: { dataDir: join(dataDir, 'w') } });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^localhost\s+servers\.yaml\s+127\.0\.0\.1\s+22\s+(up|down)/m);
    // Its project (web) beside it, as the Servers tab shows it.
    expect(r.out).toMatch(/^bastion-example\s+servers\.yaml\s+127\.0\.0\.2\s+2222\s+web\s+down/m);
  });
});

describe('global cloud flags', () => {
  it('reach every command, and after `run PROGRAM` everything is the program’s', () => {
    expect(parseCli(['--demo', 'scan', '--regions', 'a'])).toMatchObject({
      command: 'scan',
      demo: true,
      rest: ['--regions', 'a'],
    });
    expect(parseCli(['resources', '--profile', 'prod', '--region=eu-west-1'])).toMatchObject({
      command: 'resources',
      profile: 'prod',
      region: 'eu-west-1',
      demo: false,
    });
    expect(
      parseCli(['run', '--timeout', '5', 'aws', 's3', 'ls', '--profile', 'prod', '--json']),
    ).toMatchObject({
      command: 'run',
      profile: undefined,
      json: false,
      rest: ['--timeout', '5', 'aws', 's3', 'ls', '--profile', 'prod', '--json'],
    });
    expect(parseCli(['--json', 'run', 'echo', 'hi'])).toMatchObject({ json: true, rest: ['echo', 'hi'] });
  });
});
