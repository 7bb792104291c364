import { describe, expect, it } from 'vitest';
import { adviseOn } from '../../src/domain/advice';
import { defaultAdviceThresholds as t } from '../../src/domain/adviceFinding';
import { failingSchedules, repeatedFailures } from '../../src/domain/adviceJobRules';
import {
  bucketFindings,
  openAdminGroups,
  staleScans,
  stoppedInstances,
  stoppedSince,
} from '../../src/domain/adviceResourceRules';
import type { JobView } from '../../src/domain/job';
import type { Resource } from '../../src/domain/resource';
import type { ScheduleRow, ScheduleRun } from '../../src/domain/scheduleRows';

const day = 86_400_000;
const now = Date.UTC(2026, 0, 31, 12, 0, 0);

function res(over: Partial<Resource> & Pick<Resource, 'type' | 'id'>): Resource {
  return { region: 'eu-west-1', detail: '', tags: {}, refs: {}, ...over };
}

const stopped = (id: string, reason: string | undefined, region = 'eu-west-1') =>
  res({
    type: 'instance',
    id,
    region,
    state: 'stopped',
    raw: reason === undefined ? {} : { StateTransitionReason: reason },
  });

describe('advice: instances stopped for more than 7 days', () => {
  it('reads the date EC2 puts in StateTransitionReason', () => {
    expect(stoppedSince(stopped('i-1', 'User initiated (2026-01-02 03:04:05 GMT)'))).toBe(
      Date.UTC(2026, 0, 2, 3, 4, 5),
    );
    expect(
      stoppedSince(stopped('i-1', 'Server.ScheduledStop: Stopped due to scheduled retirement')),
    ).toBeUndefined();
  });

  it('finds them per region with a terminate spec, leaves recent ones, and says which it could not date', () => {
    const resources = [
      stopped('i-old1', 'User initiated (2026-01-01 00:00:00 GMT)'),
      stopped('i-old2', 'User initiated (2026-01-20 00:00:00 GMT)'),
      stopped('i-recent', 'User initiated (2026-01-29 00:00:00 GMT)'),
      stopped('i-other', 'User initiated (2025-12-01 00:00:00 GMT)', 'us-east-1'),
      stopped('i-undated', undefined),
      res({ type: 'instance', id: 'i-running', state: 'running', raw: { StateTransitionReason: '' } }),
    ];
    const { findings, notes } = stoppedInstances(resources, now, t);
    expect(findings.map((f) => f.rows.map((r) => `${r.region}/${r.id}`))).toEqual([
      ['eu-west-1/i-old1', 'eu-west-1/i-old2'],
      ['us-east-1/i-other'],
    ]);
    expect(findings[0]).toMatchObject({ rule: 'stopped-instance', severity: 'low' });
    expect(findings[0].why).toContain('2 instances have been stopped for more than 1w (longest 4w)');
    expect(findings[0].suggestion).toMatchObject({
      kind: 'terminate',
      payload: { ids: ['eu-west-1/i-old1', 'eu-west-1/i-old2'], confirm: '2' },
    });
    expect(notes).toEqual([expect.stringContaining('1 stopped instance: since when is unknown')]);
    expect(
      stoppedInstances([stopped('i-recent', 'User initiated (2026-01-29 00:00:00 GMT)')], now, t).findings,
    ).toEqual([]);
  });
});

describe('advice: security groups open to the internet on 22/3389', () => {
  const awsGroup = (id: string, perms: unknown[]) =>
    res({ type: 'security-group', id, raw: { IpPermissions: perms } });

  it('finds SSH/RDP open to 0.0.0.0/0 or ::/0 (a range, all protocols) and suggests revoking exactly those rules', () => {
    const groups = [
      awsGroup('sg-ssh', [
        { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
      ]),
      awsGroup('sg-v6rdp', [
        { IpProtocol: 'tcp', FromPort: 3000, ToPort: 4000, Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
      ]),
      awsGroup('sg-all', [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }]),
      res({
        type: 'security-group',
        id: 'sg-demo',
        raw: { Ingress: [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' }] },
      }),
    ];
    const { findings } = openAdminGroups(groups);
    expect(findings.map((f) => [f.rows[0].id, f.severity])).toEqual([
      ['sg-ssh', 'high'],
      ['sg-v6rdp', 'high'],
      ['sg-all', 'high'],
      ['sg-demo', 'high'],
    ]);
    expect(findings[0].why).toBe('port 22 (SSH) open to 0.0.0.0/0: anyone on the internet can try to log in');
    expect(findings[2].why).toContain('ports 22, 3389 (SSH, RDP)');
    expect(findings[0].suggestion?.payload).toEqual({
      program: 'aws',
      args: [
        'ec2',
        'revoke-security-group-ingress',
        '--region',
        'eu-west-1',
        '--group-id',
        'sg-ssh',
        '--ip-permissions',
        'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=0.0.0.0/0}]',
      ],
    });
    expect(findings[1].suggestion?.payload.args).toContain(
      'IpProtocol=tcp,FromPort=3000,ToPort=4000,Ipv6Ranges=[{CidrIpv6=::/0}]',
    );
  });

  it('leaves alone private ranges, other ports, group references and UDP', () => {
    const groups = [
      awsGroup('sg-private', [
        { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
      ]),
      awsGroup('sg-https', [
        { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
      ]),
      awsGroup('sg-ref', [
        { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, UserIdGroupPairs: [{ GroupId: 'sg-x' }] },
      ]),
      awsGroup('sg-udp', [
        { IpProtocol: 'udp', FromPort: 0, ToPort: 65535, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
      ]),
    ];
    expect(openAdminGroups(groups)).toEqual({ findings: [], notes: [] });
    expect(openAdminGroups([res({ type: 'security-group', id: 'sg-?' })]).notes).toEqual([
      '1 security group: the scan recorded no inbound rules to check',
    ]);
  });
});

describe('advice: buckets', () => {
  const bucket = (id: string, raw?: Record<string, unknown>, region = 'eu-west-1') =>
    res({ type: 'bucket', id, region, ...(raw ? { raw } : {}) });

  it('finds a bucket whose public access is not blocked, and unversioned buckets per region', () => {
    const { findings, notes } = bucketFindings([
      bucket('site', { versioning: true, blockPublicAccess: false }),
      bucket('logs-a', { versioning: false, blockPublicAccess: true }),
      bucket('logs-b', { versioning: false, blockPublicAccess: true }),
      bucket('fine', { versioning: true, blockPublicAccess: true }),
    ]);
    expect(findings.map((f) => [f.rule, f.severity, f.rows.map((r) => r.id)])).toEqual([
      ['public-bucket', 'high', ['site']],
      ['bucket-without-versioning', 'low', ['logs-a', 'logs-b']],
    ]);
    expect(findings[0].suggestion?.payload.args).toEqual([
      's3api',
      'put-public-access-block',
      '--bucket',
      'site',
      '--public-access-block-configuration',
      'BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true',
    ]);
    expect(findings[1].suggestion).toMatchObject({
      kind: 'command',
      payload: { shell: true, args: ['logs-a', 'logs-b'] },
    });
    expect(notes).toEqual([]);
  });

  it('says it could not check buckets an AWS scan recorded no settings for', () => {
    const aws = bucket('from-aws', { Name: 'from-aws', BucketRegion: 'eu-west-1' });
    expect(bucketFindings([aws])).toEqual({
      findings: [],
      notes: [expect.stringContaining('1 bucket: versioning and public access not checked')],
    });
  });
});

describe('advice: stale scans', () => {
  it('suggests scanning exactly the scopes older than a day, and an account never scanned', () => {
    const scans = [
      { region: 'eu-west-1', scannedAt: now - 2 * day },
      { region: 'global', scannedAt: now - 3 * day },
      { region: 'us-east-1', scannedAt: now - 60_000 },
    ];
    const [f] = staleScans(scans, now, t);
    expect(f.rows.map((r) => r.id)).toEqual(['global', 'eu-west-1']);
    expect(f.suggestion).toMatchObject({ kind: 'scan', payload: { regions: ['eu-west-1'], buckets: true } });
    expect(staleScans([{ region: 'us-east-1', scannedAt: now - 60_000 }], now, t)).toEqual([]);
    expect(staleScans([], now, t, '1234')).toMatchObject([
      {
        severity: 'medium',
        why: expect.stringContaining('nothing is scanned for account 1234'),
        suggestion: { kind: 'scan' },
      },
    ]);
  });
});

function failedJob(id: string, error: string, over: Partial<JobView> = {}): JobView {
  return {
    id,
    kind: 'command',
    status: 'failed',
    step: 0,
    total: 0,
    attempts: 1,
    maxAttempts: 1,
    requestedBy: { user: 'alice', host: 'jump' },
    createdAt: now - day,
    finishedAt: now - day,
    error,
    payload: { program: 'backup.sh', args: [], shell: false },
    ...over,
  };
}

describe('advice: jobs failing repeatedly with the same error', () => {
  it('groups failures of the same job whose errors differ only in numbers', () => {
    const jobs = [
      failedJob('1', 'exit 1 after 3.2 s'),
      failedJob('2', 'exit 1 after 4.1 s'),
      failedJob('3', 'exit 1 after 2.0 s'),
      failedJob('4', 'other error'),
      failedJob('5', 'exit 1 after 1 s', { payload: { program: 'other.sh', args: [] } }),
    ];
    const findings = repeatedFailures(jobs, now, t);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ rule: 'repeated-job-failure', severity: 'medium' });
    expect(findings[0].rows.map((r) => r.id).sort()).toEqual(['1', '2', '3']);
    expect(findings[0].why).toContain('`backup.sh` failed 3 times with the same error');
    expect(findings[0].suggestion).toMatchObject({ kind: 'command', payload: { program: 'backup.sh' } });
  });

  it('does not count two failures, old failures, schedule runs or children', () => {
    expect(repeatedFailures([failedJob('1', 'x'), failedJob('2', 'x')], now, t)).toEqual([]);
    const old = { createdAt: now - 30 * day, finishedAt: now - 30 * day };
    expect(
      repeatedFailures(
        [1, 2, 3].map((i) => failedJob(String(i), 'x', old)),
        now,
        t,
      ),
    ).toEqual([]);
    const scheduled = { schedule: { name: 'nightly', tick: now } };
    expect(
      repeatedFailures(
        [1, 2, 3].map((i) => failedJob(String(i), 'x', scheduled)),
        now,
        t,
      ),
    ).toEqual([]);
    expect(
      repeatedFailures(
        [1, 2, 3].map((i) => failedJob(String(i), 'x', { parentId: '9' })),
        now,
        t,
      ),
    ).toEqual([]);
  });
});

describe('advice: schedules that keep failing', () => {
  const row = (outcomes: ScheduleRun['outcome'][], enabled = true): ScheduleRow => ({
    schedule: {
      name: 'nightly-report',
      cron: '30 2 * * *',
      timezone: 'UTC',
      timezoneGiven: true,
      job: { kind: 'command', payload: { program: 'report.sh', args: [], shell: false } },
      enabled,
      overlap: 'skip',
      catchUp: false,
    },
    next: [],
    runs: outcomes.map((outcome, i) => ({ jobId: `r${i}`, tick: now - i * day, outcome, manual: false })),
  });

  it('finds a schedule whose last 3 runs failed (skipped ticks aside) and suggests pausing it', () => {
    const [f] = failingSchedules(
      [row(['failed', 'skipped', 'failed', 'failed', 'completed'])],
      t,
      '/srv/deck',
    );
    expect(f).toMatchObject({ rule: 'failing-schedule', severity: 'medium' });
    expect(f.why).toContain('schedule nightly-report (30 2 * * *) failed its last 3 runs');
    expect(f.rows.map((r) => r.id)).toEqual(['nightly-report', 'r0', 'r2', 'r3']);
    expect(f.suggestion?.payload).toEqual({
      program: 'infradeck',
      args: ['--data', '/srv/deck', 'schedule', 'disable', 'nightly-report'],
    });
  });

  it('leaves alone a schedule that passed lately, has too few runs, or is paused', () => {
    expect(failingSchedules([row(['failed', 'completed', 'failed', 'failed'])], t)).toEqual([]);
    expect(failingSchedules([row(['failed', 'failed'])], t)).toEqual([]);
    expect(failingSchedules([row(['failed', 'failed', 'failed'], false)], t)).toEqual([]);
  });
});

describe('adviseOn', () => {
  it('runs every rule, most severe first, and passes on what was not read', () => {
    const report = adviseOn({
      now,
      resources: {
        scans: [{ region: 'eu-west-1', scannedAt: now - 2 * day }],
        all: [
          stopped('i-old', 'User initiated (2026-01-01 00:00:00 GMT)'),
          res({
            type: 'security-group',
            id: 'sg-1',
            raw: { Ingress: [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' }] },
          }),
        ],
      },
      unread: ['jobs and schedule runs not checked: Redis is unreachable'],
    });
    expect(report.findings.map((f) => f.rule)).toEqual(['open-admin-port', 'stopped-instance', 'stale-scan']);
    expect(report.notes).toEqual(['jobs and schedule runs not checked: Redis is unreachable']);
  });
});
