import type { DeletionPlan } from '../../domain/dependencyGraph';
import { describeResource, type Resource, type ResourceChange, resourceKey } from '../../domain/resource';
import { errorCode, errorMessage, isAbort, isLasting, throwIfAborted } from './cloudError';
import type { CloudProvider } from './cloudProvider';
import { mapLimit } from './mapLimit';

export interface DeleteProgress {
  step: number;
  total: number;
  message: string;
}

export interface DeleteRunOptions {
  /** The user confirmed that buckets are emptied (every object version) before they are deleted. */
  emptyBuckets: boolean;
  signal?: AbortSignal;
  /** Resources of one level deleted at once (default 8). */
  concurrency?: number;
  /** For instance termination (defaults of the provider otherwise). */
  waitTimeoutMs?: number;
  pollMs?: number;
  onProgress?: (p: DeleteProgress) => void;
  log?: (line: string) => void;
  /** Each change the moment it happens, for the resource index. */
  onChange?: (change: ResourceChange) => void;
}

export interface DeleteReport {
  deleted: Resource[];
  /** Already gone when we came to delete them. */
  gone: Resource[];
  skipped: { resource: Resource; reason: string }[];
  /** `lasting`: trying again soon cannot change it (see `isLasting`). */
  failed: { resource: Resource; error: string; lasting: boolean }[];
  /** Not tried because something they wait for failed. */
  notAttempted: { resource: Resource; reason: string }[];
  changes: ResourceChange[];
}

/**
 * Carries out a deletion plan level by level: instances are terminated and waited for before the groups,
 * subnets and VPCs they hold on to. A failure does not stop the run; what waits for the failed resource is
 * not attempted (it would only fail with DependencyViolation after minutes of retries).
 */
export async function deleteInOrder(
  provider: CloudProvider,
  plan: DeletionPlan,
  options: DeleteRunOptions,
): Promise<DeleteReport> {
  const { signal } = options;
  const report: DeleteReport = {
    deleted: [],
    gone: [],
    skipped: [],
    failed: [],
    notAttempted: [],
    changes: [],
  };
  const nodes = plan.levels.flat();
  const total = plan.revokeRulesFirst.length + nodes.length + plan.skipped.length;
  let step = 0;
  const progress = (message: string) => {
    step++;
    options.log?.(message);
    options.onProgress?.({ step, total, message });
  };
  const change = (c: ResourceChange) => {
    report.changes.push(c);
    options.onChange?.(c);
  };
  options.onProgress?.({
    step: 0,
    total,
    message: `deleting ${nodes.length} resources in ${plan.levels.length} levels`,
  });

  for (const { resource, reason } of plan.skipped) {
    report.skipped.push({ resource, reason });
    progress(`skipped ${describeResource(resource, 'full')}: ${reason}`);
  }

  for (const { group, references } of plan.revokeRulesFirst) {
    throwIfAborted(signal);
    try {
      const n = await provider.revokeGroupReferences(group.region, group.id, references, signal);
      progress(`revoked ${n} rule${n === 1 ? '' : 's'} of ${group.id} referencing ${references.join(', ')}`);
    } catch (err) {
      if (isAbort(err)) throw err;
      progress(
        `could not revoke the rules of ${group.id} referencing ${references.join(', ')}: ${errorMessage(err)}`,
      );
    }
  }

  const predecessors = new Map<string, Resource[]>();
  for (const [before, after] of plan.edges) {
    const list = predecessors.get(resourceKey(after)) ?? [];
    list.push(before);
    predecessors.set(resourceKey(after), list);
  }
  const settled = new Set<string>();

  for (const level of plan.levels) {
    throwIfAborted(signal);
    const ready: Resource[] = [];
    for (const r of level) {
      const blocker = predecessors.get(resourceKey(r))?.find((p) => !settled.has(resourceKey(p)));
      if (blocker) {
        const reason = `not attempted: ${blocker.id} (${blocker.type}) could not be deleted first`;
        report.notAttempted.push({ resource: r, reason });
        progress(`${describeResource(r, 'full')}: ${reason}`);
      } else ready.push(r);
    }

    const terminating: Resource[] = [];
    await mapLimit(ready, options.concurrency ?? 8, async (r) => {
      try {
        const outcome = await provider.deleteResource(r, {
          emptyBucket: options.emptyBuckets,
          signal,
          log: options.log,
        });
        switch (outcome.status) {
          case 'terminating':
            terminating.push(r);
            change({ kind: 'state', region: r.region, id: r.id, state: 'shutting-down' });
            options.log?.(`${describeResource(r, 'full')}: ${outcome.message}`);
            return;
          case 'deleted':
            report.deleted.push(r);
            settled.add(resourceKey(r));
            change({ kind: 'deleted', region: r.region, id: r.id });
            progress(`deleted ${describeResource(r, 'full')}`);
            return;
          case 'gone':
            report.gone.push(r);
            settled.add(resourceKey(r));
            change({ kind: 'deleted', region: r.region, id: r.id });
            progress(`${describeResource(r, 'full')} was already gone`);
            return;
          case 'skipped':
            report.skipped.push({ resource: r, reason: outcome.message });
            settled.add(resourceKey(r));
            progress(`skipped ${describeResource(r, 'full')}: ${outcome.message}`);
            return;
        }
      } catch (err) {
        if (isAbort(err)) throw err;
        const code = errorCode(err);
        const error = `${code && !errorMessage(err).includes(code) ? `${code}: ` : ''}${errorMessage(err)}`;
        report.failed.push({ resource: r, error, lasting: isLasting(err) });
        progress(`could not delete ${describeResource(r, 'full')}: ${error}`);
      }
    });

    // Groups, subnets and volumes stay in use until their instances are really terminated.
    if (terminating.length > 0)
      options.onProgress?.({
        step,
        total,
        message: `waiting for ${terminating.length} server${terminating.length === 1 ? '' : 's'} to terminate: ${terminating.map((r) => r.id).join(', ')}`,
      });
    await mapLimit(terminating, 16, async (r) => {
      try {
        await provider.waitInstanceState(r.region, r.id, 'terminated', {
          signal,
          timeoutMs: options.waitTimeoutMs,
          pollMs: options.pollMs,
        });
        report.deleted.push(r);
        settled.add(resourceKey(r));
        change({ kind: 'state', region: r.region, id: r.id, state: 'terminated' });
        progress(`terminated ${describeResource(r, 'full')}`);
      } catch (err) {
        if (isAbort(err)) throw err;
        report.failed.push({
          resource: r,
          error: `termination did not finish: ${errorMessage(err)}`,
          lasting: false,
        });
        progress(`${describeResource(r, 'full')}: termination did not finish: ${errorMessage(err)}`);
      }
    });
  }
  return report;
}
