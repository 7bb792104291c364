import type { Blueprint, Instance, SecurityGroup, Subnet } from './blueprint';
import { projectTag, type ResourceType } from './resource';

/** Which blueprint resource a cloud resource is, so a re-run finds it: `subnet:public-a`, `instances:web`. */
export const logicalIdTag = 'infradeck:logical-id';
/** The deploy that created the resource: a rollback finds what it made even if the state write was lost. */
export const deployIdTag = 'infradeck:deploy';
/** Instances: a hash of what cannot be read back from EC2 (user data, root volume size). */
export const specHashTag = 'infradeck:spec';

/** A resource the blueprint asks for, with the blueprint resources it needs first. */
export interface DesiredResource {
  logicalId: string;
  type: ResourceType;
  /** The `Name` tag: `<project>-<name>`. */
  name: string;
  dependsOn: string[];
  /** Where it comes from in the blueprint, for messages. */
  path: (string | number)[];
  spec: DesiredSpec;
  /** Every tag it carries (the deploy id tag is added when it is created). */
  tags: Record<string, string>;
}

export type DesiredSpec =
  | { kind: 'vpc'; cidr: string }
  | { kind: 'subnet'; subnet: Subnet }
  | { kind: 'internet-gateway' }
  /** One table per public subnet, routing 0.0.0.0/0 to the gateway: adding a subnet is one create. */
  | { kind: 'route-table'; subnet: string }
  | { kind: 'security-group'; group: SecurityGroup; description: string }
  | { kind: 'instances'; instance: Instance; specHash: string }
  | {
      kind: 'bucket';
      bucket: { name: string; versioning: boolean; encryption: boolean; publicAccessBlock: boolean };
    };

/** The blueprint's resources in dependency order (everything a resource needs comes before it). */
export function desiredResources(bp: Blueprint): DesiredResource[] {
  const out: DesiredResource[] = [];
  const base: Record<string, string> = { ...bp.tags, [projectTag]: bp.name };
  const add = (d: Omit<DesiredResource, 'tags'>, extra: Record<string, string> = {}): void => {
    out.push({ ...d, tags: { ...base, Name: d.name, [logicalIdTag]: d.logicalId, ...extra } });
  };
  const net = bp.network;
  if (net) {
    add({
      logicalId: 'vpc',
      type: 'vpc',
      name: bp.name,
      dependsOn: [],
      path: ['network', 'vpc'],
      spec: { kind: 'vpc', cidr: net.vpc.cidr },
    });
    net.subnets.forEach((subnet, i) => {
      add({
        logicalId: `subnet:${subnet.name}`,
        type: 'subnet',
        name: `${bp.name}-${subnet.name}`,
        dependsOn: ['vpc'],
        path: ['network', 'subnets', i],
        spec: { kind: 'subnet', subnet },
      });
    });
    if (net.internetGateway) {
      add({
        logicalId: 'internet-gateway',
        type: 'internet-gateway',
        name: bp.name,
        dependsOn: ['vpc'],
        path: ['network', 'internetGateway'],
        spec: { kind: 'internet-gateway' },
      });
    }
    // Groups that others' rules name come first; the schema refuses cycles.
    for (const gi of groupOrder(net.securityGroups)) {
      const group = net.securityGroups[gi];
      const refs = [...group.ingress, ...(group.egress ?? [])].flatMap((r) => (r.group ? [r.group] : []));
      add({
        logicalId: `security-group:${group.name}`,
        type: 'security-group',
        name: `${bp.name}-${group.name}`,
        dependsOn: ['vpc', ...[...new Set(refs)].map((g) => `security-group:${g}`)],
        path: ['network', 'securityGroups', gi],
        spec: {
          kind: 'security-group',
          group,
          description: group.description ?? `${bp.name} ${group.name} (infradeck)`,
        },
      });
    }
    if (net.internetGateway) {
      net.subnets.forEach((subnet, i) => {
        if (!subnet.public) return;
        add({
          logicalId: `route-table:${subnet.name}`,
          type: 'route-table',
          name: `${bp.name}-${subnet.name}`,
          dependsOn: ['vpc', `subnet:${subnet.name}`, 'internet-gateway'],
          path: ['network', 'subnets', i, 'public'],
          spec: { kind: 'route-table', subnet: subnet.name },
        });
      });
    }
  }
  const publicSubnets = new Set(net?.subnets.filter((s) => s.public).map((s) => s.name) ?? []);
  bp.compute?.instances.forEach((instance, i) => {
    const specHash = hashText(JSON.stringify([instance.userData ?? '', instance.rootVolumeGiB ?? 0]));
    add(
      {
        logicalId: `instances:${instance.name}`,
        type: 'instance',
        name: `${bp.name}-${instance.name}`,
        dependsOn: [
          `subnet:${instance.subnet}`,
          ...instance.securityGroups.map((g) => `security-group:${g}`),
          // A public server's first boot (user data) usually needs the internet: its route comes first.
          ...(net?.internetGateway && publicSubnets.has(instance.subnet)
            ? [`route-table:${instance.subnet}`]
            : []),
        ],
        path: ['compute', 'instances', i],
        spec: { kind: 'instances', instance, specHash },
      },
      { [specHashTag]: specHash },
    );
  });
  bp.storage?.buckets.forEach((bucket, i) => {
    add({
      logicalId: `bucket:${bucket.name}`,
      type: 'bucket',
      name: bucket.name,
      dependsOn: [],
      path: ['storage', 'buckets', i],
      spec: { kind: 'bucket', bucket },
    });
  });
  return out;
}

function groupOrder(groups: readonly SecurityGroup[]): number[] {
  const index = new Map(groups.map((g, i) => [g.name, i]));
  const done = new Set<number>();
  const order: number[] = [];
  const visit = (i: number, depth: number) => {
    if (done.has(i) || depth > groups.length) return;
    const g = groups[i];
    for (const r of [...g.ingress, ...(g.egress ?? [])]) {
      const j = r.group === undefined ? undefined : index.get(r.group);
      if (j !== undefined && j !== i) visit(j, depth + 1);
    }
    if (!done.has(i)) {
      done.add(i);
      order.push(i);
    }
  };
  for (let i = 0; i < groups.length; i++) visit(i, 0);
  return order;
}

/** FNV-1a, 64 bits as two 32-bit halves: a short stable fingerprint (not a security hash). */
export function hashText(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0xcbf29ce4;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c ^ (h1 >>> 7), 0x01000193) >>> 0;
  }
  return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
}
