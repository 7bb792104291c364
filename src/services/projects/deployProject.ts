import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Blueprint, Rule } from '../../domain/blueprint';
import { rulePorts } from '../../domain/blueprint';
import { planDeletion } from '../../domain/dependencyGraph';
import {
  type DesiredResource,
  deployIdTag,
  desiredResources,
  logicalIdTag,
} from '../../domain/desiredResources';
import {
  type DeployPlan,
  describePlan,
  type PlanAction,
  planDeploy,
  resourcesToDelete,
} from '../../domain/plan';
import type { DeployPayload, DeployResult, RecordedResourceView } from '../../domain/projectJobs';
import { liveStateResources, type ProjectState } from '../../domain/projectState';
import { projectTag, type Resource } from '../../domain/resource';
import type { JobContext } from '../bus/contracts';
import { abortError, ExplainedError, errorCode, errorMessage, isAbort, isLasting } from '../cloud/cloudError';
import type { CloudProvider, SecurityRule, Settings } from '../cloud/cloudProvider';
import { deleteInOrder } from '../cloud/deleteInOrder';
import { lookUpProject } from './lookUpProject';
import { acquireProjectLock, type LockOptions } from './projectLock';
import { RefusalError } from './refusal';
import { ResourceFeed } from './resourceFeed';
import { runGraph } from './runGraph';
import { StateFileError, StateRecorder } from './stateFile';
import { waitForServers } from './waitForServers';

/** What the deploy and destroy jobs need from the worker: the cloud, the data folder, the worker's flags. */
export interface ProjectJobDeps {
  cloud: CloudProvider;
  dataDir: string;
  /** The worker's own read-only flag (`infradeck worker --readonly`): it refuses every change. */
  readOnly?: boolean;
  /** Creates running at once (default 6): independent resources of one dependency level go together. */
  concurrency?: number;
  lock?: LockOptions;
  now?: () => number;
  /** How long launched servers may stay pending before the deploy gives up on them (default 10 minutes). */
  serverWaitMs?: number;
}

/**
 * The deploy job: plan the blueprint snapshot against what exists (the project's tags, asked of the cloud now,
 * and its state file), then carry the plan out — deletes first, newest dependants first, then creates in
 * dependency order with independent ones at once. Each resource is written to the state file the moment it
 * exists, and told to every console (`resource.changed`) as it is made, converged, started or deleted; servers
 * are waited for until they run, and the project is read back at the end, so the resource index holds what
 * the cloud holds. Safe to run again at any point: before each create it looks the resource up by its tags,
 * servers are launched with a ClientToken recorded before the call, so a retried or resumed job never makes a
 * duplicate.
 */
export async function deployProject(
  payload: DeployPayload,
  ctx: JobContext,
  deps: ProjectJobDeps,
): Promise<DeployResult> {
  const bp = payload.blueprint;
  const project = bp.name;
  refuseReadOnly('deploy', project, payload.readOnly, deps.readOnly);
  const deployId = payload.deployId ?? `job-${ctx.jobId}`;
  await ctx.log(
    `deploy ${deployId} of ${project} in ${bp.region}${payload.resumeOf ? `, resuming job ${payload.resumeOf}` : ''}`,
    'info',
  );
  await ctx.log(
    `working from the blueprint snapshot of ${payload.source.file} (sha256 ${payload.source.sha256.slice(0, 12)}) ` +
      'taken when the job was queued: editing, renaming or deleting that file since does not change this job',
    'info',
  );

  const lock = await acquireProjectLock(
    deps.dataDir,
    project,
    { jobId: ctx.jobId, kind: 'deploy' },
    { ...deps.lock, signal: ctx.signal },
  );
  try {
    return await new DeployRun(payload, ctx, deps, deployId, jobSignal(ctx.signal, lock.lost)).run();
  } finally {
    await lock.release();
  }
}

/**
 * Aborted by a cancel or when the project's lock is lost. Every cloud call of the job listens on it (one
 * listener per call in flight), so the default limit of 10 listeners would warn on stderr.
 */
export function jobSignal(job: AbortSignal, lockLost: AbortSignal): AbortSignal {
  const signal = AbortSignal.any([job, lockLost]);
  setMaxListeners(0, signal);
  return signal;
}

export function refuseReadOnly(
  what: string,
  project: string,
  fromPayload: boolean,
  fromWorker?: boolean,
): void {
  if (!fromPayload && !fromWorker) return;
  const by = fromWorker
    ? 'this worker runs with --readonly'
    : 'the console that queued it is in read-only mode';
  throw new RefusalError('read-only', `${what} of ${project}: read-only mode (${by}); nothing was changed`);
}

/** A ClientToken (at most 64 characters) that is the same for the same deploy, server group and count. */
export function clientTokenFor(deployId: string, logicalId: string, count: number): string {
  const hash = createHash('sha256').update(`${deployId}\n${logicalId}\n${count}`).digest('hex');
  return `infradeck-${hash.slice(0, 40)}`;
}

function view(r: Resource, logicalId: string): RecordedResourceView {
  return { logicalId, type: r.type, id: r.id };
}

class DeployRun {
  private readonly bp: Blueprint;
  private readonly project: string;
  private readonly region: string;
  private readonly now: () => number;
  private recorder!: StateRecorder;
  private plan!: DeployPlan;
  /** Cloud id of each non-server blueprint resource, as it is found or created. */
  private readonly ids = new Map<string, string>();
  /** Blueprint image (AMI id or SSM alias) -> the AMI id in the region. */
  private readonly images = new Map<string, string>();
  private readonly created: RecordedResourceView[] = [];
  /**
   * Made by this deploy (its id) before this attempt: an earlier attempt killed with its worker, failed, or handed
   * back, or an earlier job that this one resumes. Counted as created, never as unchanged, so a deploy taken over
   * after its first attempt made everything does not end with "0 created".
   */
  private readonly earlier: RecordedResourceView[] = [];
  /** Which deploy the state file said made each resource, as read when this attempt began. */
  private recordedDeploy = new Map<string, string>();
  private readonly deleted: RecordedResourceView[] = [];
  private readonly feed: ResourceFeed;
  private step = 0;
  private total = 0;
  /** The plan's unchanged blueprint resources that earlier attempts made: their steps are done. */
  private stepsBefore = 0;

  constructor(
    private readonly payload: DeployPayload,
    private readonly ctx: JobContext,
    private readonly deps: ProjectJobDeps,
    private readonly deployId: string,
    private readonly signal: AbortSignal,
  ) {
    this.bp = payload.blueprint;
    this.project = this.bp.name;
    this.region = this.bp.region;
    this.now = deps.now ?? Date.now;
    this.feed = new ResourceFeed(ctx, deps.cloud);
  }

  async run(): Promise<DeployResult> {
    try {
      return await this.deploy();
    } finally {
      await this.feed.flush();
    }
  }

  private async deploy(): Promise<DeployResult> {
    const { ctx, bp, project } = this;
    try {
      this.recorder = await StateRecorder.open(this.deps.dataDir, project, bp, this.now);
    } catch (err) {
      if (err instanceof StateFileError) throw new RefusalError('blocked', err.message);
      throw err;
    }
    this.recordedDeploy = new Map(this.recorder.state.resources.map((r) => [r.id, r.deployId]));
    const observed = await lookUpProject(
      this.deps.cloud,
      project,
      this.region,
      this.signal,
      this.recorder.state,
    );
    // Servers the state file lists but the tag look-up missed (EC2's lists lag behind launches): asked by id.
    const seen = new Set(observed.map((r) => r.id));
    const unseen = liveStateResources(this.recorder.state)
      .filter((r) => r.type === 'instance' && r.region === this.region && !seen.has(r.id))
      .map((r) => r.id);
    if (unseen.length > 0)
      observed.push(...(await this.deps.cloud.describeInstances(this.region, unseen, this.signal)));
    const plan = planDeploy({ blueprint: bp, resources: observed, state: this.recorder.state });
    this.plan = plan;
    if (plan.blockers.length > 0) {
      throw new RefusalError(
        'blocked',
        `deploy of ${project} cannot be carried out; nothing was changed:\n  ${plan.blockers.join('\n  ')}`,
      );
    }
    if (plan.needsConfirmation && this.payload.confirmName !== project) {
      const what = plan.actions
        .filter((a) => a.kind === 'delete' || a.kind === 'replace')
        .map((a) => a.title);
      throw new RefusalError(
        'protected',
        `${project} is protected and this deploy would delete or replace: ${what.join('; ')}. ` +
          `Type the project's name to confirm (confirmName: ${project}); nothing was changed`,
      );
    }
    this.stepsBefore = this.countEarlier(plan);
    const madeBefore = this.stepsBefore
      ? ` (${this.stepsBefore} made by an earlier attempt of deploy ${this.deployId})`
      : '';
    const planLine = `${describePlan(plan)}${madeBefore}`;
    // One line: the plan itself was shown when the deploy was asked for; each step below says what it did.
    await ctx.log(`plan: ${planLine} (sync: ${plan.sync})`, 'info');
    for (const r of plan.unmanaged)
      await ctx.log(
        `  ! ${r.type} ${r.id} carries the project tag but was not made by infradeck: left alone`,
        'info',
      );

    await this.resolveImages(plan);
    await this.begin();
    const deletion = planDeletion(resourcesToDelete(plan), observed);
    const deleteSteps =
      deletion.revokeRulesFirst.length + deletion.levels.flat().length + deletion.skipped.length;
    const creates = plan.actions.filter((a) => a.kind !== 'delete');
    // Steps and total count the whole deploy: what earlier attempts made is done, so a deploy taken over reads
    // 12/12 at its end, not the 2/2 its last attempt carried out.
    this.step = this.stepsBefore;
    this.total = this.stepsBefore + deleteSteps + creates.length;
    ctx.progress(this.step, this.total, planLine);

    try {
      if (deleteSteps > 0) await this.deleteFirst(deletion);
      await this.createInOrder(creates);
      await this.readBack();
    } catch (err) {
      await this.fail(err);
      throw err;
    }
    await this.recorder.update((s) => {
      s.lifecycle = 'provisioned';
      s.status = 'done';
      if (s.lastJob)
        Object.assign(s.lastJob, { finishedAt: this.now(), step: this.total, total: this.total });
    });
    ctx.progress(this.total, this.total, `deployed ${project}`);
    // What this deploy made, whichever of its attempts made it: what was there before it is what is unchanged.
    const unchanged = plan.unchanged.length - this.stepsBefore;
    const created = [...this.earlier, ...this.created];
    const byEarlier = this.earlier.length
      ? ` (${this.earlier.length} by an earlier attempt of deploy ${this.deployId})`
      : '';
    await ctx.log(
      `deployed ${project}: ${created.length} created${byEarlier}, ${this.deleted.length} deleted, ` +
        `${unchanged} unchanged; state in ${this.recorder.file}`,
      'info',
    );
    return {
      project,
      deployId: this.deployId,
      created,
      deleted: this.deleted,
      unchanged,
      actions: this.step,
      stateFile: this.recorder.file,
    };
  }

  /**
   * The project as the cloud has it now, told to the consoles: what a create answered is not always what is
   * (EC2 answers a new VPC as `pending`, a route table without the routes made after it). Only the index is
   * corrected by it; a read that fails is said in the log and changes nothing else.
   */
  private async readBack(): Promise<void> {
    try {
      this.feed.upsert(
        await lookUpProject(this.deps.cloud, this.project, this.region, this.signal, this.recorder.state),
      );
    } catch (err) {
      if (isAbort(err)) throw err;
      await this.ctx.log(
        `could not read ${this.project} back after the deploy: ${errorMessage(err)}`,
        'stderr',
      );
    }
  }

  /**
   * Every image the plan launches, resolved in the region before anything is changed: an AMI of another
   * region (or a mistyped alias) stops the deploy with nothing half made.
   */
  private async resolveImages(plan: DeployPlan): Promise<void> {
    const launches = new Set(
      plan.actions.filter((a) => a.kind === 'create' || a.kind === 'replace').map((a) => a.logicalId),
    );
    const wanted = (this.bp.compute?.instances ?? [])
      .map((inst, i) => ({ inst, i }))
      .filter(({ inst }) => launches.has(`instances:${inst.name}`));
    const problems: { text: string; lasting: boolean }[] = [];
    await Promise.all(
      [...new Set(wanted.map((w) => w.inst.ami))].map(async (ami) => {
        try {
          this.images.set(ami, await this.deps.cloud.resolveImage(this.region, ami, this.signal));
        } catch (err) {
          if (isAbort(err)) throw err;
          const where = wanted.filter((w) => w.inst.ami === ami).map((w) => `compute.instances[${w.i}].ami`);
          const code = errorCode(err);
          problems.push({
            text:
              `${where.join(', ')}: ${ami.startsWith('ssm:') ? 'SSM alias' : 'AMI'} ${ami} cannot be used in ` +
              `${this.region} (${code ? `${code}: ` : ''}${errorMessage(err)}); AMI ids differ per region: use an ` +
              `image of ${this.region} or an SSM alias (ssm:/aws/service/…)`,
            lasting: isLasting(err),
          });
        }
      }),
    );
    if (problems.length > 0)
      throw new ExplainedError(
        `deploy of ${this.project} stopped before any change:\n  ${problems.map((p) => p.text).join('\n  ')}`,
        { permanent: problems.every((p) => p.lasting) },
      );
    for (const [ami, id] of this.images)
      if (ami !== id) await this.ctx.log(`image ${ami} is ${id} in ${this.region}`, 'info');
  }

  /** Marks the deploy started and makes the state file list exactly what exists of the project. */
  private async begin(): Promise<void> {
    const { plan } = this;
    for (const [logicalId, list] of Object.entries(plan.existing)) {
      if (!logicalId.startsWith('instances:') && list[0]) this.ids.set(logicalId, list[0].id);
    }
    const vanished = new Set(plan.vanished.map((v) => v.id));
    const stillToCreate = new Set(
      plan.actions.filter((a) => a.kind === 'create' || a.kind === 'replace').map((a) => a.logicalId),
    );
    const now = this.now();
    await this.recorder.update((s) => {
      s.region = this.region;
      s.protected = this.bp.protected;
      s.lifecycle = 'provision';
      s.status = 'in_progress';
      s.lastJob = {
        jobId: this.ctx.jobId,
        kind: 'deploy',
        deployId: this.deployId,
        startedAt: now,
        blueprintSha256: this.payload.source.sha256,
        blueprintFile: this.payload.source.file,
      };
      s.resources = s.resources.filter((r) => !vanished.has(r.id));
      const known = new Set(s.resources.map((r) => r.id));
      // Found by tag but missing from the file (a lost write, a lost file): recorded now.
      for (const [logicalId, list] of Object.entries(plan.existing)) {
        for (const r of list) {
          if (known.has(r.id)) continue;
          s.resources.push(record(r, logicalId, r.tags[deployIdTag] ?? this.deployId, now));
        }
      }
      s.pending = s.pending.filter((p) => stillToCreate.has(p.logicalId));
    });
    for (const v of plan.vanished)
      await this.ctx.log(`${v.type} ${v.id} (${v.logicalId}) no longer exists`, 'info');
  }

  /**
   * Counts what the plan keeps that this deploy made before this attempt (see `earlier`); answers how many of the
   * plan's unchanged blueprint resources are wholly that: the steps earlier attempts carried out.
   */
  private countEarlier(plan: DeployPlan): number {
    const goes = new Set(
      plan.actions
        .filter((a) => a.kind === 'delete' || a.kind === 'replace')
        .flatMap((a) => (a.existing ?? []).map((r) => r.id)),
    );
    for (const [logicalId, list] of Object.entries(plan.existing))
      for (const r of list) if (!goes.has(r.id)) this.countIfEarlier(r, logicalId);
    const earlierIds = new Set(this.earlier.map((r) => r.id));
    return plan.unchanged.filter((logicalId) =>
      (plan.existing[logicalId] ?? []).every((r) => earlierIds.has(r.id)),
    ).length;
  }

  private progress(message: string): void {
    this.step++;
    this.ctx.progress(this.step, this.total, message);
  }

  private async deleteFirst(deletion: ReturnType<typeof planDeletion>): Promise<void> {
    const logicalOf = new Map<string, string>();
    for (const a of this.plan.actions) for (const r of a.existing ?? []) logicalOf.set(r.id, a.logicalId);
    const removed = (id: string) => {
      const logicalId = logicalOf.get(id) ?? id;
      const r = resourcesById(this.plan).get(id);
      if (r) this.deleted.push(view(r, logicalId));
      // A failed write is reported by the flush below.
      this.recorder
        .update((s) => {
          s.resources = s.resources.filter((x) => x.id !== id);
        })
        .catch(() => {});
    };
    const report = await deleteInOrder(this.deps.cloud, deletion, {
      emptyBuckets: false,
      signal: this.signal,
      onProgress: (p) => {
        this.step = this.stepsBefore + p.step;
        this.ctx.progress(this.step, this.total, p.message);
      },
      log: (line) => void this.ctx.log(line, 'info'),
      onChange: (c) => {
        this.feed.publish([c]);
        if (c.kind === 'deleted' || (c.kind === 'state' && c.state === 'terminated')) removed(c.id);
      },
    });
    await this.recorder.flush();
    const problems = [
      ...report.failed.map((f) => `${f.resource.type} ${f.resource.id}: ${f.error}`),
      ...report.notAttempted.map((n) => `${n.resource.type} ${n.resource.id}: ${n.reason}`),
      ...deletion.cycles.map(
        (c) => `a dependency cycle that cannot be broken: ${c.map((r) => r.id).join(' -> ')}`,
      ),
    ];
    if (problems.length > 0)
      throw new ExplainedError(`some deletes failed:\n  ${problems.join('\n  ')}`, {
        permanent: report.failed.every((f) => f.lasting),
      });
  }

  private async createInOrder(actions: PlanAction[]): Promise<void> {
    const desired = new Map(desiredResources(this.bp).map((d) => [d.logicalId, d]));
    const run = await runGraph(
      actions,
      this.deps.concurrency ?? 6,
      async (action) => {
        const d = desired.get(action.logicalId);
        if (!d) throw new Error(`${action.logicalId} is not in the blueprint`);
        const message =
          action.kind === 'update' ? await this.updateOne(action, d) : await this.createOne(action, d);
        this.progress(message);
      },
      this.signal,
    );
    if (this.signal.aborted) {
      if (this.ctx.signal.aborted) throw abortError(this.ctx.signal);
      throw new Error(`stopped: ${errorMessage(this.signal.reason)}`);
    }
    if (run.failed.length > 0) {
      const lines = run.failed.map(
        (f) => `${f.key.replace(/^(create|replace|update):/, '')}: ${errorMessage(f.error)}`,
      );
      const waiting = run.notAttempted.length
        ? `\nnot attempted (waiting for the above): ${run.notAttempted.map((k) => k.replace(/^(create|replace|update):/, '')).join(', ')}`
        : '';
      // Retrying the job cannot help when every failure is one that lasts (a refusal, a conflict, a bad value).
      throw new ExplainedError(`${lines.join('\n')}${waiting}`, {
        permanent: run.failed.every((f) => isLasting(f.error)),
      });
    }
  }

  private need(logicalId: string): string {
    const id = this.ids.get(logicalId);
    if (!id) throw new Error(`${logicalId} does not exist yet (it is created before this)`);
    return id;
  }

  /**
   * Records `r` in the state file; with `clearPending` its create's pending entry goes in the same write (two writes
   * would lose a bucket between them: its name no longer pending, the bucket not yet recorded, so no attempt owns it).
   */
  private async remember(r: Resource, logicalId: string, made: boolean, clearPending = false): Promise<void> {
    if (logicalId.startsWith('instances:') === false) this.ids.set(logicalId, r.id);
    const now = this.now();
    await this.recorder.update((s) => {
      if (clearPending) s.pending = s.pending.filter((p) => p.logicalId !== logicalId);
      if (!s.resources.some((x) => x.id === r.id && x.region === r.region))
        s.resources.push(record(r, logicalId, r.tags[deployIdTag] ?? this.deployId, now));
    });
    if (made) this.created.push(view(r, logicalId));
    else this.countIfEarlier(r, logicalId);
    this.feed.upsert([r]);
  }

  /**
   * Counts `r` as made by this deploy before this attempt when its `infradeck:deploy` tag names this deploy (or,
   * untagged — a bucket whose tags an earlier attempt had not set yet — when the state file says this deploy made it).
   */
  private countIfEarlier(r: Resource, logicalId: string): void {
    const madeBy = r.tags[deployIdTag] ?? this.recordedDeploy.get(r.id);
    if (madeBy !== this.deployId) return;
    if (this.earlier.some((x) => x.id === r.id) || this.created.some((x) => x.id === r.id)) return;
    this.earlier.push(view(r, logicalId));
  }

  /**
   * One blueprint resource that does not exist yet (or whose earlier create's answer was lost): created with a
   * single call, recorded in the state file the moment that call returns, then converged — its routes, rules,
   * attachments and bucket settings made as the blueprint says. A deploy killed anywhere in between finds the
   * resource on the next attempt (by its tags, or a bucket by the name recorded before the call) and converges
   * it, never refuses it and never makes it twice.
   */
  private async createOne(action: PlanAction, d: DesiredResource): Promise<string> {
    if (d.spec.kind === 'instances') return this.launch(action, d);
    const { cloud } = this.deps;
    const { region, signal } = this;
    const lookup = { [projectTag]: this.project, [logicalIdTag]: d.logicalId };
    // Made by an earlier attempt whose answer was lost: found by its tags, never made twice.
    const found = (await cloud.findByTags(region, d.type, lookup, signal)).filter((r) => !r.implicit);
    if (found.length > 0) {
      const r = oldest(found);
      await this.remember(r, d.logicalId, false);
      const changes = await this.converge(r, d);
      return `${d.type} ${r.id} (${d.logicalId}) was made by an earlier attempt: ${changes || 'nothing to finish'}`;
    }
    const tags = { ...d.tags, [deployIdTag]: this.deployId };
    const spec = d.spec;
    await this.recorder.update((s) => {
      s.pending = s.pending.filter((p) => p.logicalId !== d.logicalId);
      s.pending.push({
        logicalId: d.logicalId,
        deployId: this.deployId,
        ...(spec.kind === 'bucket' ? { name: spec.bucket.name } : {}),
        startedAt: this.now(),
      });
    });
    let r: Resource;
    try {
      r = await this.createCall(d, tags);
    } catch (err) {
      if (isAbort(err)) throw err;
      // Nothing was made: the name recorded before the call must not claim a bucket that is someone else's.
      await this.recorder.update((s) => {
        s.pending = s.pending.filter((p) => p.logicalId !== d.logicalId);
      });
      throw new ExplainedError(describeCreateError(err, d, this.bp), { cause: err });
    }
    await this.remember(r, d.logicalId, true, true);
    await this.ctx.log(`created ${d.type} ${r.id} (${d.logicalId})`, 'info');
    const changes = await this.converge(r, d, true);
    return `created ${d.logicalId} (${r.id})${changes ? `: ${changes}` : ''}`;
  }

  /** The one create call of a resource, with its tags where AWS takes them in that call. */
  private async createCall(d: DesiredResource, tags: Record<string, string>): Promise<Resource> {
    const { cloud } = this.deps;
    const { region, signal } = this;
    const spec = d.spec;
    switch (spec.kind) {
      case 'vpc':
        return cloud.createVpc(region, { cidr: spec.cidr, tags }, signal);
      case 'subnet':
        return cloud.createSubnet(
          region,
          { vpcId: this.need('vpc'), cidr: spec.subnet.cidr, availabilityZone: spec.subnet.az, tags },
          signal,
        );
      case 'internet-gateway':
        return cloud.createInternetGateway(region, { tags }, signal);
      case 'route-table':
        return cloud.createRouteTable(
          region,
          { vpcId: this.need('vpc'), tags, clientToken: clientTokenFor(this.deployId, d.logicalId, 1) },
          signal,
        );
      case 'security-group':
        return cloud.createSecurityGroup(
          region,
          { vpcId: this.need('vpc'), name: d.name, description: spec.description, tags },
          signal,
        );
      case 'bucket':
        return cloud.createBucket({ name: spec.bucket.name, region }, signal);
      case 'instances':
        throw new Error('servers are launched, not created one by one');
    }
  }

  /** An update the plan found (drift, or what an interrupted deploy left half made): converged in place. */
  private async updateOne(action: PlanAction, d: DesiredResource): Promise<string> {
    const done: string[] = [];
    for (const r of action.existing ?? []) {
      const changes = await this.converge(r, d);
      done.push(`${r.id}${changes ? `: ${changes}` : ' (already as the blueprint says)'}`);
    }
    return `updated ${d.logicalId} ${done.join('; ')}`;
  }

  /** Makes `r` what the blueprint says and logs each change; the changes in one line (empty when none). */
  private async converge(r: Resource, d: DesiredResource, fresh = false): Promise<string> {
    let report: Awaited<ReturnType<CloudProvider['converge']>>;
    try {
      report = await this.deps.cloud.converge(r, this.settingsFor(r, d), this.signal, fresh);
    } catch (err) {
      if (isAbort(err)) throw err;
      throw new ExplainedError(describeCreateError(err, d, this.bp), { cause: err });
    }
    for (const change of report.changes) await this.ctx.log(`updated ${r.type} ${r.id}: ${change}`, 'info');
    if (report.changes.length > 0) this.feed.upsert([report.resource]);
    return report.changes.join(', ');
  }

  private settingsFor(r: Resource, d: DesiredResource): Settings {
    // The deploy id tag says which deploy made a resource (a rollback finds it by it): kept when there is one;
    // a bucket (S3 tags only after its create) gets this deploy's.
    const tags = r.tags[deployIdTag] ? d.tags : { ...d.tags, [deployIdTag]: this.deployId };
    const spec = d.spec;
    switch (spec.kind) {
      case 'vpc':
        return { type: 'vpc', tags };
      case 'subnet':
        return { type: 'subnet', tags, public: spec.subnet.public };
      case 'internet-gateway':
        return { type: 'internet-gateway', tags, vpcId: this.need('vpc') };
      case 'route-table':
        return {
          type: 'route-table',
          tags,
          subnetIds: [this.need(`subnet:${spec.subnet}`)],
          internetGatewayId: this.need('internet-gateway'),
        };
      case 'security-group':
        return {
          type: 'security-group',
          tags,
          ingress: spec.group.ingress.map((rule) => this.securityRule(rule)),
          egress: spec.group.egress?.map((rule) => this.securityRule(rule)),
        };
      case 'instances':
        return { type: 'instance', tags };
      case 'bucket':
        return {
          type: 'bucket',
          tags,
          versioning: spec.bucket.versioning,
          encryption: spec.bucket.encryption,
          blockPublicAccess: spec.bucket.publicAccessBlock,
        };
    }
  }

  private securityRule(rule: Rule): SecurityRule {
    const ports = rulePorts(rule);
    return {
      protocol: rule.protocol === 'all' ? '-1' : rule.protocol,
      ...(ports && rule.protocol !== 'icmp' ? { fromPort: ports[0], toPort: ports[1] } : {}),
      ...(rule.cidr ? { cidr: rule.cidr } : {}),
      ...(rule.group ? { groupId: this.need(`security-group:${rule.group}`) } : {}),
      ...(rule.description ? { description: rule.description } : {}),
    };
  }

  private async launch(action: PlanAction, d: DesiredResource): Promise<string> {
    if (d.spec.kind !== 'instances') throw new Error('not a server group');
    const inst = d.spec.instance;
    const { cloud } = this.deps;
    const lookup = { [projectTag]: this.project, [logicalIdTag]: d.logicalId };
    const known = new Set((this.plan.existing[d.logicalId] ?? []).map((r) => r.id));
    // Servers of this group that appeared since the plan (an earlier attempt's launch, now visible) count.
    const appeared = (await cloud.findByTags(this.region, 'instance', lookup, this.signal)).filter(
      (r) => !known.has(r.id) && r.state !== 'shutting-down',
    );
    for (const r of appeared) await this.remember(r, d.logicalId, false);
    const count = (action.count ?? 0) - appeared.length;
    if (count <= 0) {
      await this.untilRunning(d, appeared);
      return `${d.logicalId}: ${appeared.length} server${appeared.length === 1 ? '' : 's'} already launched, none more needed`;
    }

    const earlier = this.recorder.state.pending.find(
      (p) =>
        p.logicalId === d.logicalId && p.deployId === this.deployId && p.clientToken && p.count === count,
    );
    const clientToken = earlier?.clientToken ?? clientTokenFor(this.deployId, d.logicalId, count);
    await this.recorder.update((s) => {
      s.pending = s.pending.filter((p) => p.logicalId !== d.logicalId);
      s.pending.push({
        logicalId: d.logicalId,
        deployId: this.deployId,
        clientToken,
        count,
        startedAt: this.now(),
      });
    });
    let servers: Resource[];
    try {
      servers = await cloud.runInstances(
        this.region,
        {
          imageId: this.images.get(inst.ami) ?? inst.ami,
          instanceType: inst.type,
          count,
          subnetId: this.need(`subnet:${inst.subnet}`),
          securityGroupIds: inst.securityGroups.map((g) => this.need(`security-group:${g}`)),
          keyName: inst.keyPair,
          rootVolumeGiB: inst.rootVolumeGiB,
          userData: inst.userData,
          tags: { ...d.tags, [deployIdTag]: this.deployId },
          clientToken,
        },
        this.signal,
      );
    } catch (err) {
      if (isAbort(err)) throw err;
      throw new ExplainedError(describeCreateError(err, d, this.bp), { cause: err });
    }
    await this.recorder.update((s) => {
      s.pending = s.pending.filter((p) => p.logicalId !== d.logicalId);
    });
    for (const r of servers) await this.remember(r, d.logicalId, true);
    await this.untilRunning(d, [...appeared, ...servers]);
    return `launched ${servers.length} × ${inst.type} ${d.logicalId} (${servers.map((r) => r.id).join(', ')}), running`;
  }

  /**
   * Servers just launched are `pending`: they are read until they run, each new state told to the consoles, so
   * no index keeps a server pending until the next scan. One that ends in another state (a launch AWS gave up
   * on goes to `terminated`) fails the deploy with that state and AWS's reason.
   */
  private async untilRunning(d: DesiredResource, servers: readonly Resource[]): Promise<void> {
    const waiting = servers.filter((r) => r.state === 'pending');
    if (waiting.length === 0) return;
    const seen = new Map(waiting.map((r) => [r.id, r.state]));
    const ids = waiting.map((r) => r.id);
    this.ctx.progress(this.step, this.total, `waiting for ${d.logicalId} to run (${ids.join(', ')})`);
    let now: Resource[];
    try {
      now = await waitForServers(this.deps.cloud, this.region, ids, {
        signal: this.signal,
        timeoutMs: this.deps.serverWaitMs,
        onRead: (read) => {
          const moved = read.filter((r) => seen.get(r.id) !== r.state);
          for (const r of moved) seen.set(r.id, r.state);
          this.feed.upsert(moved);
        },
      });
    } catch (err) {
      if (isAbort(err)) throw err;
      // Still starting at the deadline: the next attempt finds them by their tags and waits again.
      throw new ExplainedError(`launched, but ${errorMessage(err)}`, { cause: err, permanent: false });
    }
    const stuck = now.filter((r) => r.state !== 'running');
    if (stuck.length > 0) {
      const why = stuck.map((r) => `${r.id} is ${r.state}${stateReason(r)}`);
      // The same ClientToken answers with the same servers: running the job again cannot help.
      throw new ExplainedError(`launched, but did not start: ${why.join('; ')}`, {
        permanent: true,
      });
    }
    await this.ctx.log(`${ids.join(', ')} running (${d.logicalId})`, 'info');
  }

  /** The job failed or stopped: the state keeps what exists, and says how it ended. */
  private async fail(err: unknown): Promise<void> {
    const stopped = isAbort(err) || this.signal.aborted;
    const message = stopped
      ? `stopped after ${this.step} of ${this.total} steps (${errorMessage(this.signal.reason ?? err)})`
      : errorMessage(err);
    await this.recorder
      .update((s) => {
        s.status = 'error';
        if (s.lastJob)
          Object.assign(s.lastJob, {
            finishedAt: this.now(),
            error: message,
            step: this.step,
            total: this.total,
          });
      })
      .catch(() => {});
    const existing = this.recorder.state.resources;
    const note =
      `${this.project}: ${existing.length} resource${existing.length === 1 ? ' exists and is' : 's exist and are'} recorded in ${this.recorder.file}` +
      `${
        existing.length
          ? ` (${existing
              .slice(0, 8)
              .map((r) => r.id)
              .join(', ')}${existing.length > 8 ? ', …' : ''})`
          : ''
      }. ` +
      `Resume the job to continue, or roll back deploy ${this.deployId} to remove what it created.`;
    await this.ctx.log(note, 'stderr').catch(() => {});
    if (err instanceof Error && !stopped)
      err.message = `deploy of ${this.project} failed: ${err.message}\n${note}`;
  }
}

/** AWS's word for why an instance ended up as it is (`Server.InsufficientInstanceCapacity: …`), if it gave one. */
function stateReason(r: Resource): string {
  const reason = r.raw?.StateReason as { Message?: unknown } | undefined;
  return typeof reason?.Message === 'string' && reason.Message ? ` (${reason.Message})` : '';
}

function oldest(list: Resource[]): Resource {
  return [...list].sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0) || a.id.localeCompare(b.id))[0];
}

function resourcesById(plan: DeployPlan): Map<string, Resource> {
  const out = new Map<string, Resource>();
  for (const a of plan.actions) for (const r of a.existing ?? []) out.set(r.id, r);
  return out;
}

function record(
  r: Resource,
  logicalId: string,
  deployId: string,
  now: number,
): ProjectState['resources'][number] {
  return {
    logicalId,
    type: r.type,
    id: r.id,
    region: r.region,
    deployId,
    createdAt: r.createdAt ?? now,
    lifecycle: 'provisioned',
  };
}

/** A create's error in words that say what to change and where (the run names the resource before it). */
function describeCreateError(err: unknown, d: DesiredResource, bp: Blueprint): string {
  const code = errorCode(err) ?? '';
  const where = d.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
  if (code.startsWith('InvalidAMIID') && d.spec.kind === 'instances') {
    return (
      `AMI ${d.spec.instance.ami} does not exist in ${bp.region} (${code}); AMI ids differ per ` +
      `region: set ${where}.ami to an image of ${bp.region}, or an SSM alias (ssm:/aws/service/…)`
    );
  }
  if (code === 'BucketAlreadyOwnedByYou' && d.spec.kind === 'bucket') {
    return (
      `bucket name ${d.spec.bucket.name} is already taken by another bucket of this account ` +
      `(not made by project ${bp.name}): choose another name at ${where}.name`
    );
  }
  if (code === 'BucketAlreadyExists' && d.spec.kind === 'bucket') {
    return (
      `bucket name ${d.spec.bucket.name} is taken by another AWS account (bucket names are ` +
      `global): choose another name at ${where}.name`
    );
  }
  if (code === 'InvalidKeyPair.NotFound' && d.spec.kind === 'instances') {
    return `key pair ${d.spec.instance.keyPair} does not exist in ${bp.region}: create it or change ${where}.keyPair`;
  }
  const message = errorMessage(err);
  return `${code && !message.includes(code) ? `${code}: ` : ''}${message}`;
}
