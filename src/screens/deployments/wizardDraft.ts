import type { BlueprintInput } from '../../domain/blueprint';
import type { SourceError } from '../../domain/sourceError';

/**
 * The new-blueprint wizard's answers as typed (numbers stay text until the blueprint is built, so a typo is
 * reported by the schema at its field instead of being lost). Field keys are the blueprint's own paths
 * (`network.subnets[1].cidr`): the schema's errors land under the field that holds the value.
 */
export interface SubnetDraft {
  name: string;
  cidr: string;
  az: string;
  public: boolean;
}
export interface InstanceDraft {
  name: string;
  type: string;
  ami: string;
  count: string;
  subnet: string;
}
export interface BucketDraft {
  name: string;
  versioning: boolean;
}
export interface WizardDraft {
  name: string;
  owner: string;
  environment: string;
  region: string;
  protected: boolean;
  vpcCidr: string;
  internetGateway: boolean;
  /** `22, 443, 8000-8100`: TCP ports open from anywhere, as one security group `web` every server joins. */
  openPorts: string;
  subnets: SubnetDraft[];
  instances: InstanceDraft[];
  buckets: BucketDraft[];
}

export const wizardSteps = [
  { id: 'project', title: 'Project' },
  { id: 'network', title: 'Network' },
  { id: 'instances', title: 'Servers' },
  { id: 'buckets', title: 'Buckets' },
  { id: 'review', title: 'Review' },
] as const;
export type WizardStep = (typeof wizardSteps)[number]['id'];

export interface WizardField {
  /** The blueprint path of the value. */
  key: string;
  label: string;
  kind: 'text' | 'toggle';
  hint: string;
  /** A heading printed before the field (`Subnet 2`). */
  heading?: string;
}

export const defaultAmi = 'ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';
export const webGroup = 'web';

export function newDraft(): WizardDraft {
  return {
    name: '',
    owner: '',
    environment: 'dev',
    region: 'eu-west-1',
    protected: false,
    vpcCidr: '10.0.0.0/16',
    internetGateway: true,
    openPorts: '22, 443',
    subnets: [{ name: 'public-a', cidr: '10.0.1.0/24', az: '', public: true }],
    instances: [{ name: 'web', type: 't3.micro', ami: defaultAmi, count: '1', subnet: '' }],
    buckets: [],
  };
}

const zones = 'abc';

/**
 * Values that depend on earlier answers, filled in when a step is entered and only while still empty: the
 * availability zones of the region, the servers' subnet.
 */
export function fillDefaults(draft: WizardDraft, step: WizardStep): WizardDraft {
  if (step === 'network' && draft.subnets.some((s) => s.az === '')) {
    return {
      ...draft,
      subnets: draft.subnets.map((s, i) => (s.az ? s : { ...s, az: `${draft.region}${zones[i % 3]}` })),
    };
  }
  if (step === 'instances' && draft.instances.some((i) => i.subnet === '') && draft.subnets[0]?.name) {
    const subnet = draft.subnets[0].name;
    return { ...draft, instances: draft.instances.map((i) => (i.subnet ? i : { ...i, subnet })) };
  }
  return draft;
}

export function stepFields(step: WizardStep, draft: WizardDraft): WizardField[] {
  switch (step) {
    case 'project':
      return [
        { key: 'name', label: 'Name', kind: 'text', hint: 'a-z, 0-9 and -, like shop or billing-api' },
        { key: 'owner', label: 'Owner', kind: 'text', hint: 'the team or e-mail answering for it' },
        { key: 'environment', label: 'Environment', kind: 'text', hint: 'dev, staging, prod…' },
        { key: 'region', label: 'Region', kind: 'text', hint: 'the AWS region, like eu-west-1 or us-east-1' },
        {
          key: 'protected',
          label: 'Protected',
          kind: 'toggle',
          hint: 'destroying it asks for its name to be typed (Space toggles)',
        },
      ];
    case 'network':
      return [
        { key: 'network.vpc.cidr', label: 'VPC CIDR', kind: 'text', hint: '/16 to /28, like 10.0.0.0/16' },
        {
          key: 'network.internetGateway',
          label: 'Internet gw',
          kind: 'toggle',
          hint: 'an internet gateway; public subnets route to it (Space toggles)',
        },
        {
          key: 'network.securityGroups',
          label: 'Open ports',
          kind: 'text',
          hint: `TCP ports open from anywhere (22, 443, 8000-8100): security group "${webGroup}" for the servers`,
        },
        ...draft.subnets.flatMap((_, i): WizardField[] => [
          {
            key: `network.subnets[${i}].name`,
            label: 'Name',
            kind: 'text',
            hint: 'servers name their subnet',
            heading: `Subnet ${i + 1}`,
          },
          {
            key: `network.subnets[${i}].cidr`,
            label: 'CIDR',
            kind: 'text',
            hint: 'inside the VPC block, not overlapping',
          },
          {
            key: `network.subnets[${i}].az`,
            label: 'Zone',
            kind: 'text',
            hint: 'an availability zone of the region',
          },
          {
            key: `network.subnets[${i}].public`,
            label: 'Public',
            kind: 'toggle',
            hint: 'public IPs and a route to the internet gateway (Space toggles)',
          },
        ]),
      ];
    case 'instances':
      return draft.instances.flatMap((_, i): WizardField[] => [
        {
          key: `compute.instances[${i}].name`,
          label: 'Name',
          kind: 'text',
          hint: 'web, api, db…',
          heading: `Server ${i + 1}`,
        },
        {
          key: `compute.instances[${i}].type`,
          label: 'Type',
          kind: 'text',
          hint: 'an EC2 instance type, like t3.micro',
        },
        {
          key: `compute.instances[${i}].ami`,
          label: 'Image',
          kind: 'text',
          hint: 'an AMI id of the region (ami-…) or an SSM public parameter (ssm:/aws/service/…)',
        },
        { key: `compute.instances[${i}].count`, label: 'Count', kind: 'text', hint: 'how many, 1 to 100' },
        {
          key: `compute.instances[${i}].subnet`,
          label: 'Subnet',
          kind: 'text',
          hint: 'the name of a subnet above',
        },
      ]);
    case 'buckets':
      return draft.buckets.flatMap((_, i): WizardField[] => [
        {
          key: `storage.buckets[${i}].name`,
          label: 'Name',
          kind: 'text',
          hint: 'globally unique: 3-63 of a-z, 0-9, . and -',
          heading: `Bucket ${i + 1}`,
        },
        {
          key: `storage.buckets[${i}].versioning`,
          label: 'Versioning',
          kind: 'toggle',
          hint: 'keep every version of every object (Space toggles)',
        },
      ]);
    case 'review':
      return [];
  }
}

type ItemList = 'subnets' | 'instances' | 'buckets';
const itemPath = /^(network\.subnets|compute\.instances|storage\.buckets)\[(\d+)\]\.(\w+)$/;
const listOf: Record<string, ItemList> = {
  'network.subnets': 'subnets',
  'compute.instances': 'instances',
  'storage.buckets': 'buckets',
};
const topLevel: Record<string, keyof WizardDraft> = {
  name: 'name',
  owner: 'owner',
  environment: 'environment',
  region: 'region',
  protected: 'protected',
  'network.vpc.cidr': 'vpcCidr',
  'network.internetGateway': 'internetGateway',
  'network.securityGroups': 'openPorts',
};

export function fieldValue(draft: WizardDraft, key: string): string | boolean {
  const top = topLevel[key];
  if (top) return draft[top] as string | boolean;
  const m = itemPath.exec(key);
  if (!m) return '';
  const item = draft[listOf[m[1]]][Number(m[2])] as unknown as Record<string, string | boolean> | undefined;
  return item?.[m[3]] ?? '';
}

export function withFieldValue(draft: WizardDraft, key: string, value: string | boolean): WizardDraft {
  const top = topLevel[key];
  if (top) return { ...draft, [top]: value };
  const m = itemPath.exec(key);
  if (!m) return draft;
  const list = listOf[m[1]];
  const i = Number(m[2]);
  const items = draft[list].map((item, j) => (j === i ? { ...item, [m[3]]: value } : item));
  return { ...draft, [list]: items };
}

/** The list a step adds to with Ctrl-N. */
export function stepList(step: WizardStep): ItemList | undefined {
  return step === 'network'
    ? 'subnets'
    : step === 'instances'
      ? 'instances'
      : step === 'buckets'
        ? 'buckets'
        : undefined;
}

export function addItem(draft: WizardDraft, list: ItemList): WizardDraft {
  switch (list) {
    case 'subnets': {
      const i = draft.subnets.length;
      const next: SubnetDraft = {
        name: `private-${zones[i % 3]}`,
        cidr: '',
        az: `${draft.region}${zones[i % 3]}`,
        public: false,
      };
      return { ...draft, subnets: [...draft.subnets, next] };
    }
    case 'instances': {
      const next: InstanceDraft = {
        name: '',
        type: 't3.micro',
        ami: defaultAmi,
        count: '1',
        subnet: draft.subnets[0]?.name ?? '',
      };
      return { ...draft, instances: [...draft.instances, next] };
    }
    case 'buckets':
      return { ...draft, buckets: [...draft.buckets, { name: '', versioning: false }] };
  }
}

/** Removes the list item the field belongs to; undefined when the field is not in a list. */
/** True for a field of an item of a list (a subnet's, a server's, a bucket's): Ctrl-X removes that item. */
export function isItemField(key: string): boolean {
  return itemPath.test(key);
}

export function removeItemOf(draft: WizardDraft, key: string): WizardDraft | undefined {
  const m = itemPath.exec(key);
  if (!m) return undefined;
  const list = listOf[m[1]];
  const i = Number(m[2]);
  return { ...draft, [list]: draft[list].filter((_, j) => j !== i) };
}

function portRule(token: string): Record<string, unknown> {
  const rule = { protocol: 'tcp', cidr: '0.0.0.0/0' };
  if (/^\d+$/.test(token)) return { ...rule, port: Number(token) };
  if (/^\d+-\d+$/.test(token)) return { ...rule, ports: token };
  // Not a port: the schema says so at this rule (network.securityGroups[0].ingress[n].port).
  return { ...rule, port: token };
}

/** The blueprint the answers describe, for `draftProblems` and the save. */
export function blueprintInputOf(draft: WizardDraft): BlueprintInput {
  const t = (s: string) => s.trim();
  const ports = t(draft.openPorts)
    .split(/[\s,]+/)
    .filter(Boolean);
  const input: Record<string, unknown> = {
    name: t(draft.name),
    owner: t(draft.owner),
    environment: t(draft.environment),
    region: t(draft.region),
    protected: draft.protected,
  };
  if (t(draft.vpcCidr) || draft.subnets.length > 0 || ports.length > 0) {
    input.network = {
      vpc: { cidr: t(draft.vpcCidr) },
      subnets: draft.subnets.map((s) => ({
        name: t(s.name),
        cidr: t(s.cidr),
        az: t(s.az),
        public: s.public,
      })),
      internetGateway: draft.internetGateway,
      securityGroups: ports.length
        ? [{ name: webGroup, description: 'opened by the infradeck wizard', ingress: ports.map(portRule) }]
        : [],
    };
  }
  if (draft.instances.length > 0) {
    input.compute = {
      instances: draft.instances.map((i) => ({
        name: t(i.name),
        type: t(i.type),
        ami: t(i.ami),
        count: /^\d+$/.test(t(i.count)) ? Number(t(i.count)) : t(i.count),
        subnet: t(i.subnet),
        securityGroups: ports.length ? [webGroup] : [],
      })),
    };
  }
  if (draft.buckets.length > 0) {
    input.storage = { buckets: draft.buckets.map((b) => ({ name: t(b.name), versioning: b.versioning })) };
  }
  // Values typed as text are checked by the schema (draftProblems), which says what is wrong and where.
  return input as unknown as BlueprintInput;
}

/** The wizard step that asks for the value at `path`. */
export function stepOfPath(path: string): WizardStep {
  if (path.startsWith('network')) return 'network';
  if (path.startsWith('compute')) return 'instances';
  if (path.startsWith('storage')) return 'buckets';
  return path === '' ? 'review' : 'project';
}

/** The field an error belongs to: the one whose path is the error's path or its closest parent. */
export function fieldOfError(path: string, fields: readonly WizardField[]): string | undefined {
  let best: string | undefined;
  for (const f of fields) {
    const under = path === f.key || path.startsWith(`${f.key}.`) || path.startsWith(`${f.key}[`);
    if (under && (!best || f.key.length > best.length)) best = f.key;
  }
  return best;
}

/** A step's problems, by field key; those that fit no field are under `''`. */
export function problemsByField(
  problems: readonly SourceError[],
  step: WizardStep,
  fields: readonly WizardField[],
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of problems) {
    if (stepOfPath(p.path) !== step) continue;
    const key = fieldOfError(p.path, fields) ?? '';
    const message = key === '' && p.path ? `${p.path}: ${p.message}` : p.message;
    const list = out.get(key);
    if (list) list.push(message);
    else out.set(key, [message]);
  }
  return out;
}
