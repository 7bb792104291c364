import type { Blueprint, Instance } from './blueprint';
import { type DesiredResource, desiredResources, logicalIdTag, specHashTag } from './desiredResources';
import { defaultEgress, desiredRuleKeys, observedRuleKeys, ruleList, sameSet } from './planRules';
import { liveStateResources, type ProjectState, type StateResource, type SyncStatus } from './projectState';
import { projectTag, type Resource, type ResourceType } from './resource';

export interface FieldChange {
  field: string;
  from: string;
  to: string;
}

export type PlanActionKind = 'create' | 'update' | 'replace' | 'delete';

export interface PlanAction {
  /** Unique within the plan: `create:subnet:public-a`. */
  key: string;
  kind: PlanActionKind;
  logicalId: string;
  type: ResourceType;
  /** One line for people: `subnet public-a 10.20.1.0/24 eu-west-1a public`. */
  title: string;
  /** Keys of actions that must finish before this one. */
  after: string[];
  /** Update / replace: what differs. */
  changes?: FieldChange[];
  /** Delete / replace / update: the resources as they exist. */
  existing?: Resource[];
  /** Instances to launch (create, replace). */
  count?: number;
  /**
   * An update the deployer cannot carry out in place (a CIDR, an availability zone, a group's description): the
   * deploy is refused while there is one. Other updates are carried out by converging the resource.
   */
  blocked?: string;
}

export interface DeployPlan {
  project: string;
  region: string;
  /** Deletes first (dependents before what they use), then creates and replacements in dependency order. */
  actions: PlanAction[];
  /** Logical ids that exist and match. */
  unchanged: string[];
  /** What exists of each blueprint resource, oldest first (the first one is the one kept). */
  existing: Record<string, Resource[]>;
  /** Tagged with the project but not made by infradeck (no logical id): left alone, reported. */
  unmanaged: Resource[];
  /** In the state file but no longer found: deleted outside infradeck (they are created again). */
  vanished: StateResource[];
  /** Why the deploy cannot run as planned; empty when it can. */
  blockers: string[];
  sync: SyncStatus;
  /** Deletes or replacements on a protected project: the project's name must be typed to confirm. */
  needsConfirmation: boolean;
  summary: Record<PlanActionKind, number> & { unchanged: number };
}

export interface PlanInput {
  blueprint: Blueprint;
  /** What exists: the resource index (any size; only the project's resources are read) or a tag look-up. */
  resources: Iterable<Resource>;
  state?: ProjectState;
}

const managedTypes: ReadonlySet<ResourceType> = new Set([
  'vpc',
  'subnet',
  'internet-gateway',
  'route-table',
  'security-group',
  'instance',
  'bucket',
]);

// --- reading what exists -------------------------------------------------------------------------

function raw(r: Resource, key: string): unknown {
  return r.raw?.[key];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function cidrOf(r: Resource): string | undefined {
  return str(raw(r, 'CidrBlock')) ?? /^(\d+\.\d+\.\d+\.\d+\/\d+)/.exec(r.detail)?.[1];
}

function isLive(r: Resource): boolean {
  return !(r.type === 'instance' && (r.state === 'terminated' || r.state === 'shutting-down'));
}

// --- the plan ------------------------------------------------------------------------------------

/**
 * The diff between a blueprint and what exists. Pure: the same input gives the same plan, and it reads each
 * resource of `resources` once (a 50,000-resource index costs one pass).
 *
 * A resource belongs to the project when it carries the project tag or its id is in the state file; its
 * logical id tag (or the state file) says which blueprint resource it is. Resources the deployer cannot change
 * in place (a VPC's block, a group's rules, tags) become `update` actions marked `blocked`, and the deploy is
 * refused while there is one; servers whose settings changed are replaced (terminated, then launched again).
 */
export function planDeploy({ blueprint: bp, resources, state }: PlanInput): DeployPlan {
  const desired = desiredResources(bp);
  const byLogical = new Map(desired.map((d) => [d.logicalId, d]));
  const stateLive = liveStateResources(state);
  const stateById = new Map<string, { logicalId: string; region: string }>(stateLive.map((s) => [s.id, s]));
  // A bucket whose create was sent but whose tags never came (the worker died in between) is known by its name.
  for (const p of state?.pending ?? []) {
    if (p.name && !stateById.has(p.name))
      stateById.set(p.name, { logicalId: p.logicalId, region: bp.region });
  }
  const blockers: string[] = [];
  if (state && state.region !== bp.region && stateLive.length > 0) {
    blockers.push(
      `the project is deployed in ${state.region} but the blueprint now says ${bp.region}: moving a project ` +
        'between regions is not supported (destroy it, then deploy)',
    );
  }

  const bound = new Map<string, Resource[]>();
  const orphans: Resource[] = [];
  const unmanaged: Resource[] = [];
  const elsewhere: Resource[] = [];
  const seenIds = new Set<string>();
  for (const r of resources) {
    const tagged = r.tags[projectTag] === bp.name;
    const recorded = stateById.get(r.id);
    if (!tagged && !(recorded && (recorded.region === r.region || r.type === 'bucket'))) continue;
    if (!managedTypes.has(r.type) || r.implicit || !isLive(r)) continue;
    seenIds.add(r.id);
    if (r.type !== 'bucket' && r.region !== bp.region) {
      elsewhere.push(r);
      continue;
    }
    const logicalId = r.tags[logicalIdTag] ?? recorded?.logicalId;
    if (logicalId === undefined) unmanaged.push(r);
    else if (byLogical.get(logicalId)?.type === r.type) {
      const list = bound.get(logicalId);
      if (list) list.push(r);
      else bound.set(logicalId, [r]);
    } else orphans.push(r);
  }
  if (elsewhere.length > 0) {
    const regions = [...new Set(elsewhere.map((r) => r.region))].sort().join(', ');
    blockers.push(
      `${elsewhere.length} resource${elsewhere.length === 1 ? ' of the project is' : 's of the project are'} in ${regions}, not in ${bp.region}: moving a project ` +
        'between regions is not supported (destroy it, then deploy)',
    );
  }
  const vanished = stateLive.filter((s) => !seenIds.has(s.id));

  // Ids of what exists, by logical id, to compare references (an instance's subnet, a rule's group).
  const idOf = (logicalId: string): string | undefined => {
    const list = bound.get(logicalId);
    return list && list.length > 0 ? oldestFirst(list)[0].id : undefined;
  };
  const groupIds = new Map<string, string>();
  for (const g of bp.network?.securityGroups ?? []) {
    const id = idOf(`security-group:${g.name}`);
    if (id) groupIds.set(g.name, id);
  }

  const creates: PlanAction[] = [];
  const deletes: PlanAction[] = [];
  const unchanged: string[] = [];
  const willCreate = new Set<string>();

  for (const d of desired) {
    const existing = oldestFirst(bound.get(d.logicalId) ?? []);
    const after = d.dependsOn.filter((dep) => willCreate.has(dep)).map((dep) => `create:${dep}`);
    if (d.spec.kind === 'instances') {
      const result = planInstances(d, d.spec.instance, existing, {
        idOf,
        groupIds,
        after,
        region: bp.region,
      });
      for (const a of result.actions) (a.kind === 'delete' ? deletes : creates).push(a);
      if (result.actions.length === 0) unchanged.push(d.logicalId);
      continue;
    }
    if (existing.length === 0) {
      creates.push({
        key: `create:${d.logicalId}`,
        kind: 'create',
        logicalId: d.logicalId,
        type: d.type,
        title: titleOf(d),
        after,
      });
      willCreate.add(d.logicalId);
      continue;
    }
    const [keep, ...extra] = existing;
    if (extra.length > 0) {
      deletes.push({
        key: `delete:${d.logicalId}:duplicates`,
        kind: 'delete',
        logicalId: d.logicalId,
        type: d.type,
        title: `${extra.length} duplicate ${d.type}(s) of ${d.logicalId} (keeping ${keep.id})`,
        after: [],
        existing: extra,
      });
    }
    const changes = compare(d, keep, { idOf, groupIds, region: bp.region });
    if (changes.length === 0) {
      unchanged.push(d.logicalId);
      continue;
    }
    creates.push({
      key: `update:${d.logicalId}`,
      kind: 'update',
      logicalId: d.logicalId,
      type: d.type,
      title: titleOf(d),
      after,
      changes,
      existing: [keep],
      blocked: blockedReason(changes),
    });
  }

  for (const r of orphans) {
    const logicalId = r.tags[logicalIdTag] ?? stateById.get(r.id)?.logicalId ?? r.id;
    deletes.push({
      key: `delete:${logicalId}:${r.id}`,
      kind: 'delete',
      logicalId,
      type: r.type,
      title: `${r.type} ${r.name ?? r.id} (${r.id}): no longer in the blueprint`,
      after: [],
      existing: [r],
    });
  }

  for (const a of creates) if (a.blocked) blockers.push(`${a.logicalId}: ${a.blocked}`);
  const actions = [...sortDeletes(deletes), ...creates];
  const summary = { create: 0, update: 0, replace: 0, delete: 0, unchanged: unchanged.length };
  for (const a of actions) summary[a.kind]++;
  const anyExisting = bound.size > 0 || orphans.length > 0;
  const sync: SyncStatus = !anyExisting
    ? unmanaged.length > 0 || elsewhere.length > 0
      ? 'drifted'
      : vanished.length > 0
        ? 'vanished'
        : 'not deployed'
    : actions.some((a) => a.kind === 'create')
      ? 'partial'
      : actions.length > 0 || unmanaged.length > 0 || elsewhere.length > 0
        ? 'drifted'
        : 'in sync';
  return {
    project: bp.name,
    region: bp.region,
    actions,
    unchanged,
    existing: Object.fromEntries([...bound].map(([k, list]) => [k, oldestFirst(list)])),
    unmanaged,
    vanished,
    blockers,
    sync,
    needsConfirmation: bp.protected && actions.some((a) => a.kind === 'delete' || a.kind === 'replace'),
    summary,
  };
}

function oldestFirst(list: readonly Resource[]): Resource[] {
  return [...list].sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0) || a.id.localeCompare(b.id));
}

interface Refs {
  idOf: (logicalId: string) => string | undefined;
  groupIds: Map<string, string>;
  region: string;
}

function planInstances(
  d: DesiredResource,
  inst: Instance,
  existing: Resource[],
  refs: Refs & { after: string[] },
): { actions: PlanAction[] } {
  const subnetId = refs.idOf(`subnet:${inst.subnet}`);
  const groupIds = inst.securityGroups.map((g) => refs.groupIds.get(g) ?? `(new ${g})`);
  const stale: Resource[] = [];
  const changeSet = new Map<string, FieldChange>();
  for (const r of existing) {
    const changes = instanceChanges(d, inst, r, subnetId, groupIds);
    if (changes.length > 0) {
      stale.push(r);
      for (const c of changes) if (!changeSet.has(c.field)) changeSet.set(c.field, c);
    }
  }
  const fresh = existing.filter((r) => !stale.includes(r));
  const actions: PlanAction[] = [];
  const missing = inst.count - fresh.length;
  if (stale.length > 0) {
    // The count leading the title is the blueprint's, not what is launched: a count changed with a setting
    // launches more, or fewer, than it terminates.
    const launch = Math.max(0, missing);
    actions.push({
      key: `replace:${d.logicalId}`,
      kind: 'replace',
      logicalId: d.logicalId,
      type: 'instance',
      title: `${titleOf(d)}: terminate ${stale.length} server${stale.length === 1 ? '' : 's'}, launch ${launch}`,
      after: refs.after,
      changes: [...changeSet.values()],
      existing: stale,
      count: launch,
    });
  } else if (missing > 0) {
    actions.push({
      key: `create:${d.logicalId}`,
      kind: 'create',
      logicalId: d.logicalId,
      type: 'instance',
      title: fresh.length > 0 ? `${titleOf(d)}: ${missing} more (${fresh.length} running)` : titleOf(d),
      after: refs.after,
      count: missing,
    });
  }
  const retagged = fresh.length > 0 ? tagChanges(d, fresh[0]) : [];
  if (retagged.length > 0) {
    actions.push({
      key: `update:${d.logicalId}`,
      kind: 'update',
      logicalId: d.logicalId,
      type: 'instance',
      title: titleOf(d),
      after: refs.after,
      changes: retagged,
      existing: fresh,
    });
  }
  if (missing < 0) {
    // Fewer servers wanted: the newest go, the oldest (longest known good) stay.
    const surplus = fresh.slice(fresh.length + missing);
    actions.push({
      key: `delete:${d.logicalId}:surplus`,
      kind: 'delete',
      logicalId: d.logicalId,
      type: 'instance',
      title: `${surplus.length} of ${fresh.length} ${d.name} server${fresh.length === 1 ? '' : 's'}: count is now ${inst.count}`,
      after: [],
      existing: surplus,
      changes: [{ field: 'count', from: String(fresh.length), to: String(inst.count) }],
    });
  }
  return { actions };
}

function instanceChanges(
  d: DesiredResource,
  inst: Instance,
  r: Resource,
  subnetId: string | undefined,
  groupIds: string[],
): FieldChange[] {
  const out: FieldChange[] = [];
  const type = str(raw(r, 'InstanceType'));
  if (type && type !== inst.type) out.push({ field: 'type', from: type, to: inst.type });
  const image = str(raw(r, 'ImageId'));
  if (image && inst.ami.startsWith('ami-') && image !== inst.ami)
    out.push({ field: 'ami', from: image, to: inst.ami });
  if (r.refs.subnet !== subnetId)
    out.push({ field: 'subnet', from: r.refs.subnet ?? 'none', to: subnetId ?? `(new ${inst.subnet})` });
  if (!sameSet(r.refs.securityGroups ?? [], groupIds))
    out.push({
      field: 'securityGroups',
      from: ruleList(r.refs.securityGroups ?? []),
      to: ruleList(groupIds),
    });
  if ((r.refs.keyPair ?? '') !== (inst.keyPair ?? ''))
    out.push({ field: 'keyPair', from: r.refs.keyPair ?? 'none', to: inst.keyPair ?? 'none' });
  const hash = r.tags[specHashTag];
  if (hash !== undefined && d.spec.kind === 'instances' && hash !== d.spec.specHash)
    out.push({ field: 'userData/rootVolumeGiB', from: `spec ${hash}`, to: `spec ${d.spec.specHash}` });
  return out;
}

function compare(d: DesiredResource, r: Resource, refs: Refs): FieldChange[] {
  const out: FieldChange[] = [];
  const vpcId = refs.idOf('vpc');
  const spec = d.spec;
  switch (spec.kind) {
    case 'vpc': {
      const cidr = cidrOf(r);
      if (cidr && cidr !== spec.cidr) out.push({ field: 'cidr', from: cidr, to: spec.cidr });
      break;
    }
    case 'subnet': {
      const cidr = cidrOf(r);
      if (cidr && cidr !== spec.subnet.cidr) out.push({ field: 'cidr', from: cidr, to: spec.subnet.cidr });
      const az = str(raw(r, 'AvailabilityZone'));
      if (az && az !== spec.subnet.az) out.push({ field: 'az', from: az, to: spec.subnet.az });
      const pub = raw(r, 'MapPublicIpOnLaunch');
      if (typeof pub === 'boolean' && pub !== spec.subnet.public)
        out.push({ field: 'public', from: String(pub), to: String(spec.subnet.public) });
      if (r.refs.vpc !== vpcId) out.push({ field: 'vpc', from: r.refs.vpc ?? 'none', to: vpcId ?? '(new)' });
      break;
    }
    case 'internet-gateway':
      if (r.refs.vpc !== vpcId)
        out.push({ field: 'attachment', from: r.refs.vpc ?? 'detached', to: vpcId ?? '(new VPC)' });
      break;
    case 'route-table': {
      const subnetId = refs.idOf(`subnet:${spec.subnet}`);
      const igw = refs.idOf('internet-gateway');
      if (!subnetId || !(r.refs.subnets ?? []).includes(subnetId))
        out.push({
          field: 'subnets',
          from: ruleList(r.refs.subnets ?? []),
          to: subnetId ?? `(new ${spec.subnet})`,
        });
      if (!igw || !(r.refs.internetGateways ?? []).includes(igw))
        out.push({
          field: 'route 0.0.0.0/0',
          from: ruleList(r.refs.internetGateways ?? []),
          to: igw ?? '(new gateway)',
        });
      break;
    }
    case 'security-group': {
      if (r.refs.vpc !== vpcId) out.push({ field: 'vpc', from: r.refs.vpc ?? 'none', to: vpcId ?? '(new)' });
      const description = str(raw(r, 'Description'));
      if (description !== undefined && description !== spec.description)
        out.push({ field: 'description', from: description, to: spec.description });
      if (!r.raw) break; // nothing known of its rules
      const ingress = observedRuleKeys(r, 'ingress') ?? [];
      const wantIngress = desiredRuleKeys(spec.group.ingress, refs.groupIds);
      if (!sameSet(ingress, wantIngress))
        out.push({ field: 'ingress', from: ruleList(ingress), to: ruleList(wantIngress) });
      // The demo cloud keeps no egress list when none was given: that is AWS's default, all traffic out.
      const egress = observedRuleKeys(r, 'egress') ?? defaultEgress;
      const wantEgress = spec.group.egress
        ? desiredRuleKeys(spec.group.egress, refs.groupIds)
        : defaultEgress;
      if (!sameSet(egress, wantEgress))
        out.push({ field: 'egress', from: ruleList(egress), to: ruleList(wantEgress) });
      break;
    }
    case 'bucket': {
      if (r.region !== refs.region) out.push({ field: 'region', from: r.region, to: refs.region });
      for (const [field, key] of [
        ['versioning', 'versioning'],
        ['encryption', 'encryption'],
        ['publicAccessBlock', 'blockPublicAccess'],
      ] as const) {
        // Unknown is not a difference. S3 encrypts every bucket since 2023: only "on" can be asked for.
        const have = raw(r, key);
        if (field === 'encryption' && !spec.bucket.encryption) continue;
        if (typeof have === 'boolean' && have !== spec.bucket[field])
          out.push({ field, from: String(have), to: String(spec.bucket[field]) });
      }
      break;
    }
    case 'instances':
      break;
  }
  out.push(...tagChanges(d, r));
  return out;
}

function tagChanges(d: DesiredResource, r: Resource): FieldChange[] {
  const out: FieldChange[] = [];
  for (const [key, value] of Object.entries(d.tags)) {
    if (key === specHashTag) continue;
    if (r.tags[key] !== value) out.push({ field: `tag ${key}`, from: r.tags[key] ?? '(none)', to: value });
  }
  return out;
}

/** What AWS cannot change on an existing resource: a CIDR, an AZ, a VPC, a group's description, a bucket's region. */
const fixedFields = new Set(['cidr', 'az', 'vpc', 'description', 'region']);

function blockedReason(changes: FieldChange[]): string | undefined {
  const fixed = changes.filter((c) => fixedFields.has(c.field));
  if (fixed.length === 0) return undefined;
  const fields = fixed.map((c) => c.field).join(', ');
  return `${fields} cannot be changed in place (AWS does not allow it): change the blueprint back, or destroy the project and deploy it again`;
}

function titleOf(d: DesiredResource): string {
  const s = d.spec;
  switch (s.kind) {
    case 'vpc':
      return `vpc ${d.name} ${s.cidr}`;
    case 'subnet':
      return `subnet ${s.subnet.name} ${s.subnet.cidr} ${s.subnet.az}${s.subnet.public ? ' public' : ''}`;
    case 'internet-gateway':
      return `internet gateway ${d.name}`;
    case 'route-table':
      return `route table ${s.subnet} 0.0.0.0/0 -> internet gateway`;
    case 'security-group':
      return `security group ${s.group.name} (${s.group.ingress.length} inbound rule${s.group.ingress.length === 1 ? '' : 's'})`;
    case 'instances':
      return `${s.instance.count} × ${s.instance.type} ${s.instance.name} in ${s.instance.subnet}`;
    case 'bucket':
      return `bucket ${s.bucket.name}${s.bucket.versioning ? ' versioned' : ''}`;
  }
}

const deleteOrder: ResourceType[] = [
  'instance',
  'route-table',
  'security-group',
  'internet-gateway',
  'subnet',
  'vpc',
  'bucket',
];

function sortDeletes(actions: PlanAction[]): PlanAction[] {
  return [...actions].sort(
    (a, b) => deleteOrder.indexOf(a.type) - deleteOrder.indexOf(b.type) || a.key.localeCompare(b.key),
  );
}

/** The resources a plan removes (deletes, and the old servers of replacements). */
export function resourcesToDelete(plan: DeployPlan): Resource[] {
  return plan.actions.flatMap((a) => (a.kind === 'delete' || a.kind === 'replace' ? (a.existing ?? []) : []));
}

/** Level of each create/replace action: 0 needs nothing created first. Actions of one level may run at once. */
export function actionLevels(actions: readonly PlanAction[]): PlanAction[][] {
  const byKey = new Map(actions.map((a) => [a.key, a]));
  const level = new Map<string, number>();
  const levelOf = (a: PlanAction): number => {
    const known = level.get(a.key);
    if (known !== undefined) return known;
    level.set(a.key, 0);
    const l = Math.max(-1, ...a.after.map((k) => (byKey.has(k) ? levelOf(byKey.get(k)!) : -1))) + 1;
    level.set(a.key, l);
    return l;
  };
  const out: PlanAction[][] = [];
  for (const a of actions) {
    if (a.kind === 'delete' || a.kind === 'update') continue;
    const l = levelOf(a);
    out[l] ??= [];
    out[l].push(a);
  }
  return out.filter(Boolean);
}

/** One line: `3 to create, 1 to replace, 2 to delete, 5 unchanged`. */
export function describePlan(plan: DeployPlan): string {
  const s = plan.summary;
  const parts = [
    s.create && `${s.create} to create`,
    s.update && `${s.update} to update`,
    s.replace && `${s.replace} to replace`,
    s.delete && `${s.delete} to delete`,
    `${s.unchanged} unchanged`,
  ].filter(Boolean);
  return parts.join(', ');
}
