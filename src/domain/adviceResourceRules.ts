import { type AdviceFinding, type AdviceThresholds, suggest, suggestCommand } from './adviceFinding';
import { type RegionScan, type Resource, resourceKey } from './resource';
import { formatAge } from './text';

/**
 * The advice rules over the resource index, pure: what the scans recorded goes in, findings and notes (what could
 * not be checked, and why) come out. Each rule reads the fields an AWS scan keeps in `raw` (EC2's own shapes) and
 * those the DEMO cloud keeps there (its shorter names), and says so when neither is there.
 */

export interface ResourceAdvice {
  findings: AdviceFinding[];
  notes: string[];
}

/** The ports whose opening to the whole internet is the classic break-in: SSH and RDP. */
export const adminPorts = [22, 3389] as const;
const anywhere = new Set(['0.0.0.0/0', '::/0']);

/**
 * When an instance was stopped, from EC2's `StateTransitionReason` (`User initiated (2024-01-15 10:30:45 GMT)`);
 * undefined when the reason carries no date.
 */
export function stoppedSince(r: Pick<Resource, 'raw'>): number | undefined {
  const reason = r.raw?.StateTransitionReason;
  if (typeof reason !== 'string') return undefined;
  const m = /\((\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT\)/.exec(reason);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const at = Date.UTC(y, mo - 1, d, h, mi, s);
  return Number.isNaN(at) ? undefined : at;
}

/** Instances stopped longer than the threshold, one finding per region. */
export function stoppedInstances(
  resources: readonly Resource[],
  now: number,
  t: AdviceThresholds,
): ResourceAdvice {
  const byRegion = new Map<string, { r: Resource; since: number }[]>();
  let undated = 0;
  for (const r of resources) {
    if (r.type !== 'instance' || r.state !== 'stopped') continue;
    const since = stoppedSince(r);
    if (since === undefined) {
      undated++;
      continue;
    }
    if (now - since <= t.stoppedForMs) continue;
    const list = byRegion.get(r.region) ?? [];
    list.push({ r, since });
    byRegion.set(r.region, list);
  }
  const findings: AdviceFinding[] = [];
  for (const [region, list] of [...byRegion].sort(([a], [b]) => a.localeCompare(b))) {
    list.sort((a, b) => a.since - b.since);
    const n = list.length;
    findings.push({
      rule: 'stopped-instance',
      severity: 'low',
      why:
        `${n === 1 ? 'an instance has' : `${n} instances have`} been stopped for more than ${formatAge(t.stoppedForMs)} ` +
        `(longest ${formatAge(now - list[0].since)}): their volumes and addresses still cost`,
      rows: list.map(({ r }) => ({
        type: 'instance',
        id: r.id,
        region,
        ...(r.name ? { name: r.name } : {}),
      })),
      suggestion: suggest(
        'terminate',
        { ids: list.map(({ r }) => resourceKey(r)), confirm: String(n) },
        'terminating cannot be undone: snapshot the data volumes you still need first',
      ),
    });
  }
  const notes =
    undated > 0
      ? [
          `${undated} stopped instance${undated === 1 ? '' : 's'}: since when is unknown (the scan recorded no dated ` +
            'StateTransitionReason), so the 7-day rule could not be checked for them',
        ]
      : [];
  return { findings, notes };
}

/** An inbound rule, from EC2's `IpPermissions` or the DEMO cloud's `Ingress`. */
export interface InboundRule {
  /** `tcp`, `udp`, `icmp`, or `-1` for every protocol. */
  protocol: string;
  /** Undefined for every port (protocol `-1`). */
  fromPort?: number;
  toPort?: number;
  cidrs: string[];
}

export function inboundRules(sg: Pick<Resource, 'raw'>): InboundRule[] | undefined {
  const raw = sg.raw ?? {};
  if (Array.isArray(raw.IpPermissions)) {
    return raw.IpPermissions.map((p: Record<string, unknown>) => ({
      protocol: String(p.IpProtocol ?? '-1'),
      ...ports(p.FromPort, p.ToPort),
      cidrs: [
        ...listOf(p.IpRanges).map((x) => String(x.CidrIp ?? '')),
        ...listOf(p.Ipv6Ranges).map((x) => String(x.CidrIpv6 ?? '')),
      ].filter(Boolean),
    }));
  }
  if (Array.isArray(raw.Ingress)) {
    return raw.Ingress.map((p: Record<string, unknown>) => ({
      protocol: String(p.protocol ?? '-1'),
      ...ports(p.fromPort, p.toPort),
      cidrs: typeof p.cidr === 'string' ? [p.cidr] : [],
    }));
  }
  return undefined;
}

function ports(from: unknown, to: unknown): { fromPort?: number; toPort?: number } {
  return typeof from === 'number' && typeof to === 'number' && from >= 0
    ? { fromPort: from, toPort: to }
    : {};
}

function listOf(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((x) => typeof x === 'object' && x !== null) : [];
}

/** The admin ports a rule opens to the whole internet (IPv4 or IPv6). */
export function openAdminPorts(rule: InboundRule): number[] {
  const proto = rule.protocol.toLowerCase();
  if (!['-1', 'all', 'tcp', '6'].includes(proto)) return [];
  if (!rule.cidrs.some((c) => anywhere.has(c))) return [];
  const everyPort = proto === '-1' || proto === 'all' || rule.fromPort === undefined;
  return adminPorts.filter((p) => everyPort || (rule.fromPort! <= p && p <= (rule.toPort ?? rule.fromPort!)));
}

/** Security groups that let the whole internet reach SSH (22) or RDP (3389): one finding per group. */
export function openAdminGroups(resources: readonly Resource[]): ResourceAdvice {
  const findings: AdviceFinding[] = [];
  let unreadable = 0;
  for (const sg of resources) {
    if (sg.type !== 'security-group') continue;
    const rules = inboundRules(sg);
    if (!rules) {
      unreadable++;
      continue;
    }
    const open = rules.flatMap((rule) => {
      const found = openAdminPorts(rule);
      return found.length ? [{ rule, ports: found }] : [];
    });
    if (open.length === 0) continue;
    const portList = [...new Set(open.flatMap((o) => o.ports))].sort((a, b) => a - b);
    const sources = [...new Set(open.flatMap((o) => o.rule.cidrs.filter((c) => anywhere.has(c))))];
    findings.push({
      rule: 'open-admin-port',
      severity: 'high',
      why:
        `port${portList.length === 1 ? '' : 's'} ${portList.join(', ')} (${portList.map(portName).join(', ')}) ` +
        `open to ${sources.join(' and ')}: anyone on the internet can try to log in`,
      rows: [{ type: 'security-group', id: sg.id, region: sg.region, ...(sg.name ? { name: sg.name } : {}) }],
      suggestion: suggestCommand(
        [
          'aws',
          'ec2',
          'revoke-security-group-ingress',
          '--region',
          sg.region,
          '--group-id',
          sg.id,
          '--ip-permissions',
          ...open.map((o) => ipPermission(o.rule)),
        ],
        'allow your own address (or a VPN or bastion range) on the port before revoking, or you lock yourself out',
      ),
    });
  }
  const notes =
    unreadable > 0
      ? [
          `${unreadable} security group${unreadable === 1 ? '' : 's'}: the scan recorded no inbound rules to check`,
        ]
      : [];
  return { findings, notes };
}

function portName(port: number): string {
  return port === 22 ? 'SSH' : port === 3389 ? 'RDP' : String(port);
}

/** The AWS CLI shorthand of exactly this rule's open-to-anywhere ranges (a revoke must match the rule). */
function ipPermission(rule: InboundRule): string {
  const proto = rule.protocol === 'all' ? '-1' : rule.protocol;
  const portPart = rule.fromPort !== undefined ? `,FromPort=${rule.fromPort},ToPort=${rule.toPort}` : '';
  const v4 = rule.cidrs.filter((c) => c === '0.0.0.0/0').map((c) => `{CidrIp=${c}}`);
  const v6 = rule.cidrs.filter((c) => c === '::/0').map((c) => `{CidrIpv6=${c}}`);
  const ranges = [
    ...(v4.length ? [`IpRanges=[${v4.join(',')}]`] : []),
    ...(v6.length ? [`Ipv6Ranges=[${v6.join(',')}]`] : []),
  ];
  return `IpProtocol=${proto}${portPart},${ranges.join(',')}`;
}

/**
 * A bucket's versioning and public access block as recorded: the DEMO cloud, an AWS scan and a deploy's read keep
 * booleans (`versioning`, `blockPublicAccess`); a scan that could not read them (an S3-compatible server) has neither.
 */
export function bucketSettings(b: Pick<Resource, 'raw'>): {
  versioning?: boolean;
  blockPublicAccess?: boolean;
} {
  const raw = b.raw ?? {};
  return {
    ...(typeof raw.versioning === 'boolean' ? { versioning: raw.versioning } : {}),
    ...(typeof raw.blockPublicAccess === 'boolean' ? { blockPublicAccess: raw.blockPublicAccess } : {}),
  };
}

/** Buckets whose public access is not blocked (one finding each), and buckets without versioning (per region). */
export function bucketFindings(resources: readonly Resource[]): ResourceAdvice {
  const findings: AdviceFinding[] = [];
  const unversioned = new Map<string, Resource[]>();
  let unknown = 0;
  for (const b of resources) {
    if (b.type !== 'bucket') continue;
    const s = bucketSettings(b);
    if (s.versioning === undefined || s.blockPublicAccess === undefined) unknown++;
    if (s.blockPublicAccess === false) {
      findings.push({
        rule: 'public-bucket',
        severity: 'high',
        why: 'public access is not blocked: an ACL or bucket policy can make its objects readable by anyone',
        rows: [{ type: 'bucket', id: b.id, region: b.region }],
        suggestion: suggestCommand(
          [
            'aws',
            's3api',
            'put-public-access-block',
            '--bucket',
            b.id,
            '--public-access-block-configuration',
            'BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true',
          ],
          'a site served straight from the bucket stops working: serve it through CloudFront first',
        ),
      });
    }
    if (s.versioning === false) {
      const list = unversioned.get(b.region) ?? [];
      list.push(b);
      unversioned.set(b.region, list);
    }
  }
  for (const [region, list] of [...unversioned].sort(([a], [b]) => a.localeCompare(b))) {
    const n = list.length;
    findings.push({
      rule: 'bucket-without-versioning',
      severity: 'low',
      why: `${n === 1 ? 'a bucket keeps' : `${n} buckets keep`} no versions: an overwrite or delete cannot be undone`,
      rows: list.map((b) => ({ type: 'bucket', id: b.id, region })),
      suggestion: suggest(
        'command',
        {
          program:
            'for b in "$@"; do aws s3api put-bucket-versioning --bucket "$b" --versioning-configuration Status=Enabled; done',
          args: list.map((b) => b.id),
          shell: true,
        },
        'old versions are kept (and billed) from then on: add a lifecycle rule that expires them',
      ),
    });
  }
  const notes =
    unknown > 0
      ? [
          `${unknown} bucket${unknown === 1 ? '' : 's'}: versioning and public access not checked (the scan could not ` +
            'read them; `aws s3api get-bucket-versioning` / `get-public-access-block` tell)',
        ]
      : [];
  return { findings, notes };
}

/**
 * Scopes scanned longer ago than the threshold (and an account never scanned): the resource findings are only as
 * fresh as the scan. One finding, suggesting a scan of exactly the stale scopes.
 */
export function staleScans(
  scans: readonly Pick<RegionScan, 'region' | 'scannedAt'>[],
  now: number,
  t: AdviceThresholds,
  account?: string,
): AdviceFinding[] {
  if (scans.length === 0) {
    return [
      {
        rule: 'stale-scan',
        severity: 'medium',
        why: `nothing is scanned${account ? ` for account ${account}` : ''}: no resource could be checked`,
        rows: [{ type: 'scan', id: account ?? 'account' }],
        suggestion: suggest('scan', {}),
      },
    ];
  }
  const stale = scans
    .filter((s) => now - s.scannedAt > t.staleScanMs)
    .sort((a, b) => a.scannedAt - b.scannedAt);
  if (stale.length === 0) return [];
  const regions = stale.filter((s) => s.region !== 'global').map((s) => s.region);
  const buckets = stale.some((s) => s.region === 'global');
  return [
    {
      rule: 'stale-scan',
      severity: 'low',
      why:
        `${stale.length} scan scope${stale.length === 1 ? ' is' : 's are'} older than ${formatAge(t.staleScanMs)} ` +
        `(oldest ${formatAge(now - stale[0].scannedAt)}): the findings about them may be out of date`,
      rows: stale.map((s) => ({
        type: 'scan',
        id: s.region,
        ...(s.region !== 'global' ? { region: s.region } : {}),
      })),
      suggestion: suggest('scan', regions.length ? { regions, buckets } : { buckets: true }),
    },
  ];
}
