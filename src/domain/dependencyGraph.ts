import { type Resource, type ResourceType, resourceKey } from './resource';

/**
 * Deletion order for a set of resources.
 *
 * An edge `before -> after` means `before` must be gone before `after` can be deleted: an instance before its
 * security groups, subnet, volumes and key pair; a security group before the groups its rules reference and
 * before its VPC; a subnet before the route table it is associated with; a route table before the internet
 * gateway its routes use; subnets, tables, gateways and groups before their VPC. Buckets stand alone.
 *
 * Cycles: two security groups whose rules reference each other cannot be deleted in either order. The plan
 * breaks such a cycle by listing the groups in `revokeRulesFirst`: the deleter revokes the rules that reference
 * the other groups of the cycle, and then the groups go in one level. A cycle of any other kind cannot be
 * broken; it is reported in `cycles`, and its resources (and everything that must wait for them) are left out
 * of `levels` and listed in `blocked`.
 *
 * Resources that are not selected are never deleted. When one of them still uses a selected resource (a subnet
 * left in a selected VPC), the plan keeps the selected resource and says in `warnings` that its delete may fail
 * with DependencyViolation.
 */
export interface DeletionPlan {
  /** Level 0 first; the resources of one level can be deleted in parallel. */
  levels: Resource[][];
  /** Security groups whose rules referencing the other groups of a cycle must be revoked before level 0. */
  revokeRulesFirst: RuleRevocation[];
  /** Made by AWS with their VPC (main route table, default security group): removed with it, never on their own. */
  skipped: { resource: Resource; reason: string }[];
  /** Cycles that cannot be broken by revoking rules. */
  cycles: Resource[][];
  /** Selected resources left out because they sit in or after an unbreakable cycle. */
  blocked: Resource[];
  /**
   * `[before, after]` among the resources of `levels`: the order the levels were built from, with cycles broken
   * and skipped resources bridged. A runner uses it to hold back what waits for a failed delete.
   */
  edges: [Resource, Resource][];
  warnings: DeletionWarning[];
}

export interface RuleRevocation {
  group: Resource;
  /** Ids of the groups whose references must be revoked from `group`'s rules. */
  references: string[];
}

export interface DeletionWarning {
  resource: Resource;
  /** Resources that are not selected and still use `resource`. */
  usedBy: Resource[];
  message: string;
}

const typeOrder: ResourceType[] = [
  'instance',
  'volume',
  'key-pair',
  'security-group',
  'subnet',
  'route-table',
  'internet-gateway',
  'vpc',
  'bucket',
];

/** Ids (or, for a key pair, its name) that `r` uses: they can only go after `r`. */
function usesOf(r: Resource): string[] {
  const { refs } = r;
  const out: string[] = [];
  const push = (...ids: (string | undefined)[]) => {
    for (const id of ids) if (id && id !== r.id) out.push(id);
  };
  switch (r.type) {
    case 'instance':
      push(refs.subnet, refs.vpc, ...(refs.securityGroups ?? []), ...(refs.volumes ?? []), refs.keyPair);
      break;
    case 'security-group':
      push(refs.vpc, ...(refs.securityGroups ?? []));
      break;
    case 'subnet':
    case 'internet-gateway':
      push(refs.vpc);
      break;
    case 'route-table':
      push(refs.vpc, ...(refs.internetGateways ?? []));
      break;
    default:
      break;
  }
  return out;
}

/** Ids of resources that use `r` by `r`'s own account: they must go before it. */
function usedByOf(r: Resource): string[] {
  if (r.type === 'volume' && r.refs.instance) return [r.refs.instance];
  if (r.type === 'route-table') return r.refs.subnets ?? [];
  return [];
}

/** Finds a resource by id, or a key pair by name, within one region. */
class Lookup {
  private readonly map = new Map<string, Resource>();
  constructor(resources: Iterable<Resource>) {
    for (const r of resources) {
      this.map.set(`${r.region}/${r.id}`, r);
      if (r.type === 'key-pair' && r.name) this.map.set(`${r.region}/key:${r.name}`, r);
    }
  }
  get(region: string, idOrName: string, from: Resource): Resource | undefined {
    if (from.type === 'instance' && idOrName === from.refs.keyPair) {
      return this.map.get(`${region}/key:${idOrName}`) ?? this.map.get(`${region}/${idOrName}`);
    }
    return this.map.get(`${region}/${idOrName}`);
  }
}

/** Every `[before, after]` pair among `resources`. */
export function dependencyEdges(resources: readonly Resource[]): [Resource, Resource][] {
  const lookup = new Lookup(resources);
  const edges: [Resource, Resource][] = [];
  const seen = new Set<string>();
  const add = (before: Resource, after: Resource) => {
    const k = `${resourceKey(before)}>${resourceKey(after)}`;
    if (before === after || seen.has(k)) return;
    seen.add(k);
    edges.push([before, after]);
  };
  for (const r of resources) {
    for (const id of usesOf(r)) {
      const target = lookup.get(r.region, id, r);
      if (target) add(r, target);
    }
    for (const id of usedByOf(r)) {
      const user = lookup.get(r.region, id, r);
      if (user) add(user, r);
    }
  }
  return edges;
}

function implicitReason(r: Resource): string | undefined {
  if (!r.implicit) return undefined;
  return r.type === 'route-table'
    ? 'the main route table is deleted with its VPC'
    : r.type === 'security-group'
      ? 'the default security group is deleted with its VPC'
      : 'deleted with its VPC';
}

/** Gone already: it cannot block anything. */
function isGone(r: Resource): boolean {
  return r.state === 'terminated' || r.state === 'deleted';
}

function byTypeThenId(a: Resource, b: Resource): number {
  return typeOrder.indexOf(a.type) - typeOrder.indexOf(b.type) || a.id.localeCompare(b.id);
}

/**
 * The order to delete `selected` in. `known` is everything else the caller knows of (the resource index): it
 * is only read to warn about resources left behind that still use a selected one.
 */
export function planDeletion(selected: readonly Resource[], known: readonly Resource[] = []): DeletionPlan {
  const unique = new Map<string, Resource>();
  for (const r of selected) unique.set(resourceKey(r), r);
  const chosen = [...unique.values()];

  const skipped: DeletionPlan['skipped'] = [];
  const nodes: Resource[] = [];
  for (const r of chosen) {
    const reason = implicitReason(r);
    if (reason) skipped.push({ resource: r, reason });
    else nodes.push(r);
  }

  // Order through skipped resources is kept: instance -> default SG -> VPC still puts the instance first.
  const succ = new Map<Resource, Set<Resource>>();
  for (const r of chosen) succ.set(r, new Set());
  for (const [before, after] of dependencyEdges(chosen)) succ.get(before)!.add(after);
  for (const { resource: s } of skipped) {
    const outs = succ.get(s)!;
    for (const [, set] of succ) {
      if (set.has(s)) {
        set.delete(s);
        for (const o of outs) set.add(o);
      }
    }
    succ.delete(s);
  }
  for (const set of succ.values()) for (const { resource: s } of skipped) set.delete(s);

  const revokeRulesFirst: RuleRevocation[] = [];
  const cycles: Resource[][] = [];
  const blocked: Resource[] = [];
  let levels = kahnLevels(nodes, succ);
  let placed = new Set(levels.flat());
  if (placed.size < nodes.length) {
    const rest = nodes.filter((r) => !placed.has(r));
    for (const scc of stronglyConnected(rest, succ)) {
      if (scc.length < 2) continue;
      if (scc.every((r) => r.type === 'security-group')) {
        const members = new Set(scc);
        for (const g of scc.sort(byTypeThenId)) {
          const refs = [...succ.get(g)!].filter((t) => members.has(t));
          for (const t of refs) succ.get(g)!.delete(t);
          revokeRulesFirst.push({ group: g, references: refs.map((t) => t.id).sort() });
        }
      } else {
        cycles.push(scc.sort(byTypeThenId));
      }
    }
    levels = kahnLevels(nodes, succ);
    placed = new Set(levels.flat());
    for (const r of nodes) {
      if (!placed.has(r) && !cycles.some((c) => c.includes(r))) blocked.push(r);
    }
  }

  const inLevels = new Set(levels.flat());
  const edges: [Resource, Resource][] = [];
  for (const r of inLevels) for (const s of succ.get(r)!) if (inLevels.has(s)) edges.push([r, s]);

  return {
    levels,
    edges,
    revokeRulesFirst,
    skipped: skipped.sort((a, b) => byTypeThenId(a.resource, b.resource)),
    cycles,
    blocked: blocked.sort(byTypeThenId),
    warnings: leftBehind(chosen, new Set(skipped.map((s) => s.resource)), known),
  };
}

function kahnLevels(nodes: Resource[], succ: Map<Resource, Set<Resource>>): Resource[][] {
  const indegree = new Map<Resource, number>();
  for (const r of nodes) indegree.set(r, 0);
  for (const r of nodes) for (const s of succ.get(r)!) indegree.set(s, (indegree.get(s) ?? 0) + 1);
  const levels: Resource[][] = [];
  let current = nodes.filter((r) => indegree.get(r) === 0);
  while (current.length > 0) {
    levels.push(current.sort(byTypeThenId));
    const next: Resource[] = [];
    for (const r of current) {
      for (const s of succ.get(r)!) {
        const d = indegree.get(s)! - 1;
        indegree.set(s, d);
        if (d === 0) next.push(s);
      }
    }
    current = next;
  }
  return levels;
}

/** Tarjan's strongly connected components over the given nodes. */
function stronglyConnected(nodes: Resource[], succ: Map<Resource, Set<Resource>>): Resource[][] {
  const inSet = new Set(nodes);
  const index = new Map<Resource, number>();
  const low = new Map<Resource, number>();
  const stack: Resource[] = [];
  const onStack = new Set<Resource>();
  const out: Resource[][] = [];
  let counter = 0;
  const visit = (v: Resource) => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of succ.get(v)!) {
      if (!inSet.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const scc: Resource[] = [];
      let w: Resource;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      out.push(scc);
    }
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return out;
}

function leftBehind(
  chosen: Resource[],
  skipped: Set<Resource>,
  known: readonly Resource[],
): DeletionWarning[] {
  const selectedKeys = new Set(chosen.map(resourceKey));
  const targets = chosen.filter((r) => !skipped.has(r));
  if (targets.length === 0 || known.length === 0) return [];
  const universe = new Map<string, Resource>();
  for (const r of known) universe.set(resourceKey(r), r);
  for (const r of chosen) universe.set(resourceKey(r), r);
  const targetSet = new Set(targets);
  const usedBy = new Map<Resource, Resource[]>();
  for (const [before, after] of dependencyEdges([...universe.values()])) {
    if (!targetSet.has(after) || selectedKeys.has(resourceKey(before)) || isGone(before)) continue;
    // The VPC's own main route table and default group go with it: they never block its delete.
    if (before.implicit && after.type === 'vpc') continue;
    const list = usedBy.get(after) ?? [];
    list.push(before);
    usedBy.set(after, list);
  }
  return [...usedBy.entries()]
    .sort(([a], [b]) => byTypeThenId(a, b))
    .map(([resource, users]) => {
      users.sort(byTypeThenId);
      const names = users
        .slice(0, 3)
        .map((u) => `${u.id} (${u.type})`)
        .join(', ');
      const more = users.length > 3 ? ` and ${users.length - 3} more` : '';
      return {
        resource,
        usedBy: users,
        message:
          `${resource.id} (${resource.type}) is still used by ${names}${more}, not selected and staying: ` +
          `deleting ${resource.id} may fail with DependencyViolation`,
      };
    });
}
