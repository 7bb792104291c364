import { describe, expect, it } from 'vitest';
import {
  applyCloudEvent,
  confirmationChoices,
  confirms,
  describeCloudJob,
  readOnlyRefusal,
} from '../../src/domain/cloudJobs';
import { describeJob } from '../../src/domain/job';
import { type RegionScan, type Resource, ResourceIndex } from '../../src/domain/resource';

const vm = (id: string, region = 'eu-west-1', extra: Partial<Resource> = {}): Resource => ({
  type: 'instance',
  id,
  region,
  state: 'running',
  detail: 't3.small',
  tags: {},
  refs: {},
  ...extra,
});

const scan = (region: string, resources: Resource[], extra: Partial<RegionScan> = {}): RegionScan => ({
  account: '111',
  region,
  scannedAt: 1000,
  resources,
  ...extra,
});

describe('a console applying cloud events to its resource index', () => {
  it('replaces a region with each scan of it, and applies job changes', () => {
    let index = ResourceIndex.empty();
    index = applyCloudEvent(index, {
      type: 'scan.region',
      data: { scan: scan('eu-west-1', [vm('i-1'), vm('i-2')]) },
    });
    index = applyCloudEvent(index, {
      type: 'scan.region',
      data: { scan: scan('us-east-1', [vm('i-3', 'us-east-1')]) },
    });
    expect(index.size).toBe(3);
    index = applyCloudEvent(index, { type: 'scan.region', data: { scan: scan('eu-west-1', [vm('i-2')]) } });
    expect(index.all.map((r) => r.id).sort()).toEqual(['i-2', 'i-3']);

    index = applyCloudEvent(index, {
      type: 'resource.changed',
      data: {
        account: '111',
        changes: [
          { kind: 'state', region: 'eu-west-1', id: 'i-2', state: 'stopping' },
          { kind: 'deleted', region: 'us-east-1', id: 'i-3' },
        ],
      },
    });
    expect(index.all.map((r) => [r.id, r.state])).toEqual([['i-2', 'stopping']]);
  });

  it('keeps the last good resources of a region whose scan failed, with the error beside them', () => {
    let index = applyCloudEvent(ResourceIndex.empty(), {
      type: 'scan.region',
      data: { scan: scan('eu-west-1', [vm('i-1')]) },
    });
    index = applyCloudEvent(index, {
      type: 'scan.region',
      data: { scan: scan('eu-west-1', [], { error: 'eu-west-1: access denied', scannedAt: 2000 }) },
    });
    expect(index.get('eu-west-1', 'i-1')).toBeDefined();
    expect(index.scan('eu-west-1')?.error).toBe('eu-west-1: access denied');
  });

  it('ignores events of another account, and anything malformed, returning the same index', () => {
    const index = applyCloudEvent(
      ResourceIndex.empty(),
      { type: 'scan.region', data: { scan: scan('eu-west-1', [vm('i-1')]) } },
      '111',
    );
    const same = (e: { type: string; data?: unknown }) =>
      expect(applyCloudEvent(index, e, '111')).toBe(index);
    same({ type: 'scan.region', data: { scan: { ...scan('eu-west-1', []), account: '222' } } });
    same({
      type: 'resource.changed',
      data: { account: '222', changes: [{ kind: 'deleted', region: 'eu-west-1', id: 'i-1' }] },
    });
    same({ type: 'scan.region', data: { scan: { region: 'eu-west-1' } } });
    same({ type: 'scan.region', data: 'garbage' });
    same({ type: 'resource.changed', data: { account: '111', changes: 'all of them' } });
    same({ type: 'resource.changed', data: { account: '111', changes: [{ kind: 'explode', id: 'i-1' }] } });
    same({ type: 'job.log', data: { scan: scan('eu-west-1', []) } });
    same({ type: 'scan.region' });
    // A scan from another version with one unreadable resource keeps the readable ones.
    const mixed = applyCloudEvent(index, {
      type: 'scan.region',
      data: { scan: { ...scan('eu-west-1', [vm('i-9')]), resources: [vm('i-9'), { id: 'broken' }] } },
    });
    expect(mixed.all.map((r) => r.id)).toEqual(['i-9']);
  });
});

describe('typed confirmation', () => {
  it('is the number of resources, or their project when they all share one', () => {
    expect(confirmationChoices(3, ['web', 'web', 'web'])).toEqual(['3', 'web']);
    expect(confirmationChoices(3, ['web', 'data', 'web'])).toEqual(['3']);
    expect(confirmationChoices(2, ['web', undefined])).toEqual(['2']);
    expect(confirmationChoices(1, [undefined])).toEqual(['1']);
    expect(confirms(' web ', ['3', 'web'])).toBe(true);
    expect(confirms('Web', ['3', 'web'])).toBe(false);
    expect(confirms('', ['3'])).toBe(false);
  });

  it('says who made a job read-only', () => {
    expect(readOnlyRefusal('x', false, false)).toBeUndefined();
    expect(readOnlyRefusal('x', true, false)?.message).toMatch(/^refused: x: read-only mode \(the console/);
    expect(readOnlyRefusal('x', false, true)?.message).toMatch(/^refused: x: read-only mode \(this worker/);
    expect(readOnlyRefusal('x', false, true)?.permanent).toBe(true);
  });
});

describe('cloud jobs in the Jobs table and the audit trail', () => {
  it('read as one line each', () => {
    expect(describeJob('scan', { buckets: true })).toBe('scan all regions');
    expect(describeJob('scan', { regions: ['eu-west-1', 'us-east-1'], buckets: false })).toBe(
      'scan eu-west-1, us-east-1 (no buckets)',
    );
    expect(
      describeJob('terminate', { ids: ['a/i-1', 'a/sg-2', 'a/vpc-3', 'a/subnet-4'], emptyBuckets: true }),
    ).toBe('terminate 4 resources: a/i-1, a/sg-2, a/vpc-3 and 1 more (emptying buckets)');
    expect(describeJob('power', { project: 'web', on: false })).toBe('power off project web');
    expect(describeJob('instances', { action: 'reboot', region: 'eu-west-1', ids: ['i-1'] })).toBe(
      'reboot instance in eu-west-1: i-1',
    );
    expect(describeCloudJob('command', {})).toBeUndefined();
  });
});
