import { describe, expect, it } from 'vitest';
import {
  isStale,
  parseResourceType,
  type RegionScan,
  type Resource,
  ResourceIndex,
} from '../../src/domain/resource';
import { formatAgo } from '../../src/domain/text';

const r = (type: Resource['type'], id: string, region: string, extra: Partial<Resource> = {}): Resource => ({
  type,
  id,
  region,
  detail: '',
  tags: {},
  refs: {},
  ...extra,
});

const scan = (region: string, resources: Resource[], scannedAt = 1000, error?: string): RegionScan => ({
  account: '123456789012',
  region,
  scannedAt,
  resources,
  ...(error ? { error } : {}),
});

const web1 = r('instance', 'i-web1', 'eu-west-1', {
  name: 'web-1',
  state: 'running',
  project: 'web',
  detail: 't3.small 10.1.0.5',
  tags: { Name: 'web-1', 'infradeck:project': 'web', team: 'frontend' },
  refs: {
    vpc: 'vpc-1',
    subnet: 'subnet-1',
    securityGroups: ['sg-1'],
    volumes: ['vol-1'],
    keyPair: 'web-deploy',
  },
});
const vpc1 = r('vpc', 'vpc-1', 'eu-west-1', { project: 'web', detail: '10.1.0.0/16' });
const subnet1 = r('subnet', 'subnet-1', 'eu-west-1', { refs: { vpc: 'vpc-1' } });
const sg1 = r('security-group', 'sg-1', 'eu-west-1', { refs: { vpc: 'vpc-1' } });
const vol1 = r('volume', 'vol-1', 'eu-west-1', { refs: { instance: 'i-web1' } });
const key1 = r('key-pair', 'key-1', 'eu-west-1', { name: 'web-deploy' });
const etl = r('instance', 'i-etl', 'us-east-1', { name: 'etl-1', state: 'stopped', project: 'data' });
const logs = r('bucket', 'data-logs', 'us-east-1', { project: 'data' });

const index = ResourceIndex.fromScans([
  scan('eu-west-1', [web1, vpc1, subnet1, sg1, vol1, key1]),
  scan('us-east-1', [etl]),
  scan('global', [logs]),
]);

describe('ResourceIndex', () => {
  it('holds every region and the buckets, and finds by type, project and words', () => {
    expect(index.size).toBe(8);
    expect(index.query({ type: 'instance' }).map((x) => x.id)).toEqual(['i-web1', 'i-etl']);
    expect(index.query({ type: ['bucket', 'vpc'] }).map((x) => x.id)).toEqual(['vpc-1', 'data-logs']);
    expect(index.query({ project: 'data' }).map((x) => x.id)).toEqual(['i-etl', 'data-logs']);
    // Every word must match somewhere: tag value, name, detail, region…
    expect(index.query({ text: 'FRONTEND t3' }).map((x) => x.id)).toEqual(['i-web1']);
    expect(index.query({ text: 'us-east stopped' }).map((x) => x.id)).toEqual(['i-etl']);
    expect(index.query({ text: 'nothing-like-this' })).toEqual([]);
    expect(index.projects()).toEqual(['data', 'web']);
    expect(index.get('eu-west-1', 'vpc-1')).toBe(vpc1);
    expect(index.find('data-logs')).toBe(logs);
  });

  it('shows what is related both ways: an instance its network, a VPC what is in it', () => {
    expect(index.related(web1).map((x) => x.id)).toEqual(['vpc-1', 'subnet-1', 'sg-1', 'vol-1', 'key-1']);
    expect(index.related(vpc1).map((x) => x.id)).toEqual(['i-web1', 'subnet-1', 'sg-1']);
    expect(index.related(key1).map((x) => x.id)).toEqual(['i-web1']);
  });

  it('replaces exactly the rescanned region: what vanished there goes, other regions stay', () => {
    const next = index.withScan(scan('eu-west-1', [vpc1], 2000));
    expect(next.query({ region: 'eu-west-1' }).map((x) => x.id)).toEqual(['vpc-1']);
    expect(next.query({ region: 'us-east-1' }).map((x) => x.id)).toEqual(['i-etl', 'data-logs']);
    expect(next.scan('eu-west-1')?.scannedAt).toBe(2000);
    // The old index is untouched: a store can keep it for the previous render.
    expect(index.size).toBe(8);
  });

  it('keeps the last good resources of a region whose rescan failed, with the error', () => {
    const next = index.withScan(scan('eu-west-1', [], 3000, 'eu-west-1: access denied'));
    expect(next.query({ region: 'eu-west-1' })).toHaveLength(6);
    expect(next.scan('eu-west-1')).toMatchObject({ scannedAt: 1000, error: 'eu-west-1: access denied' });
    const fresh = ResourceIndex.empty().withScan(scan('ap-east-1', [], 3000, 'ap-east-1: not opted in'));
    expect(fresh.scan('ap-east-1')?.error).toBe('ap-east-1: not opted in');
    expect(fresh.size).toBe(0);
  });

  it('applies job results at once: a stop, a delete, a new resource', () => {
    const next = index.applyAll([
      { kind: 'state', region: 'eu-west-1', id: 'i-web1', state: 'stopping' },
      { kind: 'deleted', region: 'us-east-1', id: 'data-logs' },
      { kind: 'upsert', resource: r('subnet', 'subnet-2', 'eu-west-1') },
    ]);
    expect(next.get('eu-west-1', 'i-web1')?.state).toBe('stopping');
    expect(next.find('data-logs')).toBeUndefined();
    expect(next.get('eu-west-1', 'subnet-2')).toBeDefined();
    expect(index.get('eu-west-1', 'i-web1')?.state).toBe('running');
    // A rescan of the region settles the truth again: the new subnet belongs to eu-west-1's scan.
    expect(next.withScan(scan('eu-west-1', [vpc1])).get('eu-west-1', 'subnet-2')).toBeUndefined();
  });

  it('drops the main route table and default group with their VPC', () => {
    const main = r('route-table', 'rtb-main', 'eu-west-1', { implicit: true, refs: { vpc: 'vpc-1' } });
    const dflt = r('security-group', 'sg-default', 'eu-west-1', { implicit: true, refs: { vpc: 'vpc-1' } });
    const other = r('route-table', 'rtb-main2', 'eu-west-1', { implicit: true, refs: { vpc: 'vpc-2' } });
    const withDefaults = index.withScan(scan('eu-west-1', [vpc1, main, dflt, other, subnet1]));
    const next = withDefaults.apply({ kind: 'deleted', region: 'eu-west-1', id: 'vpc-1' });
    expect(next.query({ region: 'eu-west-1' }).map((x) => x.id)).toEqual(['rtb-main2', 'subnet-1']);
  });

  it('ignores a change about something it does not hold, returning the same index', () => {
    expect(index.apply({ kind: 'state', region: 'eu-west-1', id: 'i-nope', state: 'running' })).toBe(index);
    expect(index.apply({ kind: 'deleted', region: 'eu-west-1', id: 'i-nope' })).toBe(index);
  });
});

describe('freshness and type names', () => {
  it('says how old a scan is and when it is stale', () => {
    expect(formatAgo(900)).toBe('just now');
    expect(formatAgo(2_000)).toBe('2 s ago');
    expect(formatAgo(42_000)).toBe('42 s ago');
    expect(formatAgo(3 * 60_000 + 5_000)).toBe('3 min ago');
    expect(formatAgo(5 * 3_600_000)).toBe('5 h ago');
    expect(formatAgo(2 * 86_400_000)).toBe('2 d ago');
    expect(isStale({ scannedAt: 0 }, 10 * 60_000, 15 * 60_000)).toBe(false);
    expect(isStale({ scannedAt: 0 }, 16 * 60_000, 15 * 60_000)).toBe(true);
  });

  it('reads the short names a person types', () => {
    expect(['ec2', 'sg', 's3', 'igw', 'rtb', 'ebs', 'key', 'VPC'].map(parseResourceType)).toEqual([
      'instance',
      'security-group',
      'bucket',
      'internet-gateway',
      'route-table',
      'volume',
      'key-pair',
      'vpc',
    ]);
    expect(parseResourceType('lambda')).toBeUndefined();
  });
});
