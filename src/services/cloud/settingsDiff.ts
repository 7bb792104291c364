import { ruleKey } from '../../domain/planRules';
import type { SecurityRule } from './cloudProvider';

/** What `converge` compares, for both clouds: security rules and tags as they are against as they should be. */

/** AWS's default egress of a new group: all traffic out. */
export const allowAllOut: SecurityRule = { protocol: '-1', cidr: '0.0.0.0/0' };

/** What to add and what to remove so that `have` becomes `want`. */
export function diffRules(
  have: readonly SecurityRule[],
  want: readonly SecurityRule[],
): { add: SecurityRule[]; remove: SecurityRule[] } {
  const haveKeys = new Set(have.map(ruleKey));
  const wantKeys = new Set(want.map(ruleKey));
  const unique = (rules: readonly SecurityRule[]) => [...new Map(rules.map((r) => [ruleKey(r), r])).values()];
  return {
    add: unique(want.filter((r) => !haveKeys.has(ruleKey(r)))),
    remove: unique(have.filter((r) => !wantKeys.has(ruleKey(r)))),
  };
}

/** `tcp 443 0.0.0.0/0`, `all sg-0a1…` for the job log. */
export function describeRule(rule: SecurityRule): string {
  const protocol = rule.protocol === '-1' ? 'all' : rule.protocol;
  const ports =
    rule.protocol === '-1' || rule.protocol === 'icmp'
      ? ''
      : rule.fromPort === rule.toPort || rule.toPort === undefined
        ? ` ${rule.fromPort ?? 0}`
        : ` ${rule.fromPort}-${rule.toPort}`;
  return `${protocol}${ports} ${rule.cidr ?? rule.groupId}`;
}

/** Tags of `want` that `have` lacks or holds with another value. */
export function missingTags(
  have: Record<string, string>,
  want: Record<string, string>,
): Record<string, string> {
  return Object.fromEntries(Object.entries(want).filter(([k, v]) => have[k] !== v));
}
