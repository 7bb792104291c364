import { describe, expect, it } from 'vitest';
import { parseBlueprint } from '../../src/domain/blueprintSource';
import type { JobView } from '../../src/domain/job';
import type { ProjectEntry } from '../../src/domain/projectEntry';
import type { ProjectState } from '../../src/domain/projectState';
import { ResourceIndex } from '../../src/domain/resource';
import { projectRows } from '../../src/state/selectors/projects';
import { exampleText } from './deploymentsHarness';

function shopEntry(state?: Partial<ProjectState>): ProjectEntry {
  const parsed = parseBlueprint('/ws/projects/shop.yaml', exampleText('shop'));
  return {
    file: '/ws/projects/shop.yaml',
    name: 'shop',
    sha256: parsed.sha256,
    blueprint: parsed.blueprint,
    errors: [],
    stateFile: '/ws/state/shop.json',
    stateErrors: [],
    ...(state
      ? {
          state: {
            version: 1,
            project: 'shop',
            region: 'eu-west-1',
            protected: false,
            lifecycle: 'provision',
            status: 'in_progress',
            updatedAt: 1,
            resources: [],
            pending: [],
            ...state,
          },
        }
      : {}),
  };
}

function job(id: string, status: JobView['status'], payload: unknown = { project: 'shop' }): JobView {
  return {
    id,
    kind: 'deploy',
    status,
    step: 3,
    total: 12,
    attempts: 1,
    maxAttempts: 1,
    requestedBy: { user: 'ada', host: 'jump1' },
    createdAt: Number(id),
    payload,
  };
}

const rowsWith = (entry: ProjectEntry, jobs: JobView[], queuedHere: Record<string, string> = {}) =>
  projectRows([entry], ResourceIndex.empty(), new Map(jobs.map((j) => [j.id, j])), queuedHere);

describe('the status of a project row', () => {
  it('follows the newest job of the project: queued, running, then what the state file says', () => {
    expect(rowsWith(shopEntry(), [job('1', 'queued')])[0]).toMatchObject({
      status: 'queued',
      sync: 'not deployed',
    });
    expect(rowsWith(shopEntry(), [job('1', 'completed'), job('2', 'active')])[0].status).toBe('in_progress');
    expect(
      rowsWith(shopEntry({ status: 'done', lifecycle: 'provisioned' }), [job('2', 'completed')])[0],
    ).toMatchObject({ status: 'done', lifecycle: 'provisioned' });
  });

  it('a job just completed while the state file read says in_progress is not a dead worker', () => {
    expect(rowsWith(shopEntry({ status: 'in_progress' }), [job('4', 'completed')])[0].status).toBe(
      'in_progress',
    );
    // A job that failed or was cancelled with the file left in_progress: the worker stopped half way.
    expect(rowsWith(shopEntry({ status: 'in_progress' }), [job('4', 'cancelled')])[0].status).toBe('error');
  });

  it('a refused job makes the row rejected; a job queued here counts before the list has its payload', () => {
    const refused = { ...job('5', 'failed'), error: 'refused: destroy of shop: read-only mode' };
    expect(rowsWith(shopEntry(), [refused])[0].status).toBe('rejected');
    const placeholder = { ...job('6', 'active'), payload: undefined };
    expect(rowsWith(shopEntry(), [placeholder])[0].status).toBe('ready');
    expect(rowsWith(shopEntry(), [placeholder], { 6: 'shop' })[0]).toMatchObject({
      status: 'in_progress',
      job: { id: '6' },
    });
  });
});

describe('one answer to "is it deployed?" in a project row', () => {
  // What a deploy of shop recorded: a VPC and a server.
  const deployed = shopEntry({
    status: 'done',
    lifecycle: 'provisioned',
    resources: [
      {
        logicalId: 'vpc',
        type: 'vpc',
        id: 'vpc-0aa',
        region: 'eu-west-1',
        deployId: 'd-1',
        createdAt: 1,
        lifecycle: 'provisioned',
      },
      {
        logicalId: 'instances:web',
        type: 'instance',
        id: 'i-0bb',
        region: 'eu-west-1',
        deployId: 'd-1',
        createdAt: 1,
        lifecycle: 'provisioned',
      },
    ],
  });
  const scanOf = (region: string, error?: string) => ({
    account: '1',
    region,
    scannedAt: 1,
    resources: [],
    ...(error ? { error } : {}),
  });
  const rowAgainst = (index: ResourceIndex) => projectRows([deployed], index, new Map(), {})[0];

  it('a region nobody has read says nothing, rather than "not deployed" next to "provisioned"', () => {
    expect(rowAgainst(ResourceIndex.empty())).toMatchObject({ lifecycle: 'provisioned', sync: undefined });
    // Another region's scan says nothing of eu-west-1; a scan of it that failed before reading anything neither.
    expect(rowAgainst(ResourceIndex.fromScans([scanOf('us-east-1')])).sync).toBeUndefined();
    expect(
      rowAgainst(ResourceIndex.empty().withScan(scanOf('eu-west-1', 'AccessDenied'))).sync,
    ).toBeUndefined();
  });

  it('a region read without any of what the deploy made says its resources vanished', () => {
    expect(rowAgainst(ResourceIndex.fromScans([scanOf('eu-west-1')]))).toMatchObject({
      lifecycle: 'provisioned',
      sync: 'vanished',
    });
  });

  it('a project never deployed is still "not deployed", scanned or not', () => {
    expect(projectRows([shopEntry()], ResourceIndex.empty(), new Map(), {})[0].sync).toBe('not deployed');
    const scanned = ResourceIndex.fromScans([scanOf('eu-west-1')]);
    expect(projectRows([shopEntry()], scanned, new Map(), {})[0].sync).toBe('not deployed');
  });
});
