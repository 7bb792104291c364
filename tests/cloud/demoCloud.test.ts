import { describe, expect, it } from 'vitest';
import { planDeletion } from '../../src/domain/dependencyGraph';
import { type Resource, ResourceIndex } from '../../src/domain/resource';
import { deleteInOrder } from '../../src/services/cloud/deleteInOrder';
import { DemoCloud } from '../../src/services/cloud/demoCloud';
import { scanAccount } from '../../src/services/cloud/scanAccount';

const quick = { latencyScale: 0, transitionMs: 0 };

async function everything(cloud: DemoCloud): Promise<Resource[]> {
  const { scans } = await scanAccount(cloud, {});
  return scans.flatMap((s) => s.resources);
}

describe('demo account', () => {
  it('is the same for the same seed and different for another', async () => {
    const a = await everything(new DemoCloud({ seed: 7, ...quick }));
    const b = await everything(new DemoCloud({ seed: 7, ...quick }));
    const c = await everything(new DemoCloud({ seed: 8, ...quick }));
    const key = (rs: Resource[]) => rs.map((r) => `${r.region}/${r.id}`).sort();
    expect(key(a)).toEqual(key(b));
    expect(new DemoCloud({ seed: 7, ...quick }).snapshot()).toEqual(
      new DemoCloud({ seed: 7, ...quick }).snapshot(),
    );
    expect(key(c)).not.toEqual(key(a));
  });

  it('has a few hundred resources over six regions, three projects, and refs that resolve', async () => {
    const cloud = new DemoCloud({ seed: 42, ...quick });
    const all = await everything(cloud);
    expect(all.length).toBeGreaterThan(200);
    expect(all.length).toBeLessThan(800);
    expect(await cloud.listRegions()).toHaveLength(6);
    expect(
      ResourceIndex.fromScans([{ account: '0', region: 'x', scannedAt: 0, resources: all }]).projects(),
    ).toEqual(['ci', 'data', 'web']);
    const byKey = new Map(all.map((r) => [`${r.region}/${r.id}`, r]));
    for (const r of all.filter((x) => x.type === 'instance')) {
      expect(byKey.get(`${r.region}/${r.refs.subnet}`)?.type).toBe('subnet');
      expect(byKey.get(`${r.region}/${r.refs.vpc}`)?.type).toBe('vpc');
      for (const g of r.refs.securityGroups ?? [])
        expect(byKey.get(`${r.region}/${g}`)?.type).toBe('security-group');
      for (const v of r.refs.volumes ?? []) expect(byKey.get(`${r.region}/${v}`)?.refs.instance).toBe(r.id);
    }
    expect(new Set(all.map((r) => r.type)).size).toBe(9);
  });

  it('grows to sixteen regions and tens of thousands of resources for the benchmark', () => {
    const cloud = new DemoCloud({ seed: 42, regions: 16, scale: 150, ...quick });
    expect(cloud.snapshot().length).toBeGreaterThan(40_000);
  });

  it('is labelled DEMO everywhere it shows', async () => {
    const cloud = new DemoCloud(quick);
    expect(cloud.kind).toBe('demo');
    expect(cloud.label).toBe('DEMO');
    const id = await cloud.identity();
    expect(id.account).toBe('000000000000');
    expect(id.arn).toMatch(/DEMO/);
  });

  it('takes its per-region latency for every call', async () => {
    const cloud = new DemoCloud({
      seed: 1,
      regions: ['eu-west-1', 'ap-southeast-2'],
      latencyMs: { 'eu-west-1': 5 },
    });
    expect(cloud.latencyOf('eu-west-1')).toBe(5);
    expect(cloud.latencyOf('ap-southeast-2')).toBe(280);
    expect(new DemoCloud({ latencyScale: 0.5 }).latencyOf('ap-southeast-2')).toBe(140);
  });
});

describe('faults', () => {
  it('throttles the first calls and the retry absorbs it', async () => {
    const cloud = new DemoCloud({ seed: 2, ...quick, faults: { throttleCalls: 2 } });
    const resources = await cloud.scanRegion('us-east-1');
    expect(resources.length).toBeGreaterThan(10);
    expect(cloud.stats.throttled).toBe(2);
    expect(cloud.faults.throttleCalls).toBe(0);
  });

  it('fails a call throttled more times than the retry allows', async () => {
    const cloud = new DemoCloud({
      seed: 2,
      ...quick,
      faults: { throttleCalls: 3 },
      retry: { attempts: 3, baseMs: 0, maxMs: 0 },
    });
    await expect(cloud.listRegions()).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
    expect(await cloud.listRegions()).toHaveLength(6);
  });

  it('lists a failing region but answers every call there with OptInRequired', async () => {
    const cloud = new DemoCloud({ seed: 2, ...quick, faults: { failingRegions: ['me-central-1'] } });
    expect(await cloud.listRegions()).toContain('me-central-1');
    await expect(cloud.scanRegion('me-central-1')).rejects.toMatchObject({ name: 'OptInRequired' });
    expect(await cloud.instancesOfProject('web', { regions: ['me-central-1'] })).toEqual([]);
  });
});

describe('dependencies are real', () => {
  const first = (all: Resource[], pred: (r: Resource) => boolean) => {
    const found = all.find(pred);
    if (!found) throw new Error('demo account lacks the resource this test needs');
    return found;
  };
  const noRetry = { attempts: 1, baseMs: 0, maxMs: 0 };

  it('refuses to delete a VPC that still has subnets, and a subnet with a server in it', async () => {
    const cloud = new DemoCloud({ seed: 4, ...quick, dependencyRetry: noRetry });
    const all = cloud.snapshot();
    const vpc = first(all, (r) => r.type === 'vpc' && r.project === 'web');
    await expect(cloud.deleteResource(vpc, { emptyBucket: false })).rejects.toMatchObject({
      name: 'DependencyViolation',
      message: expect.stringContaining(`The vpc '${vpc.id}' has dependencies`),
    });
    const busy = first(
      all,
      (r) => r.type === 'subnet' && all.some((i) => i.type === 'instance' && i.refs.subnet === r.id),
    );
    await expect(cloud.deleteResource(busy, { emptyBucket: false })).rejects.toMatchObject({
      name: 'DependencyViolation',
    });
    // Nothing changed.
    expect(cloud.snapshot()).toEqual(all);
  });

  it('retries DependencyViolation until the instance holding the group has terminated', async () => {
    const cloud = new DemoCloud({
      seed: 4,
      latencyScale: 0,
      transitionMs: 30,
      dependencyRetry: { attempts: 20, baseMs: 5, maxMs: 10 },
    });
    const all = cloud.snapshot();
    const group = first(
      all,
      (g) =>
        g.type === 'security-group' &&
        !g.implicit &&
        !all.some((o) => o.type === 'security-group' && o.refs.securityGroups?.includes(g.id)) &&
        all.some((i) => i.type === 'instance' && i.refs.securityGroups?.includes(g.id)),
    );
    const users = all.filter((i) => i.type === 'instance' && i.refs.securityGroups?.includes(group.id));
    for (const u of users)
      expect(await cloud.deleteResource(u, { emptyBucket: false })).toMatchObject({ status: 'terminating' });
    const log: string[] = [];

    const outcome = await cloud.deleteResource(group, { emptyBucket: false, log: (l) => log.push(l) });

    expect(outcome.status).toBe('deleted');
    expect(log.length).toBeGreaterThan(0);
    expect(log[0]).toMatch(/has a dependent object/);
    expect(cloud.snapshot().some((r) => r.id === group.id)).toBe(false);
    const [gone] = await cloud.describeInstances(users[0].region, [users[0].id]);
    expect(gone.state).toBe('terminated');
  });

  it('tears down a whole project in dependency order, cycle of groups included', async () => {
    const cloud = new DemoCloud({ seed: 42, latencyScale: 0, transitionMs: 5 });
    const all = cloud.snapshot();
    const region = first(all, (r) => r.project === 'data' && r.type === 'vpc').region;
    const selected = all.filter((r) => r.project === 'data' && (r.region === region || r.type === 'bucket'));
    const plan = planDeletion(selected, all);
    expect(plan.revokeRulesFirst.length).toBe(2); // the etl and warehouse groups allow each other
    expect(plan.warnings).toEqual([]);
    let index = ResourceIndex.fromScans((await scanAccount(cloud, {})).scans);

    const report = await deleteInOrder(cloud, plan, {
      emptyBuckets: true,
      pollMs: 1,
      onChange: (c) => {
        index = index.apply(c);
      },
    });

    expect(report.failed).toEqual([]);
    expect(report.notAttempted).toEqual([]);
    const left = cloud
      .snapshot()
      .filter(
        (r) =>
          r.project === 'data' && (r.region === region || r.type === 'bucket') && r.state !== 'terminated',
      );
    expect(left).toEqual([]);
    // The index heard every change: nothing of the project is shown as alive there any more.
    expect(
      index.query({ project: 'data' }).filter((r) => r.region === region && r.state !== 'terminated'),
    ).toEqual([]);
    // Other projects are untouched.
    expect(cloud.snapshot().filter((r) => r.project === 'web').length).toBe(
      all.filter((r) => r.project === 'web').length,
    );
  });

  it('deletes a bucket holding objects only when emptying it was confirmed', async () => {
    const cloud = new DemoCloud({ seed: 4, ...quick });
    const [bucket] = (await cloud.scanBuckets()).filter((b) => b.detail !== 'empty');
    await expect(cloud.deleteResource(bucket, { emptyBucket: false })).rejects.toThrow(/is not empty/);
    expect((await cloud.scanBuckets()).map((b) => b.id)).toContain(bucket.id);
    expect(await cloud.deleteResource(bucket, { emptyBucket: true })).toMatchObject({ status: 'deleted' });
    expect((await cloud.scanBuckets()).map((b) => b.id)).not.toContain(bucket.id);
    expect(await cloud.deleteResource(bucket, { emptyBucket: true })).toMatchObject({ status: 'gone' });
  });
});

describe('power and deploy', () => {
  it('stops and starts a project, going through stopping and pending', async () => {
    const cloud = new DemoCloud({ seed: 9, latencyScale: 0, transitionMs: 20 });
    const web = await cloud.instancesOfProject('web');
    const running = web.filter((i) => i.state === 'running');
    expect(running.length).toBeGreaterThan(2);
    const { region } = running[0];
    const ids = running.filter((i) => i.region === region).map((i) => i.id);

    const stopping = await cloud.stopInstances(region, [...ids, 'i-0vanished']);
    expect(stopping.map((c) => [c.previous, c.current])).toEqual(ids.map(() => ['running', 'stopping']));
    for (const id of ids) await cloud.waitInstanceState(region, id, 'stopped', { pollMs: 2 });

    const starting = await cloud.startInstances(region, ids);
    expect(new Set(starting.map((c) => c.current))).toEqual(new Set(['pending']));
    await cloud.waitInstanceState(region, ids[0], 'running', { pollMs: 2 });
    const [now] = await cloud.describeInstances(region, [ids[0]]);
    expect(now.state).toBe('running');
  });

  it('builds a network and servers, and a repeated RunInstances with the same token adds none', async () => {
    const cloud = new DemoCloud({ seed: 9, ...quick });
    const tags = { 'infradeck:project': 'shop', Name: 'shop' };
    const region = 'eu-west-1';
    const vpc = await cloud.createVpc(region, { cidr: '10.50.0.0/16', tags });
    const subnet = await cloud.createSubnet(region, { vpcId: vpc.id, cidr: '10.50.1.0/24', tags });
    await cloud.converge(subnet, { type: 'subnet', tags, public: true });
    await expect(
      cloud.createSubnet(region, { vpcId: vpc.id, cidr: '10.60.1.0/24', tags }),
    ).rejects.toMatchObject({
      name: 'InvalidSubnet.Range',
    });
    await expect(
      cloud.createSubnet(region, { vpcId: vpc.id, cidr: '10.50.1.128/25', tags }),
    ).rejects.toMatchObject({
      name: 'InvalidSubnet.Conflict',
    });
    const igw = await cloud.createInternetGateway(region, { tags });
    expect(igw.state).toBe('detached');
    await cloud.converge(igw, { type: 'internet-gateway', tags, vpcId: vpc.id });
    const table = await cloud.createRouteTable(region, { vpcId: vpc.id, tags });
    const routed = await cloud.converge(table, {
      type: 'route-table',
      tags,
      subnetIds: [subnet.id],
      internetGatewayId: igw.id,
    });
    expect(routed.changes).toEqual([`route 0.0.0.0/0 -> ${igw.id}`, `subnet ${subnet.id} associated`]);
    // Converging again finds nothing left to do.
    expect(
      (
        await cloud.converge(table, {
          type: 'route-table',
          tags,
          subnetIds: [subnet.id],
          internetGatewayId: igw.id,
        })
      ).changes,
    ).toEqual([]);
    const sg = await cloud.createSecurityGroup(region, {
      vpcId: vpc.id,
      name: 'shop-web',
      description: 'web',
      tags,
    });
    await cloud.converge(sg, {
      type: 'security-group',
      tags,
      ingress: [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidr: '0.0.0.0/0' }],
    });
    await expect(cloud.resolveImage(region, 'ami-0123456789abcdef0')).rejects.toMatchObject({
      name: 'InvalidAMIID.NotFound',
    });
    const imageId = await cloud.resolveImage(
      region,
      'ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
    );
    expect(imageId).toMatch(/^ami-0[0-9a-f]{16}$/);
    expect(await cloud.resolveImage(region, imageId)).toBe(imageId);
    const spec = {
      imageId,
      instanceType: 't3.small',
      count: 2,
      subnetId: subnet.id,
      securityGroupIds: [sg.id],
      tags,
      clientToken: 'deploy-1-shop-web',
    };

    const first = await cloud.runInstances(region, spec);
    const again = await cloud.runInstances(region, spec);

    expect(again.map((i) => i.id)).toEqual(first.map((i) => i.id));
    expect(await cloud.findByTags(region, 'instance', { 'infradeck:project': 'shop' })).toHaveLength(2);
    expect((await cloud.findByTags(region, 'vpc', { 'infradeck:project': 'shop' })).map((v) => v.id)).toEqual(
      [vpc.id],
    );
    // The new VPC came with its main route table and default group, as in AWS.
    const inVpc = cloud.snapshot().filter((r) => r.refs.vpc === vpc.id && r.implicit);
    expect(inVpc.map((r) => r.type).sort()).toEqual(['route-table', 'security-group']);
    // And it can be torn down again, leaving nothing.
    const mine = cloud.snapshot().filter((r) => r.project === 'shop' || r.refs.vpc === vpc.id);
    const report = await deleteInOrder(cloud, planDeletion(mine), { emptyBuckets: false, pollMs: 1 });
    expect(report.failed).toEqual([]);
    expect(cloud.snapshot().filter((r) => r.project === 'shop' && r.state !== 'terminated')).toEqual([]);
  });
});
