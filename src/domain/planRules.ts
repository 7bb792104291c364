import { type Rule, rulePorts } from './blueprint';
import type { Resource } from './resource';

/**
 * Security group rules as comparable keys, `tcp|443|443|cidr:0.0.0.0/0`, whether they come from a blueprint,
 * from the DEMO cloud or from EC2: the plan compares a group's rules as two sets of keys.
 */

/** A rule as one comparable string: `tcp|443|443|cidr:0.0.0.0/0`. */
export function desiredRuleKeys(rules: readonly Rule[], groupIds: Map<string, string>): string[] {
  return rules.map((rule) => {
    const protocol = rule.protocol === 'all' ? '-1' : rule.protocol;
    const ports = rulePorts(rule);
    const range = protocol === '-1' ? '*|*' : protocol === 'icmp' ? '-1|-1' : `${ports?.[0]}|${ports?.[1]}`;
    const target = rule.cidr
      ? `cidr:${rule.cidr}`
      : `sg:${groupIds.get(rule.group ?? '') ?? `?${rule.group}`}`;
    return `${protocol}|${range}|${target}`;
  });
}

/** One rule as a cloud keeps it: a protocol, a port range, and one address range or one group. */
export interface RuleShape {
  protocol?: string;
  fromPort?: number;
  toPort?: number;
  cidr?: string;
  groupId?: string;
}

/** EC2's permissions as EC2 describes them. */
export type AwsPermission = {
  IpProtocol?: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges?: { CidrIp?: string }[];
  UserIdGroupPairs?: { GroupId?: string }[];
};

/** A rule as one comparable string: `tcp|443|443|cidr:0.0.0.0/0`. Descriptions are not part of its identity. */
export function ruleKey(rule: RuleShape): string {
  const protocol = String(rule.protocol ?? '-1');
  const range =
    protocol === '-1'
      ? '*|*'
      : protocol === 'icmp'
        ? '-1|-1'
        : `${rule.fromPort ?? 0}|${rule.toPort ?? rule.fromPort ?? 65535}`;
  return `${protocol}|${range}|${rule.cidr ? `cidr:${rule.cidr}` : `sg:${rule.groupId}`}`;
}

/** EC2's permissions, one rule per address range or group (`all traffic` keeps no ports). */
export function permissionRules(permissions: readonly AwsPermission[] | undefined): RuleShape[] {
  return (permissions ?? []).flatMap((p) => {
    const protocol = p.IpProtocol ?? '-1';
    const common = { protocol, ...(protocol === '-1' ? {} : { fromPort: p.FromPort, toPort: p.ToPort }) };
    return [
      ...(p.IpRanges ?? []).map((range) => ({ ...common, cidr: range.CidrIp })),
      ...(p.UserIdGroupPairs ?? []).map((pair) => ({ ...common, groupId: pair.GroupId })),
    ];
  });
}

/**
 * Rules as the demo cloud keeps them (`Ingress`/`Egress`, as they were given) or as EC2 describes them
 * (`IpPermissions`/`IpPermissionsEgress`). Undefined when the resource does not say.
 */
export function observedRuleKeys(r: Resource, side: 'ingress' | 'egress'): string[] | undefined {
  const demo = r.raw?.[side === 'ingress' ? 'Ingress' : 'Egress'];
  const aws = r.raw?.[side === 'ingress' ? 'IpPermissions' : 'IpPermissionsEgress'];
  if (Array.isArray(demo)) return (demo as RuleShape[]).map(ruleKey);
  if (Array.isArray(aws)) return permissionRules(aws as AwsPermission[]).map(ruleKey);
  return undefined;
}

/** AWS's egress when none is given: all traffic out. */
export const defaultEgress = ['-1|*|*|cidr:0.0.0.0/0'];

export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.every((x, i) => x === sb[i]);
}

/** Keys or ids for a message, sorted: `a, b`, or `none`. */
export function ruleList(keys: readonly string[]): string {
  return keys.length ? [...keys].sort().join(', ') : 'none';
}
