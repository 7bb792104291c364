import { afterEach, describe, expect, it } from 'vitest';
import type { ResourceChangedEventData } from '../../src/domain/cloudJobs';
import { projectTag, type Resource } from '../../src/domain/resource';
import { DemoCloud } from '../../src/services/cloud/demoCloud';
import { type CloudJobSession, quick, startCloudJobs } from './cloudJobHarness';

function liveOf(cloud: DemoCloud, project: string): Resource[] {
  return cloud
    .snapshot()
    .filter((r) => r.type === 'instance' && r.tags[projectTag] === project && r.state !== 'terminated');
}

function statesSeen(s: CloudJobSession, jobId: string, instanceId: string): string[] {
  return s
    .ofJob(jobId, 'resource.changed')
    .flatMap((e) => (e.data as ResourceChangedEventData).changes)
    .flatMap((c) => (c.kind === 'state' && c.id === instanceId ? [c.state] : []));
}

describe('the power job', () => {
  let s: CloudJobSession;
  afterEach(() => s?.close());

  it('stops every instance of a project as one job, a step per instance, and starts them again', async () => {
    s = startCloudJobs({ cloud: new DemoCloud({ ...quick, transitionMs: 30 }) });
    const web = liveOf(s.cloud, 'web');
    expect(web.length).toBeGreaterThan(5);
    expect(new Set(web.map((r) => r.region)).size).toBeGreaterThan(1);
    const running = web.find((r) => r.state === 'running')!;

    const off = await s.run('power', { project: 'web', on: false });
    const stopped = await s.result('power', off);
    expect(stopped.instances.map((o) => o.id).sort()).toEqual(web.map((r) => r.id).sort());
    expect(stopped.instances.every((o) => o.current === 'stopped' && !o.error)).toBe(true);
    expect(liveOf(s.cloud, 'web').map((r) => r.state)).toEqual(web.map(() => 'stopped'));
    expect(statesSeen(s, off, running.id)).toEqual(['stopping', 'stopped']);
    const job = await s.finished(off);
    expect([job.step, job.total]).toEqual([web.length, web.length]);
    const lines = await s.logs(off);
    for (const r of web) expect(lines).toContain(`${r.id} (${r.name}) in ${r.region}: stopped`);
    // Other projects are left alone.
    expect(liveOf(s.cloud, 'data').some((r) => r.state === 'running')).toBe(true);

    const on = await s.run('power', { project: 'web', on: true });
    const started = await s.result('power', on);
    expect(started.instances.every((o) => o.previous === 'stopped' && o.current === 'running')).toBe(true);
    expect(liveOf(s.cloud, 'web').every((r) => r.state === 'running')).toBe(true);
    expect(statesSeen(s, on, running.id)).toEqual(['pending', 'running']);
  });

  it('is safe to run twice: instances already there are left as they are', async () => {
    s = startCloudJobs();
    await s.result('power', await s.run('power', { project: 'ci', on: false }));
    const again = await s.result('power', await s.run('power', { project: 'ci', on: false }));
    expect(again.instances.length).toBeGreaterThan(0);
    expect(again.instances.every((o) => o.previous === 'stopped' && o.current === 'stopped')).toBe(true);
  });

  it('completes with nothing to do for a project without instances, and says so', async () => {
    s = startCloudJobs();
    const id = await s.run('power', { project: 'nobody', on: true });
    expect((await s.result('power', id)).instances).toEqual([]);
    expect(await s.logs(id)).toContain(`no live instances tagged ${projectTag}=nobody: nothing to do`);
  });

  it('is refused by a read-only worker, and nothing starts', async () => {
    s = startCloudJobs({ readOnly: true, policies: { power: { attempts: 1 } } });
    const before = liveOf(s.cloud, 'web').map((r) => r.state);
    const id = await s.run('power', { project: 'web', on: false });
    const job = await s.finished(id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/^refused: power off of project web: read-only mode/);
    expect(liveOf(s.cloud, 'web').map((r) => r.state)).toEqual(before);
  });
});

describe('the instances job (Servers screen actions)', () => {
  let s: CloudJobSession;
  afterEach(() => s?.close());

  function runningIn(region: string): Resource[] {
    return s.cloud
      .snapshot()
      .filter((r) => r.type === 'instance' && r.region === region && r.state === 'running');
  }

  it('stops and starts instances, and reports an id that no longer exists without failing', async () => {
    s = startCloudJobs();
    const [a, b] = runningIn('eu-west-1');
    const gone = 'i-0123456789abcdef0';
    const stop = await s.run('instances', { action: 'stop', region: 'eu-west-1', ids: [a.id, b.id, gone] });
    const stopped = await s.result('instances', stop);
    expect(stopped.missing).toEqual([gone]);
    expect(stopped.instances.map((o) => [o.id, o.previous, o.current])).toEqual([
      [a.id, 'running', 'stopped'],
      [b.id, 'running', 'stopped'],
    ]);
    const changes = s
      .ofJob(stop, 'resource.changed')
      .flatMap((e) => (e.data as ResourceChangedEventData).changes);
    expect(changes).toContainEqual({ kind: 'deleted', region: 'eu-west-1', id: gone });
    expect(changes).toContainEqual({ kind: 'state', region: 'eu-west-1', id: a.id, state: 'stopped' });

    const start = await s.run('instances', { action: 'start', region: 'eu-west-1', ids: [a.id] });
    expect((await s.result('instances', start)).instances[0]).toMatchObject({ id: a.id, current: 'running' });
  });

  it('reboots what runs and fails naming the instance that cannot be rebooted', async () => {
    s = startCloudJobs({ policies: { instances: { attempts: 1 } } });
    const [a, b] = runningIn('us-east-1');
    await s.result(
      'instances',
      await s.run('instances', { action: 'stop', region: 'us-east-1', ids: [b.id] }),
    );

    const id = await s.run('instances', { action: 'reboot', region: 'us-east-1', ids: [a.id, b.id] });
    const job = await s.finished(id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(
      new RegExp(`^reboot of 2 instances in us-east-1: 1 of 2 failed: ${b.id}: IncorrectInstanceState`),
    );
    const lines = await s.logs(id);
    expect(lines).toContain(`${a.id} (${a.name}): reboot requested`);
    expect([job.step, job.total]).toEqual([2, 2]);
  });

  it('is refused in read-only mode stamped by the console', async () => {
    s = startCloudJobs({ policies: { instances: { attempts: 1 } } });
    const [a] = runningIn('eu-west-1');
    const id = await s.run('instances', { action: 'stop', region: 'eu-west-1', ids: [a.id], readOnly: true });
    expect((await s.finished(id)).error).toMatch(/^refused: stop of 1 instance in eu-west-1: read-only mode/);
    expect(runningIn('eu-west-1').map((r) => r.id)).toContain(a.id);
  });

  it('refuses an id that is not an instance id at enqueue', async () => {
    s = startCloudJobs();
    await expect(s.run('instances', { action: 'stop', region: 'eu-west-1', ids: ['vpc-1'] })).rejects.toThrow(
      /instances payload: ids\.0: not an instance id/,
    );
  });
});
