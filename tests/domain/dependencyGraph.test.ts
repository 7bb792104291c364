import { describe, expect, it } from 'vitest';
import { dependencyEdges, planDeletion } from '../../src/domain/dependencyGraph';
import type { Resource } from '../../src/domain/resource';

const r = (
  type: Resource['type'],
  id: string,
  refs: Resource['refs'] = {},
  extra: Partial<Resource> = {},
): Resource => ({
  type,
  id,
  region: 'eu-west-1',
  detail: '',
  tags: {},
  refs,
  ...extra,
});

const ids = (levels: Resource[][]) => levels.map((level) => level.map((x) => x.id));

// One small network as AWS has it: VPC, two subnets, a public route table, a gateway, groups, servers.
const vpc = r('vpc', 'vpc-1');
const subnetA = r('subnet', 'subnet-a', { vpc: 'vpc-1' });
const subnetB = r('subnet', 'subnet-b', { vpc: 'vpc-1' });
const table = r('route-table', 'rtb-public', {
  vpc: 'vpc-1',
  subnets: ['subnet-a'],
  internetGateways: ['igw-1'],
});
const mainTable = r('route-table', 'rtb-main', { vpc: 'vpc-1', subnets: [] }, { implicit: true });
const gateway = r('internet-gateway', 'igw-1', { vpc: 'vpc-1' });
const web = r('security-group', 'sg-web', { vpc: 'vpc-1' });
const db = r('security-group', 'sg-db', { vpc: 'vpc-1', securityGroups: ['sg-web'] });
const defaultGroup = r('security-group', 'sg-default', { vpc: 'vpc-1' }, { implicit: true });
const server = r('instance', 'i-web', {
  vpc: 'vpc-1',
  subnet: 'subnet-a',
  securityGroups: ['sg-web'],
  volumes: ['vol-root'],
  keyPair: 'web-deploy',
});
const database = r('instance', 'i-db', { vpc: 'vpc-1', subnet: 'subnet-b', securityGroups: ['sg-db'] });
const rootVolume = r('volume', 'vol-root', { instance: 'i-web' });
const dataVolume = r('volume', 'vol-data', { instance: 'i-db' });
const key = r('key-pair', 'key-0abc', {}, { name: 'web-deploy' });
const bucket = r('bucket', 'web-assets');
const network = [vpc, subnetA, subnetB, table, mainTable, gateway, web, db, defaultGroup, server, database];

describe('deletion order', () => {
  it('goes instances, then groups and subnets, then tables, gateways, and the VPC last', () => {
    const plan = planDeletion([...network, rootVolume, dataVolume, key]);

    expect(ids(plan.levels)).toEqual([
      ['i-db', 'i-web'],
      ['vol-data', 'vol-root', 'key-0abc', 'sg-db', 'subnet-a', 'subnet-b'],
      ['sg-web', 'rtb-public'],
      ['igw-1'],
      ['vpc-1'],
    ]);
    expect(plan.skipped.map((s) => [s.resource.id, s.reason])).toEqual([
      ['sg-default', 'the default security group is deleted with its VPC'],
      ['rtb-main', 'the main route table is deleted with its VPC'],
    ]);
    expect(plan.warnings).toEqual([]);
    expect(plan.cycles).toEqual([]);
    expect(plan.revokeRulesFirst).toEqual([]);
  });

  it('every edge points from an earlier level to a later one', () => {
    const selected = [...network, rootVolume, dataVolume, key, bucket];
    const plan = planDeletion(selected);
    const levelOf = new Map(plan.levels.flatMap((level, i) => level.map((x) => [x.id, i] as const)));
    const edges = dependencyEdges(selected).filter(([a, b]) => levelOf.has(a.id) && levelOf.has(b.id));
    expect(edges.length).toBeGreaterThan(10);
    for (const [before, after] of edges) expect(levelOf.get(before.id)!).toBeLessThan(levelOf.get(after.id)!);
  });

  it('puts buckets in the first level: they depend on nothing and nothing on them', () => {
    const plan = planDeletion([bucket, vpc, subnetA]);
    expect(ids(plan.levels)).toEqual([['subnet-a', 'web-assets'], ['vpc-1']]);
  });

  it('keeps the order through resources AWS removes with the VPC', () => {
    // The instance names only its default group; the group is skipped, yet the instance still goes first.
    const lonely = r('instance', 'i-1', { securityGroups: ['sg-default'] });
    const defaultOnly = r('security-group', 'sg-default', { vpc: 'vpc-1' }, { implicit: true });
    const plan = planDeletion([vpc, defaultOnly, lonely]);
    expect(ids(plan.levels)).toEqual([['i-1'], ['vpc-1']]);
    expect(plan.edges.map(([a, b]) => `${a.id}>${b.id}`)).toEqual(['i-1>vpc-1']);
  });

  it('counts a resource selected twice once', () => {
    expect(ids(planDeletion([vpc, vpc, subnetA, { ...subnetA }]).levels)).toEqual([['subnet-a'], ['vpc-1']]);
  });
});

describe('cycles', () => {
  it('breaks two groups that allow each other by revoking their rules first', () => {
    const etl = r('security-group', 'sg-etl', { vpc: 'vpc-1', securityGroups: ['sg-warehouse'] });
    const warehouse = r('security-group', 'sg-warehouse', { vpc: 'vpc-1', securityGroups: ['sg-etl'] });
    const worker = r('instance', 'i-etl', { vpc: 'vpc-1', securityGroups: ['sg-etl'] });

    const plan = planDeletion([etl, warehouse, worker, vpc]);

    expect(plan.revokeRulesFirst.map((x) => [x.group.id, x.references])).toEqual([
      ['sg-etl', ['sg-warehouse']],
      ['sg-warehouse', ['sg-etl']],
    ]);
    // Once the rules are gone, the warehouse group waits for nothing; the ETL group waits for its server.
    expect(ids(plan.levels)).toEqual([['i-etl', 'sg-warehouse'], ['sg-etl'], ['vpc-1']]);
    expect(plan.cycles).toEqual([]);
    expect(plan.blocked).toEqual([]);
    // The runner waits along the broken graph: no group waits for the other any more.
    expect(plan.edges.map(([a, b]) => `${a.id}>${b.id}`).sort()).toEqual([
      'i-etl>sg-etl',
      'i-etl>vpc-1',
      'sg-etl>vpc-1',
      'sg-warehouse>vpc-1',
    ]);
  });

  it('reports a cycle it cannot break and leaves it and what waits for it out', () => {
    // Only inconsistent data makes this: a route table whose "gateway" is the instance that uses its subnet.
    const odd = r('instance', 'i-odd', { subnet: 'subnet-x' });
    const subnet = r('subnet', 'subnet-x', { vpc: 'vpc-9' });
    const odder = r('route-table', 'rtb-odd', { subnets: ['subnet-x'], internetGateways: ['i-odd'] });
    const vpc9 = r('vpc', 'vpc-9');
    const fine = r('bucket', 'logs');

    const plan = planDeletion([odd, subnet, odder, vpc9, fine]);

    expect(plan.cycles.map((c) => c.map((x) => x.id))).toEqual([['i-odd', 'subnet-x', 'rtb-odd']]);
    expect(plan.blocked.map((x) => x.id)).toEqual(['vpc-9']);
    expect(ids(plan.levels)).toEqual([['logs']]);
  });
});

describe('what is not selected', () => {
  it('stays, and a selected resource it still uses gets a DependencyViolation warning', () => {
    const plan = planDeletion([vpc], network);

    expect(ids(plan.levels)).toEqual([['vpc-1']]);
    expect(plan.warnings).toHaveLength(1);
    const w = plan.warnings[0];
    expect(w.resource.id).toBe('vpc-1');
    // The main route table and the default group go with the VPC: they are not in the list.
    expect(w.usedBy.map((x) => x.id)).toEqual([
      'i-db',
      'i-web',
      'sg-db',
      'sg-web',
      'subnet-a',
      'subnet-b',
      'rtb-public',
      'igw-1',
    ]);
    expect(w.message).toBe(
      'vpc-1 (vpc) is still used by i-db (instance), i-web (instance), sg-db (security-group) and 5 more, ' +
        'not selected and staying: deleting vpc-1 may fail with DependencyViolation',
    );
  });

  it('a dependency that is not selected simply stays: deleting the instance needs nothing else', () => {
    const plan = planDeletion([server], network);
    expect(ids(plan.levels)).toEqual([['i-web']]);
    expect(plan.warnings).toEqual([]);
  });

  it('warns about a group still referenced by an unselected group rule', () => {
    const plan = planDeletion([web], network);
    expect(plan.warnings.map((w) => w.usedBy.map((x) => x.id))).toEqual([['i-web', 'sg-db']]);
  });

  it('a terminated instance blocks nothing', () => {
    const gone = { ...server, state: 'terminated' };
    const plan = planDeletion([web], [gone, vpc]);
    expect(plan.warnings).toEqual([]);
  });

  it('finds a key pair user by the key name', () => {
    const plan = planDeletion([key], [server]);
    expect(plan.warnings.map((w) => w.usedBy.map((x) => x.id))).toEqual([['i-web']]);
  });
});
