import * as z from 'zod';
import { cidrContains, cidrsOverlap, formatIp, networkAddress, parseCidr } from './cidr';
import { didYouMean } from './didYouMean';

/**
 * A project blueprint: the network, servers and buckets a team wants in one AWS region. Every field is one
 * the deployer carries out; a value it cannot carry out is a validation error here (never dropped later).
 * Cross-references (subnet and group names), CIDR arithmetic and instance types are checked by the schema
 * itself, so a located error comes back for each of them from the YAML loader and from enqueue alike.
 */

// --- names and small values ----------------------------------------------------------------------

const slug = (what: string, max: number) =>
  z
    .string()
    .regex(
      new RegExp(`^[a-z][a-z0-9-]{0,${max - 1}}$`),
      `${what} must start with a letter and use only a-z, 0-9 and "-" (at most ${max} characters)`,
    )
    .refine((s) => !s.endsWith('-') && !s.includes('--'), `${what} must not end with "-" nor contain "--"`);

export const projectNameSchema = slug('a project name', 40);
const resourceName = slug('a name', 40);

const regionPattern = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
export const regionSchema = z.string().regex(regionPattern, 'not an AWS region name (like eu-west-1)');

/** `ami-0abc…`: 8 or 17 hex digits, as EC2 gives them. */
export const amiIdPattern = /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/;
/** An SSM public parameter holding an AMI id: `ssm:/aws/service/…`. RunInstances resolves it (`resolve:ssm:`). */
export const ssmAliasPattern = /^ssm:(\/[A-Za-z0-9_.\-/]+)$/;

// AWS's limits for tags on EC2 resources and S3 buckets alike. Lengths are in Unicode characters (code points).
const maxTagsPerResource = 50;
const maxTagKeyLength = 128;
const maxTagValueLength = 256;

/**
 * The tags infradeck puts on every resource next to the blueprint's own (`desiredResources` adds the first
 * three, the deployer the deploy id), and the one it adds on instances only. The schema test counts
 * what `desiredResources` really puts on a resource of the largest accepted blueprint against these.
 */
const ownTags = ['Name', 'infradeck:project', 'infradeck:logical-id', 'infradeck:deploy'];
const ownInstanceTags = [...ownTags, 'infradeck:spec'];

// Keys are checked here rather than by the record's key schema: a record key's own error loses its message in zod.
const tagsSchema = z.record(z.string(), z.string()).superRefine((tags, ctx) => {
  for (const [key, value] of Object.entries(tags)) {
    const problem = tagKeyProblem(key) ?? tagValueProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', path: [key], message: problem });
  }
});

function tagKeyProblem(key: string): string | undefined {
  if (key === '') return 'a tag key cannot be empty';
  const length = codePoints(key);
  if (length > maxTagKeyLength)
    return `the tag key is ${length} characters long and AWS allows at most ${maxTagKeyLength}: shorten it`;
  const k = key.toLowerCase();
  if (k.startsWith('aws:')) return 'tag keys starting with "aws:" are reserved by AWS';
  if (k.startsWith('infradeck:'))
    return 'tag keys starting with "infradeck:" are set by infradeck itself: choose another key';
  if (key === 'Name') return 'the Name tag is set by infradeck from each resource name: remove it';
  return undefined;
}

function tagValueProblem(value: string): string | undefined {
  const length = codePoints(value);
  if (length > maxTagValueLength)
    return `the tag value is ${length} characters long and AWS allows at most ${maxTagValueLength}: shorten it`;
  return undefined;
}

/** Length in Unicode characters, as AWS counts a tag: an emoji is one, not two UTF-16 units. */
function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is one character.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** The blueprint's tags together with infradeck's must fit AWS's 50 on every resource the blueprint makes. */
function tagCountProblem(bp: Blueprint): string | undefined {
  const count = Object.keys(bp.tags).length;
  const own = (bp.compute?.instances.length ?? 0) > 0 ? ownInstanceTags : ownTags;
  const room = maxTagsPerResource - own.length;
  if (count <= room) return undefined;
  const onWhat = own === ownInstanceTags ? 'each instance' : 'each resource';
  return (
    `${count} tags, but at most ${room} fit: AWS allows ${maxTagsPerResource} tags per resource and infradeck ` +
    `adds ${own.length} of its own to ${onWhat} (${own.join(', ')}); remove ${count - room}`
  );
}

// --- CIDR blocks ---------------------------------------------------------------------------------

/** Why a VPC or subnet block cannot be used, or undefined. AWS takes /16 to /28 with no host bits set. */
function cidrProblem(text: string): string | undefined {
  const c = parseCidr(text);
  if (!c) return `"${text}" is not an IPv4 CIDR block (like 10.0.0.0/16)`;
  if (c.bits < 16 || c.bits > 28) return `"${text}": AWS allows blocks from /16 to /28, got /${c.bits}`;
  const aligned = networkAddress(c);
  if (aligned !== c.base) return `"${text}" has host bits set (did you mean ${formatIp(aligned)}/${c.bits}?)`;
  return undefined;
}

const blockCidr = z.string().superRefine((s, ctx) => {
  const problem = cidrProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const ruleCidr = z.string().superRefine((s, ctx) => {
  const c = parseCidr(s);
  if (!c) ctx.addIssue({ code: 'custom', message: `"${s}" is not an IPv4 CIDR block (like 0.0.0.0/0)` });
  else if (networkAddress(c) !== c.base)
    ctx.addIssue({
      code: 'custom',
      message: `"${s}" has host bits set (did you mean ${formatIp(networkAddress(c))}/${c.bits}?)`,
    });
});

// --- instance types ------------------------------------------------------------------------------

const burstable = ['nano', 'micro', 'small', 'medium', 'large', 'xlarge', '2xlarge'];
const standard = [
  'large',
  'xlarge',
  '2xlarge',
  '4xlarge',
  '8xlarge',
  '12xlarge',
  '16xlarge',
  '24xlarge',
  'metal',
];
const graviton = ['medium', ...standard];
const large48 = [...standard, '32xlarge', '48xlarge'];

/** Instance families the deployer knows, with their sizes. A type outside this list is refused. */
const families: Record<string, string[]> = {
  t2: burstable,
  t3: burstable,
  t3a: burstable,
  t4g: burstable,
  m5: standard,
  m5a: standard,
  m5n: standard,
  m6i: [...standard, '32xlarge'],
  m6a: large48,
  m6g: graviton,
  m7i: large48,
  m7a: ['medium', ...large48],
  m7g: graviton,
  m8g: [...graviton, '48xlarge'],
  c5: ['large', 'xlarge', '2xlarge', '4xlarge', '9xlarge', '12xlarge', '18xlarge', '24xlarge', 'metal'],
  c5a: standard,
  c5n: ['large', 'xlarge', '2xlarge', '4xlarge', '9xlarge', '18xlarge', 'metal'],
  c6i: [...standard, '32xlarge'],
  c6a: large48,
  c6g: graviton,
  c6gn: graviton,
  c7i: large48,
  c7a: ['medium', ...large48],
  c7g: graviton,
  c8g: [...graviton, '48xlarge'],
  r5: standard,
  r5a: standard,
  r6i: [...standard, '32xlarge'],
  r6a: large48,
  r6g: graviton,
  r7i: large48,
  r7a: ['medium', ...large48],
  r7g: graviton,
  r8g: [...graviton, '48xlarge'],
  x2idn: ['16xlarge', '24xlarge', '32xlarge', 'metal'],
  z1d: ['large', 'xlarge', '2xlarge', '3xlarge', '6xlarge', '12xlarge', 'metal'],
  i3: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '16xlarge', 'metal'],
  i3en: ['large', 'xlarge', '2xlarge', '3xlarge', '6xlarge', '12xlarge', '24xlarge', 'metal'],
  i4i: [...standard, '32xlarge'],
  d3: ['xlarge', '2xlarge', '4xlarge', '8xlarge'],
  g4dn: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', 'metal'],
  g5: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  g6: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  p3: ['2xlarge', '8xlarge', '16xlarge'],
  p4d: ['24xlarge'],
  p5: ['48xlarge'],
  inf2: ['xlarge', '8xlarge', '24xlarge', '48xlarge'],
  trn1: ['2xlarge', '32xlarge'],
};

export const instanceTypes: ReadonlySet<string> = new Set(
  Object.entries(families).flatMap(([family, sizes]) => sizes.map((s) => `${family}.${s}`)),
);

/** The known instance type closest to `word`, for "did you mean". */
export function closestInstanceType(word: string): string | undefined {
  return didYouMean(word, instanceTypes, Math.max(2, Math.floor(word.length / 3)));
}

const instanceType = z.string().superRefine((t, ctx) => {
  if (instanceTypes.has(t)) return;
  const hint = closestInstanceType(t);
  ctx.addIssue({
    code: 'custom',
    message: `"${t}" is not an instance type${hint ? ` (did you mean ${hint}?)` : ''}`,
  });
});

// --- network -------------------------------------------------------------------------------------

const portNumber = z.number().int().min(0).max(65_535);

export const ruleSchema = z
  .object({
    /** `all` means every protocol and port. */
    protocol: z.enum(['tcp', 'udp', 'icmp', 'all']),
    /** One port (tcp/udp). */
    port: portNumber.optional(),
    /** A range `from-to` (tcp/udp), e.g. `8000-8100`. */
    ports: z
      .string()
      .regex(/^\d{1,5}-\d{1,5}$/, 'a port range is written "from-to", like 8000-8100')
      .optional(),
    /** Where traffic comes from (ingress) or goes to (egress): an IPv4 block… */
    cidr: ruleCidr.optional(),
    /** …or another security group of this blueprint, by name. */
    group: resourceName.optional(),
    description: z.string().max(255).optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    const hasPorts = rule.port !== undefined || rule.ports !== undefined;
    if (rule.port !== undefined && rule.ports !== undefined)
      ctx.addIssue({ code: 'custom', path: ['ports'], message: 'give either port or ports, not both' });
    if ((rule.protocol === 'tcp' || rule.protocol === 'udp') && !hasPorts)
      ctx.addIssue({
        code: 'custom',
        path: ['protocol'],
        message: `a ${rule.protocol} rule needs port (443) or ports (8000-8100)`,
      });
    if ((rule.protocol === 'all' || rule.protocol === 'icmp') && hasPorts)
      ctx.addIssue({
        code: 'custom',
        path: [rule.port !== undefined ? 'port' : 'ports'],
        message: `a rule for ${rule.protocol} covers every port: remove the ports`,
      });
    if (rule.ports !== undefined) {
      const [from, to] = rule.ports.split('-').map(Number);
      if (from > 65_535 || to > 65_535 || from > to)
        ctx.addIssue({
          code: 'custom',
          path: ['ports'],
          message: `"${rule.ports}" is not a port range (from ≤ to ≤ 65535)`,
        });
    }
    if ((rule.cidr === undefined) === (rule.group === undefined))
      ctx.addIssue({
        code: 'custom',
        path: rule.cidr === undefined ? [] : ['group'],
        message: 'a rule names exactly one of cidr (an address block) or group (a security group)',
      });
  });

export const securityGroupSchema = z
  .object({
    name: resourceName,
    /** Fixed at creation by AWS. */
    description: z.string().min(1).max(255).optional(),
    ingress: z.array(ruleSchema).default([]),
    /** Omitted: AWS's default, all traffic out. An empty list: nothing goes out. */
    egress: z.array(ruleSchema).optional(),
  })
  .strict();

export const subnetSchema = z
  .object({
    name: resourceName,
    cidr: blockCidr,
    /** The availability zone, e.g. `eu-west-1a`; it must be in the project's region. */
    az: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, 'not an availability zone (like eu-west-1a)'),
    /** Instances get a public IP and the subnet routes to the internet gateway. */
    public: z.boolean().default(false),
  })
  .strict();

export const networkSchema = z
  .object({
    vpc: z.object({ cidr: blockCidr }).strict(),
    subnets: z.array(subnetSchema).default([]),
    /** Creates an internet gateway and a route table sending public subnets' 0.0.0.0/0 to it. */
    internetGateway: z.boolean().default(false),
    securityGroups: z.array(securityGroupSchema).default([]),
  })
  .strict();

// --- compute -------------------------------------------------------------------------------------

const utf8 = new TextEncoder();

export const instanceSchema = z
  .object({
    name: resourceName,
    type: instanceType,
    /** An AMI id of the region (`ami-…`) or an SSM public parameter (`ssm:/aws/service/…`). */
    ami: z
      .string()
      .refine(
        (s) => amiIdPattern.test(s) || ssmAliasPattern.test(s),
        'expected an AMI id (ami- and 8 or 17 hex digits) or an SSM public parameter (ssm:/aws/service/…)',
      ),
    count: z.number().int().min(1).max(100).default(1),
    /** An existing key pair of the region, by name. */
    keyPair: z.string().min(1).max(255).optional(),
    /** A subnet of this blueprint, by name. */
    subnet: resourceName,
    securityGroups: z.array(resourceName).default([]),
    rootVolumeGiB: z.number().int().min(1).max(16_384).optional(),
    /** A script run at first boot; EC2 takes at most 16 KiB. */
    userData: z
      .string()
      .refine((s) => utf8.encode(s).length <= 16_384, 'user data is limited to 16 KiB by EC2')
      .optional(),
  })
  .strict();

export const computeSchema = z.object({ instances: z.array(instanceSchema).default([]) }).strict();

// --- storage -------------------------------------------------------------------------------------

const bucketName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    'a bucket name has 3-63 characters: a-z, 0-9, "." and "-", starting and ending with a letter or digit',
  )
  .refine((s) => !s.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(s), 'not a valid bucket name')
  .refine((s) => !s.startsWith('xn--') && !s.endsWith('-s3alias'), 'this bucket name is reserved by S3');

export const bucketSchema = z
  .object({
    /** Bucket names are global across all AWS accounts. */
    name: bucketName,
    versioning: z.boolean().default(false),
    /** `true` turns on SSE-S3 (AES256) default encryption; SSE-KMS is not supported by the deployer. */
    encryption: z
      .union([z.boolean(), z.string()])
      .default(true)
      .superRefine((v, ctx) => {
        if (typeof v === 'string' && v !== 'AES256')
          ctx.addIssue({
            code: 'custom',
            message: `the deployer can only turn on SSE-S3 (AES256) encryption, not "${v}": write true or AES256`,
          });
      })
      .transform((v) => v !== false),
    /** New buckets block public access (AWS default since 2023); the deployer never lifts that block. */
    publicAccessBlock: z
      .boolean()
      .default(true)
      .refine(
        (v) => v,
        'the deployer cannot open a bucket to the public (S3 blocks public access on new buckets): remove the key or write true',
      ),
  })
  .strict();

export const storageSchema = z.object({ buckets: z.array(bucketSchema).default([]) }).strict();

// --- the blueprint -------------------------------------------------------------------------------

export const blueprintSchema = z
  .object({
    name: projectNameSchema,
    owner: z.string().min(1).max(200),
    environment: slug('an environment', 20),
    region: regionSchema,
    /** Destroying (or any delete) needs the project's name typed to confirm. */
    protected: z.boolean().default(false),
    tags: tagsSchema.default({}),
    network: networkSchema.optional(),
    compute: computeSchema.optional(),
    storage: storageSchema.optional(),
  })
  .strict()
  .superRefine(crossCheck);

export type Blueprint = z.output<typeof blueprintSchema>;
export type BlueprintInput = z.input<typeof blueprintSchema>;
export type Network = z.output<typeof networkSchema>;
export type Subnet = z.output<typeof subnetSchema>;
export type SecurityGroup = z.output<typeof securityGroupSchema>;
export type Rule = z.output<typeof ruleSchema>;
export type Instance = z.output<typeof instanceSchema>;
export type Bucket = z.output<typeof bucketSchema>;

type Ctx = z.core.$RefinementCtx<Blueprint>;

function issue(ctx: Ctx, path: PropertyKey[], message: string) {
  ctx.addIssue({ code: 'custom', path, message });
}

function duplicates<T extends { name: string }>(ctx: Ctx, items: T[], path: PropertyKey[], what: string) {
  const first = new Map<string, number>();
  items.forEach((item, i) => {
    const earlier = first.get(item.name);
    if (earlier === undefined) first.set(item.name, i);
    else
      issue(
        ctx,
        [...path, i, 'name'],
        `${what} "${item.name}" is already defined (${formatIndex(path, earlier)})`,
      );
  });
}

function formatIndex(path: PropertyKey[], i: number): string {
  return `${path.join('.')}[${i}]`;
}

/** Checks that need the whole blueprint: names that must exist, blocks that must fit, what the deployer can do. */
function crossCheck(bp: Blueprint, ctx: Ctx): void {
  const net = bp.network;
  const subnets = net?.subnets ?? [];
  const groups = net?.securityGroups ?? [];
  const instances = bp.compute?.instances ?? [];
  const buckets = bp.storage?.buckets ?? [];

  const tooMany = tagCountProblem(bp);
  if (tooMany) issue(ctx, ['tags'], tooMany);
  duplicates(ctx, subnets, ['network', 'subnets'], 'subnet');
  duplicates(ctx, groups, ['network', 'securityGroups'], 'security group');
  duplicates(ctx, instances, ['compute', 'instances'], 'instance');
  duplicates(ctx, buckets, ['storage', 'buckets'], 'bucket');

  if (net) {
    const vpc = parseCidr(net.vpc.cidr);
    const seen: { cidr: ReturnType<typeof parseCidr>; index: number }[] = [];
    subnets.forEach((s, i) => {
      const at = ['network', 'subnets', i];
      const c = parseCidr(s.cidr);
      if (vpc && c && !cidrContains(vpc, c))
        issue(ctx, [...at, 'cidr'], `${s.cidr} is outside the VPC block ${net.vpc.cidr}`);
      else if (c) {
        const clash = seen.find((o) => o.cidr && cidrsOverlap(o.cidr, c));
        if (clash)
          issue(
            ctx,
            [...at, 'cidr'],
            `${s.cidr} overlaps subnet "${subnets[clash.index].name}" (${subnets[clash.index].cidr})`,
          );
        seen.push({ cidr: c, index: i });
      }
      if (!s.az.startsWith(bp.region) || s.az.length !== bp.region.length + 1)
        issue(ctx, [...at, 'az'], `availability zone ${s.az} is not in the project's region ${bp.region}`);
      if (s.public && !net.internetGateway)
        issue(
          ctx,
          [...at, 'public'],
          'a public subnet routes to the internet gateway: set network.internetGateway: true',
        );
    });

    const groupNames = new Set(groups.map((g) => g.name));
    groups.forEach((g, gi) => {
      for (const side of ['ingress', 'egress'] as const) {
        (g[side] ?? []).forEach((rule, ri) => {
          if (rule.group === g.name)
            issue(
              ctx,
              ['network', 'securityGroups', gi, side, ri, 'group'],
              `a group cannot name itself in its rules: the deployer creates the rules together with the group`,
            );
          else if (rule.group !== undefined && !groupNames.has(rule.group))
            issue(
              ctx,
              ['network', 'securityGroups', gi, side, ri, 'group'],
              `no security group named "${rule.group}" in network.securityGroups${known(groupNames)}`,
            );
        });
      }
    });
    const cycle = groupCycle(groups);
    if (cycle) {
      const gi = groups.findIndex((g) => g.name === cycle[0]);
      issue(
        ctx,
        ['network', 'securityGroups', gi, 'name'],
        `security groups ${cycle.join(' → ')} refer to each other in a cycle: the deployer creates each group with ` +
          'its rules, so one of them must not name the other',
      );
    }
  }

  const subnetNames = new Set(subnets.map((s) => s.name));
  const groupNames = new Set(groups.map((g) => g.name));
  instances.forEach((inst, i) => {
    const at = ['compute', 'instances', i];
    if (!net) {
      issue(ctx, [...at, 'subnet'], 'instances need a network: add network.vpc and network.subnets');
      return;
    }
    if (!subnetNames.has(inst.subnet))
      issue(
        ctx,
        [...at, 'subnet'],
        `no subnet named "${inst.subnet}" in network.subnets${known(subnetNames)}`,
      );
    inst.securityGroups.forEach((g, gi) => {
      if (!groupNames.has(g))
        issue(
          ctx,
          [...at, 'securityGroups', gi],
          `no security group named "${g}" in network.securityGroups${known(groupNames)}`,
        );
    });
    if (new Set(inst.securityGroups).size !== inst.securityGroups.length)
      issue(ctx, [...at, 'securityGroups'], 'a security group is listed twice');
  });
}

function known(names: Set<string>): string {
  return names.size ? ` (defined: ${[...names].join(', ')})` : ' (none is defined)';
}

/** A cycle among groups whose ingress rules name each other, as names; undefined when there is none. */
export function groupCycle(groups: readonly SecurityGroup[]): string[] | undefined {
  const refs = new Map(
    groups.map((g) => [
      g.name,
      [...g.ingress, ...(g.egress ?? [])].flatMap((r) => (r.group && r.group !== g.name ? [r.group] : [])),
    ]),
  );
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'open') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'open');
    stack.push(name);
    for (const next of refs.get(name) ?? []) {
      const found = visit(next);
      if (found) return found;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const g of groups) {
    const found = visit(g.name);
    if (found) return found;
  }
  return undefined;
}

/** `8000-8100` / `443` / undefined (every port) as [from, to]. */
export function rulePorts(rule: Rule): [number, number] | undefined {
  if (rule.port !== undefined) return [rule.port, rule.port];
  if (rule.ports !== undefined) {
    const [from, to] = rule.ports.split('-').map(Number);
    return [from, to];
  }
  return undefined;
}
