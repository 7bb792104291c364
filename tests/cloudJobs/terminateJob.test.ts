import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyCloudEvent, type ResourceChangedEventData } from '../../src/domain/cloudJobs';
import { type Resource, ResourceIndex, resourceKey } from '../../src/domain/resource';
import { DemoCloud } from '../../src/services/cloud/demoCloud';
import { readAccountCache } from '../../src/services/cloud/scanCache';
import { type CloudJobSession, projectNetwork, quick, startCloudJobs } from './cloudJobHarness';

/** The order resources went, from the `resource.changed` events a console receives. */
function goneOrder(s: CloudJobSession, id: string): string[] {
  const order: string[] = [];
  for (const e of s.ofJob(id, 'resource.changed')) {
    for (const c of (e.data as ResourceChangedEventData).changes) {
      if (c.kind === 'deleted' || (c.kind === 'state' && c.state === 'terminated')) order.push(c.id);
    }
  }
  return order;
}

describe('the terminate job', () => {
  let s: CloudJobSession;
  afterEach(() => s?.close());

  async function scanned(): Promise<ResourceIndex> {
    const id = await s.run('scan', {});
    await s.result('scan', id);
    let index = ResourceIndex.empty();
    for (const e of s.events) index = applyCloudEvent(index, e, '000000000000');
    return index;
  }

  it('tears a project network down in dependency order, a step and a log line each, and the console follows', async () => {
    s = startCloudJobs();
    let index = await scanned();
    const network = projectNetwork([...index.all], 'web', 'eu-central-1');
    const keys = network.map(resourceKey);
    const id = await s.run('terminate', { ids: keys, confirm: String(keys.length) });
    const result = await s.result('terminate', id);

    const byId = new Map(network.map((r) => [r.id, r]));
    const order = goneOrder(s, id);
    const position = (r: Resource) => order.indexOf(r.id);
    const instances = network.filter((r) => r.type === 'instance');
    const groups = network.filter((r) => r.type === 'security-group' && !r.implicit);
    const subnets = network.filter((r) => r.type === 'subnet');
    const vpc = network.find((r) => r.type === 'vpc')!;
    expect(instances.length).toBeGreaterThan(0);
    for (const i of instances) {
      for (const g of i.refs.securityGroups ?? [])
        if (byId.get(g) && !byId.get(g)!.implicit) expect(position(i)).toBeLessThan(position(byId.get(g)!));
      expect(position(i)).toBeLessThan(position(byId.get(i.refs.subnet!)!));
    }
    for (const r of [...groups, ...subnets]) expect(position(r)).toBeLessThan(position(vpc));
    expect(order.at(-1)).toBe(vpc.id);

    // Nothing of it is left in the cloud (terminated instances linger, as on AWS), and the console agrees.
    const left = s.cloud.snapshot().filter((r) => byId.has(r.id) && r.state !== 'terminated');
    expect(left).toEqual([]);
    for (const e of s.ofJob(id)) index = applyCloudEvent(index, e, '000000000000');
    expect(network.filter((r) => r.type !== 'instance' && index.get(r.region, r.id))).toEqual([]);
    expect(instances.map((r) => index.get(r.region, r.id)?.state)).toEqual(instances.map(() => 'terminated'));

    const implicit = network.filter((r) => r.implicit);
    expect(result.deleted.map((r) => r.id).sort()).toEqual(
      network
        .filter((r) => !r.implicit)
        .map((r) => r.id)
        .sort(),
    );
    expect(result.skipped.map((x) => x.resource.id).sort()).toEqual(implicit.map((r) => r.id).sort());
    expect(result.missing).toEqual([]);

    const job = await s.finished(id);
    expect(job.total).toBe(network.length);
    expect(job.step).toBe(job.total);
    const lines = await s.logs(id);
    for (const r of network.filter((x) => !x.implicit)) {
      expect(lines.some((l) => l.includes(r.id) && /^(deleted|terminated) /.test(l))).toBe(true);
    }

    // The worker's cache says so too: `infradeck resources` shows the VPC gone before the next scan.
    const cached = ResourceIndex.fromScans(
      (await readAccountCache(join(s.dataDir, '.cache'), '000000000000')).scans,
    );
    expect(cached.get('eu-central-1', vpc.id)).toBeUndefined();
    expect(cached.get('eu-central-1', instances[0].id)?.state).toBe('terminated');
  });

  it('accepts the project name as the confirmation when everything selected belongs to it', async () => {
    s = startCloudJobs();
    const index = await scanned();
    const targets = index.query({ type: 'key-pair', project: 'data' });
    expect(targets.length).toBeGreaterThanOrEqual(2);
    const id = await s.run('terminate', { ids: targets.map(resourceKey), confirm: ' data ' });
    const result = await s.result('terminate', id);
    expect(result.deleted.map((r) => r.id).sort()).toEqual(targets.map((r) => r.id).sort());
  });

  it('refuses a confirmation that matches neither the count nor the project, and changes nothing', async () => {
    s = startCloudJobs({ policies: { terminate: { attempts: 1 } } });
    const index = await scanned();
    const targets = index.query({ type: 'vpc', region: 'us-east-1' });
    expect(new Set(targets.map((r) => r.project)).size).toBeGreaterThan(1);
    const before = s.cloud.snapshot();
    const id = await s.run('terminate', { ids: targets.map(resourceKey), confirm: 'yes' });
    const job = await s.finished(id);
    expect(job.status).toBe('failed');
    expect(job.error).toBe(
      `refused: delete of ${targets.length} resources: the confirmation "yes" does not match: type "${targets.length}"; nothing was changed`,
    );
    expect(s.cloud.snapshot()).toEqual(before);
    expect(s.ofJob(id, 'resource.changed')).toEqual([]);
  });

  it('is refused by a read-only worker even when the console did not check, and by a read-only console', async () => {
    s = startCloudJobs({ readOnly: true, policies: { terminate: { attempts: 1 } } });
    const index = await scanned();
    const [key] = index.query({ type: 'key-pair' }).map(resourceKey);
    const before = s.cloud.snapshot();
    const id = await s.run('terminate', { ids: [key], confirm: '1', readOnly: false });
    const job = await s.finished(id);
    expect(job.error).toBe(
      'refused: delete of 1 resource: read-only mode (this worker runs read-only (--readonly or INFRADECK_READONLY)); nothing was changed',
    );
    expect(s.cloud.snapshot()).toEqual(before);
    await s.close();

    s = startCloudJobs({ policies: { terminate: { attempts: 1 } } });
    const id2 = await s.run('terminate', { ids: [key], confirm: '1', readOnly: true });
    const job2 = await s.finished(id2);
    expect(job2.error).toMatch(/^refused: .*the console that queued it is in read-only mode/);
    expect(s.cloud.snapshot()).toEqual(before);
    const audit = await s.bus.audit.list();
    expect(audit.some((a) => a.jobId === id2)).toBe(true);
  });

  it('reports a resource that vanished since the scan, deletes the rest, and tells the consoles it is gone', async () => {
    s = startCloudJobs();
    let index = await scanned();
    const [vanished] = index.query({ type: 'key-pair', region: 'us-west-2' });
    const [kept] = index.query({ type: 'key-pair', region: 'eu-west-1' });
    // Someone else deletes it between our scan and our delete.
    await s.cloud.deleteResource(vanished, { emptyBucket: false });

    const id = await s.run('terminate', { ids: [resourceKey(vanished), resourceKey(kept)], confirm: '2' });
    const result = await s.result('terminate', id);
    expect(result.missing).toEqual([resourceKey(vanished)]);
    expect(result.deleted.map((r) => r.id)).toEqual([kept.id]);
    expect((await s.logs(id)).join('\n')).toContain(
      `${resourceKey(vanished)}: not found in the cloud any more (vanished since the scan); nothing to delete`,
    );
    for (const e of s.ofJob(id)) index = applyCloudEvent(index, e, '000000000000');
    expect(index.get(vanished.region, vanished.id)).toBeUndefined();
    expect(index.get(kept.region, kept.id)).toBeUndefined();
  });

  it('finds a bare id in whatever region it is', async () => {
    s = startCloudJobs();
    const index = await scanned();
    const [key] = index.query({ type: 'key-pair', region: 'ap-northeast-1' });
    const id = await s.run('terminate', { ids: [key.id], confirm: '1' });
    const result = await s.result('terminate', id);
    expect(result.deleted).toEqual([expect.objectContaining({ id: key.id, region: 'ap-northeast-1' })]);
  });

  it('empties a bucket only when that was confirmed, and fails naming it otherwise', async () => {
    s = startCloudJobs({ policies: { terminate: { attempts: 1 } } });
    const index = await scanned();
    const bucket = index.query({ type: 'bucket' }).find((b) => b.detail !== 'empty')!;
    const kept = await s.run('terminate', { ids: [resourceKey(bucket)], confirm: '1' });
    const job = await s.finished(kept);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(
      new RegExp(`^deleted 0 of 1; 1 could not be deleted: ${bucket.id} \\(bucket.*BucketNotEmpty`),
    );
    expect(s.cloud.snapshot().some((r) => r.id === bucket.id)).toBe(true);

    const emptied = await s.run('terminate', {
      ids: [resourceKey(bucket)],
      confirm: '1',
      emptyBuckets: true,
    });
    const result = await s.result('terminate', emptied);
    expect(result.deleted.map((r) => r.id)).toEqual([bucket.id]);
    expect(s.cloud.snapshot().some((r) => r.id === bucket.id)).toBe(false);
    expect((await s.logs(emptied)).some((l) => l.includes('object versions'))).toBe(true);
  });

  it('waits for the instances to terminate before deleting what they use', async () => {
    // Instances take a while to terminate here, as on AWS; the group can only go once they have.
    s = startCloudJobs({
      cloud: new DemoCloud({ ...quick, transitionMs: 150 }),
      policies: { terminate: { attempts: 1 } },
    });
    const index = await scanned();
    const referenced = new Set(
      index.query({ type: 'security-group' }).flatMap((g) => g.refs.securityGroups ?? []),
    );
    const group = index
      .query({ type: 'security-group', region: 'eu-west-1' })
      .find(
        (g) =>
          !g.implicit &&
          !referenced.has(g.id) &&
          index.query({ type: 'instance' }).some((i) => i.refs.securityGroups?.includes(g.id)),
      )!;
    const users = index
      .query({ type: 'instance', region: group.region })
      .filter((i) => i.refs.securityGroups?.includes(group.id));
    const ids = [...users, group].map(resourceKey);
    const id = await s.run('terminate', { ids, confirm: String(ids.length) });
    await s.result('terminate', id);
    const order = goneOrder(s, id);
    for (const u of users) expect(order.indexOf(u.id)).toBeLessThan(order.indexOf(group.id));
    const stateChanges = s
      .ofJob(id, 'resource.changed')
      .flatMap((e) => (e.data as ResourceChangedEventData).changes)
      .filter((c) => c.kind === 'state' && c.id === users[0].id)
      .map((c) => (c.kind === 'state' ? c.state : ''));
    expect(stateChanges).toEqual(['shutting-down', 'terminated']);
  });
});

describe('a terminate job run again', () => {
  let s: CloudJobSession;
  afterEach(() => s?.close());

  it('a DependencyViolation that outlives its retries ends the job at once; retried later, it re-reads what is left', async () => {
    s = startCloudJobs({ policies: { terminate: { attempts: 2, backoffMs: 50 } } });
    const scan = await s.run('scan', { regions: ['eu-west-1'], buckets: false });
    await s.result('scan', scan);
    let index = ResourceIndex.empty();
    for (const e of s.events) index = applyCloudEvent(index, e);
    // A group another team's group still references: the first attempt cannot delete it.
    const referrer = index
      .query({ type: 'security-group' })
      .find((g) => g.refs.securityGroups?.length && !g.implicit)!;
    const group = index.get('eu-west-1', referrer.refs.securityGroups![0])!;
    const key = index.query({ type: 'key-pair', region: 'eu-west-1' })[0];
    const users = index.query({ type: 'instance' }).filter((i) => i.refs.securityGroups?.includes(group.id));
    const ids = [...users, group, key].map(resourceKey);

    const id = await s.run('terminate', { ids, confirm: String(ids.length) });
    // Waiting minutes more would not change it: no job-level retry.
    const failed = await s.finished(id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed.error).toMatch(/could not be deleted: .*DependencyViolation/);
    // The other team removes its rule; the operator retries the job.
    expect(await s.cloud.revokeGroupReferences('eu-west-1', referrer.id, [group.id])).toBeGreaterThan(0);
    await s.bus.queue.retry(id);

    const result = await s.result('terminate', id);
    expect(result.deleted.map((r) => r.id)).toEqual([group.id]);
    expect(result.missing.sort()).toEqual([resourceKey(key)]);
    expect(result.gone.map((r) => r.id).sort()).toEqual(users.map((u) => u.id).sort());
    expect(s.cloud.snapshot().some((r) => r.id === group.id)).toBe(false);
  });
});
