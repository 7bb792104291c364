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

interface ObservedRule {
  protocol?: string;
  fromPort?: number;
  toPort?: number;
  cidr?: string;
  groupId?: string;
}

type AwsPermission = {
  IpProtocol?: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges?: { CidrIp?: string }[];
  UserIdGroupPairs?: { GroupId?: string }[];
};

/**
 * Rules as the demo cloud keeps them (`Ingress`/`Egress`, as they were given) or as EC2 describes them
 * (`IpPermissions`/`IpPermissionsEgress`). Undefined when the resource does not say.
 */
export function observedRuleKeys(r: Resource, side: 'ingress' | 'egress'): string[] | undefined {
  const demo = r.raw?.[side === 'ingress' ? 'Ingress' : 'Egress'];
  const aws = r.raw?.[side === 'ingress' ? 'IpPermissions' : 'IpPermissionsEgress'];
  let rules: ObservedRule[];
  if (Array.isArray(demo)) rules = demo as ObservedRule[];
  else if (Array.isArray(aws)) {
    rules = (aws as AwsPermission[]).flatMap((p) => {
      const common = { protocol: p.IpProtocol, fromPort: p.FromPort, toPort: p.ToPort };
      return [
        ...(p.IpRanges ?? []).map((range) => ({ ...common, cidr: range.CidrIp })),
        ...(p.UserIdGroupPairs ?? []).map((pair) => ({ ...common, groupId: pair.GroupId })),
      ];
    });
  } else return undefined;
  return rules.map((rule) => {
    const protocol = String(rule.protocol ?? '-1');
    const range =
      protocol === '-1'
        ? '*|*'
        : protocol === 'icmp'
          ? '-1|-1'
          : `${rule.fromPort ?? 0}|${rule.toPort ?? rule.fromPort ?? 65535}`;
    return `${protocol}|${range}|${rule.cidr ? `cidr:${rule.cidr}` : `sg:${rule.groupId}`}`;
  });
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
