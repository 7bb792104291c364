import { planDeletion } from '../../domain/dependencyGraph';
import { destroyTargets } from '../../domain/destroyTargets';
import type { DestroyPayload, DestroyResult, RecordedResourceView } from '../../domain/projectJobs';
import type { Resource } from '../../domain/resource';
import type { JobContext } from '../bus/contracts';
import { abortError, ExplainedError, errorMessage, isAbort } from '../cloud/cloudError';
import { deleteInOrder } from '../cloud/deleteInOrder';
import { jobSignal, type ProjectJobDeps, refuseReadOnly } from './deployProject';
import { lookUpProject } from './lookUpProject';
import { acquireProjectLock } from './projectLock';
import { RefusalError } from './refusal';
import { ResourceFeed } from './resourceFeed';
import { readStateFile, StateFileError, StateRecorder } from './stateFile';

/** A destroy's saved state (`ctx.flow`): what it deleted so far, over all its attempts. */
interface DestroyProgress {
  deleted: RecordedResourceView[];
}

/**
 * The destroy job: everything of the project — what its state file lists and what carries its tag — deleted
 * in reverse dependency order by `deleteInOrder` (servers terminated and waited for before their groups and
 * subnets, subnets before route tables, everything before the VPC). With `rollbackOf` only what that deploy
 * created goes. Each delete is written to the state file and told to every console (`resource.changed`) as it
 * happens; a failure leaves the rest listed.
 */
export async function destroyProject(
  payload: DestroyPayload,
  ctx: JobContext,
  deps: ProjectJobDeps,
): Promise<DestroyResult> {
  const { project, rollbackOf } = payload;
  const what = rollbackOf ? `rollback of deploy ${rollbackOf}` : 'destroy';
  refuseReadOnly(what, project, payload.readOnly, deps.readOnly);

  const read = await readStateFile(deps.dataDir, project);
  if (!read.ok) {
    const err = new StateFileError(
      read.file,
      read.errors,
      `the state file of ${project} is not valid; fix it (or move it aside) and run the job again — it is never overwritten`,
    );
    throw new RefusalError('blocked', err.message);
  }
  const region = read.state?.region ?? payload.blueprint?.region;
  if (!region) {
    throw new RefusalError(
      'nothing-known',
      `nothing is known of project ${project}: it has no state file and the job carries no blueprint (its region is unknown)`,
    );
  }
  const isProtected = Boolean(read.state?.protected || payload.blueprint?.protected);
  if (isProtected && payload.confirmName !== project) {
    throw new RefusalError(
      'protected',
      `${project} is protected: type the project's name to confirm the ${what} (confirmName: ${project}); nothing was changed`,
    );
  }

  const lock = await acquireProjectLock(
    deps.dataDir,
    project,
    { jobId: ctx.jobId, kind: 'destroy' },
    { ...deps.lock, signal: ctx.signal },
  );
  const signal = jobSignal(ctx.signal, lock.lost);
  const now = deps.now ?? Date.now;
  const feed = new ResourceFeed(ctx, deps.cloud);
  try {
    const recorder = await StateRecorder.open(
      deps.dataDir,
      project,
      { region, protected: isProtected },
      now,
    ).catch((err: unknown) => {
      throw err instanceof StateFileError ? new RefusalError('blocked', err.message) : err;
    });
    if (rollbackOf && !recorder.state.resources.some((r) => r.deployId === rollbackOf)) {
      await ctx.log(`the state file lists nothing made by deploy ${rollbackOf}; looking for its tag`, 'info');
    }

    const tagged = await lookUpProject(deps.cloud, project, region, signal, recorder.state);
    const targets = destroyTargets(tagged, recorder.state.resources, rollbackOf);
    const logicalOf = new Map(recorder.state.resources.map((r) => [r.id, r.logicalId]));

    const plan = planDeletion(targets, tagged);
    // What earlier attempts of this job deleted (a worker killed or stopped mid-destroy): the state file no longer
    // lists it, so the job keeps it in its own saved state, and its result counts every attempt's deletes.
    const earlier = ctx.flow.state<DestroyProgress>()?.deleted ?? [];
    const targetIds = new Set(targets.map((r) => r.id));
    // Their steps are done: this attempt's steps and total start after them, so a destroy taken over reads 16/16
    // at its end, not the 4/4 its last attempt carried out.
    const before = earlier.filter((r) => !targetIds.has(r.id)).length;
    await ctx.log(
      `${what} of ${project} in ${region}: ${targets.length} resource${targets.length === 1 ? '' : 's'} in ${plan.levels.length} level${plan.levels.length === 1 ? '' : 's'}` +
        (before ? ` (${before} deleted by an earlier attempt)` : '') +
        (payload.emptyBuckets ? '; buckets are emptied first (confirmed)' : ''),
      'info',
    );
    for (const w of plan.warnings) await ctx.log(`warning: ${w.message}`, 'stderr');
    await recorder.update((s) => {
      s.lifecycle = 'destroy';
      s.status = 'in_progress';
      s.lastJob = {
        jobId: ctx.jobId,
        kind: 'destroy',
        ...(rollbackOf ? { deployId: rollbackOf, rollback: true } : {}),
        startedAt: now(),
      };
    });

    const result: DestroyResult = {
      project,
      ...(rollbackOf ? { rollbackOf } : {}),
      deleted: [],
      gone: [],
      stateFile: recorder.file,
    };
    const viewOf = (r: Resource): RecordedResourceView => ({
      logicalId: logicalOf.get(r.id) ?? r.tags['infradeck:logical-id'] ?? r.id,
      type: r.type,
      id: r.id,
    });
    const deletedHere: RecordedResourceView[] = [];
    let saved: Promise<void> = Promise.resolve();
    let step = before;
    let total = before;
    let report: Awaited<ReturnType<typeof deleteInOrder>>;
    try {
      report = await deleteInOrder(deps.cloud, plan, {
        emptyBuckets: payload.emptyBuckets,
        signal,
        onProgress: (p) => {
          step = before + p.step;
          total = before + p.total;
          ctx.progress(step, total, p.message);
        },
        log: (line) => void ctx.log(line, 'info'),
        onChange: (c) => {
          feed.publish([c]);
          if (c.kind === 'deleted' || (c.kind === 'state' && c.state === 'terminated')) {
            const r = tagged.find((t) => t.id === c.id);
            if (r) {
              deletedHere.push(viewOf(r));
              const progress: DestroyProgress = { deleted: [...earlier, ...deletedHere] };
              saved = saved.then(() => ctx.flow.save(progress)).catch(() => {});
            }
            // A failed write is reported by the flush below.
            recorder
              .update((s) => {
                s.resources = s.resources.filter((r) => r.id !== c.id);
              })
              .catch(() => {});
          }
        },
      });
      await recorder.flush();
    } catch (err) {
      const stopped = isAbort(err) || signal.aborted;
      const message = stopped ? `stopped after ${step} of ${total} steps` : errorMessage(err);
      await recorder
        .update((s) => {
          s.status = 'error';
          if (s.lastJob) Object.assign(s.lastJob, { finishedAt: now(), error: message, step, total });
        })
        .catch(() => {});
      if (stopped && ctx.signal.aborted) throw abortError(ctx.signal);
      throw err;
    }

    await saved;
    const here = new Set(report.deleted.map((r) => r.id));
    result.deleted = [...earlier.filter((r) => !here.has(r.id)), ...report.deleted.map(viewOf)];
    result.gone = report.gone.map(viewOf);
    const problems = [
      ...report.failed.map((f) => `${f.resource.type} ${f.resource.id}: ${f.error}`),
      ...report.notAttempted.map((n) => `${n.resource.type} ${n.resource.id}: ${n.reason}`),
      ...plan.cycles.map(
        (c) => `a dependency cycle that cannot be broken: ${c.map((r) => r.id).join(' -> ')}`,
      ),
      ...plan.blocked.map((r) => `${r.type} ${r.id}: waits for a resource in that cycle`),
    ];
    const left = recorder.state.resources.filter((r) => r.lifecycle !== 'destroyed');
    await recorder.update((s) => {
      s.status = problems.length > 0 ? 'error' : 'done';
      s.lifecycle = problems.length > 0 ? 'destroy' : left.length > 0 ? 'provisioned' : 'destroyed';
      // Creates in flight of what was removed are over: a later deploy starts them afresh.
      s.pending = rollbackOf ? s.pending.filter((p) => p.deployId !== rollbackOf) : [];
      if (s.lastJob)
        Object.assign(s.lastJob, {
          finishedAt: now(),
          step,
          total,
          ...(problems.length ? { error: problems.join('; ') } : {}),
        });
    });
    if (problems.length > 0) {
      // A DependencyViolation that outlived its retries, a refusal: running the job again now changes nothing.
      throw new ExplainedError(
        `${what} of ${project} did not finish: ${problems.length} resource${problems.length === 1 ? '' : 's'} could not be deleted:\n  ${problems.join('\n  ')}\n` +
          `${left.length} resource${left.length === 1 ? ' is' : 's are'} still recorded in ${recorder.file}; run the ${what} again once fixed`,
        { permanent: report.failed.every((f) => f.lasting) },
      );
    }
    ctx.progress(total, total, `${what} of ${project} done`);
    return result;
  } finally {
    await feed.flush();
    await lock.release();
  }
}
