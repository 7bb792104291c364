import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adviseCommand } from '../../src/commands/advise';
import type { CloudCommandIO } from '../../src/commands/cloudJob';
import { runCommand } from '../../src/commands/run';
import { scanCommand } from '../../src/commands/scan';
import type { AdviceFinding } from '../../src/domain/adviceFinding';
import { quick } from '../cloudJobs/cloudJobHarness';
import { Capture } from '../harness/capture';

type Command = (argv: string[], io: CloudCommandIO) => Promise<number>;

describe('infradeck advise on the DEMO cloud, without Redis', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'infradeck-advise-'));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  async function run(command: Command, argv: string[]) {
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await command(argv, {
      stdout,
      stderr,
      env: { USER: 'alice', HOME: dataDir },
      workspace: { dataDir },
      cloud: { demo: true, demoOptions: quick },
    });
    return { code, out: stdout.text, err: stderr.text };
  }

  it('with nothing scanned, says so and suggests a scan', async () => {
    const r = await run(adviseCommand, ['--json']);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out) as { account: string; findings: AdviceFinding[] };
    expect(body.account).toBe('000000000000');
    expect(body.findings).toEqual([
      expect.objectContaining({ rule: 'stale-scan', suggestion: expect.objectContaining({ kind: 'scan' }) }),
    ]);
  });

  it('finds what the scanned DEMO account has: SSH open to the world, a public bucket, long-stopped servers', async () => {
    expect((await run(scanCommand, [])).code).toBe(0);
    const r = await run(adviseCommand, ['--json']);
    expect(r.code).toBe(0);
    const { findings } = JSON.parse(r.out) as { findings: AdviceFinding[] };
    const rules = new Set(findings.map((f) => f.rule));
    for (const rule of ['open-admin-port', 'public-bucket', 'bucket-without-versioning', 'stopped-instance'])
      expect(rules, rule).toContain(rule);
    expect(rules).not.toContain('stale-scan');
    const ssh = findings.find((f) => f.rule === 'open-admin-port')!;
    expect(ssh.rows[0]).toMatchObject({
      type: 'security-group',
      id: expect.stringMatching(/^sg-/),
      region: expect.any(String),
    });
    expect(ssh.suggestion?.kind).toBe('command');
    // The DEMO account's: its `aws` CLI fix would act on the host's real account.
    expect(ssh.suggestion?.notHere).toMatch(/^the DEMO cloud: the aws CLI would act on/);
    expect(findings.find((f) => f.rule === 'stopped-instance')?.suggestion?.notHere).toBeUndefined();
    const stoppedRows = findings.filter((f) => f.rule === 'stopped-instance').flatMap((f) => f.rows);
    expect(stoppedRows.every((row) => row.id.startsWith('i-') && row.region)).toBe(true);

    const text = await run(adviseCommand, []);
    expect(text.out).toMatch(/^\[high\] open-admin-port: port 22 \(SSH\) open to 0\.0\.0\.0\/0/m);
    expect(text.out).toMatch(/^ {2}suggested job \(terminate\): terminate \d+ resources?: /m);
    expect(text.out).toMatch(/^ {2}not to run here: the DEMO cloud: /m);
    expect(text.err).toMatch(/\d+ findings: \d+ high, \d+ medium, \d+ low \(nothing was run\)/);
  });

  it('finds a job failing again and again with the same error, and a schedule that keeps failing', async () => {
    for (let i = 0; i < 3; i++) {
      expect(
        (await run(runCommand as Command, ['--shell', 'echo "disk full at $RANDOM"; exit 3'])).code,
      ).toBe(3);
    }
    await writeFile(
      join(dataDir, 'schedules.yaml'),
      'schedules:\n  - name: nightly\n    cron: "0 3 * * *"\n    timezone: UTC\n    job:\n      run: [false]\n',
    );
    const r = await run(adviseCommand, ['--json']);
    const { findings } = JSON.parse(r.out) as { findings: AdviceFinding[] };
    const repeated = findings.find((f) => f.rule === 'repeated-job-failure');
    expect(repeated?.rows).toHaveLength(3);
    expect(repeated?.why).toContain('failed 3 times with the same error');
    // No schedule run has happened in this workspace: nothing to say about it yet.
    expect(findings.some((f) => f.rule === 'failing-schedule')).toBe(false);
  });

  it('refuses unknown flags as bad usage', async () => {
    const r = await run(adviseCommand, ['--everything']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('usage: infradeck advise');
  });
});
