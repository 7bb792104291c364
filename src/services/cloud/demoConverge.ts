import { projectTag, type Resource } from '../../domain/resource';
import { CloudError } from './cloudError';
import type { ConvergeReport, SecurityRule, Settings } from './cloudProvider';
import { copyResource, type DemoEndpoint } from './demoEndpoint';
import { allowAllOut, describeRule, diffRules, missingTags } from './settingsDiff';

/** Reads a resource of the DEMO account and makes only the calls that close the difference to `settings`. */
export async function convergeDemo(
  demo: DemoEndpoint,
  r: Resource,
  settings: Settings,
  signal?: AbortSignal,
  fresh = false,
): Promise<ConvergeReport> {
  if (settings.type === 'bucket') return convergeBucket(demo, r, settings, signal);
  const region = r.region;
  const now = fresh
    ? r
    : await demo.call(region, `ec2:Describe:${r.type}`, signal, () =>
        copyResource(demo.expect(region, r.type, r.id)),
      );
  const changes: string[] = [];
  // One call per change, like EC2: a deploy stopped between two of them leaves the rest for the next attempt.
  // What a change checks is read inside its call: with a shared world, only there is the state the latest.
  const change = async (operation: string, what: string, work: (stored: Resource) => void) => {
    await demo.call(region, operation, signal, () => work(demo.expect(region, r.type, r.id)));
    changes.push(what);
  };
  switch (settings.type) {
    case 'subnet':
      if (now.raw?.MapPublicIpOnLaunch !== settings.public)
        await change('ec2:ModifySubnetAttribute', `map public IP on launch: ${settings.public}`, (x) => {
          x.raw = { ...x.raw, MapPublicIpOnLaunch: settings.public };
          x.detail = `${x.raw.CidrBlock} ${x.raw.AvailabilityZone}${settings.public ? ' public' : ''}`;
        });
      break;
    case 'internet-gateway':
      if (now.refs.vpc !== settings.vpcId) {
        await change('ec2:AttachInternetGateway', `attached to ${settings.vpcId}`, (x) => {
          const taken = demo
            .list(region, 'internet-gateway')
            .find((g) => g.refs.vpc === settings.vpcId && g.id !== r.id);
          if (taken)
            throw new CloudError('Resource.AlreadyAssociated', `${settings.vpcId} already has ${taken.id}`, {
              region,
            });
          demo.expect(region, 'vpc', settings.vpcId);
          x.refs = { ...x.refs, vpc: settings.vpcId };
          x.state = 'attached';
          x.detail = settings.vpcId;
        });
      }
      break;
    case 'route-table': {
      const gateways = settings.internetGatewayId ? [settings.internetGatewayId] : [];
      if (!sameList(now.refs.internetGateways ?? [], gateways)) {
        await change('ec2:CreateRoute', `route 0.0.0.0/0 -> ${gateways[0] ?? 'none'}`, (x) => {
          if (settings.internetGatewayId) demo.expect(region, 'internet-gateway', settings.internetGatewayId);
          x.refs = { ...x.refs, internetGateways: gateways };
          x.detail = gateways[0] ? `0.0.0.0/0 -> ${gateways[0]}` : String(x.refs.vpc);
        });
      }
      for (const subnet of (now.refs.subnets ?? []).filter((id) => !settings.subnetIds.includes(id)))
        await change('ec2:DisassociateRouteTable', `subnet ${subnet} disassociated`, (x) => {
          x.refs = { ...x.refs, subnets: (x.refs.subnets ?? []).filter((id) => id !== subnet) };
        });
      for (const subnet of settings.subnetIds.filter((id) => !(now.refs.subnets ?? []).includes(id))) {
        await change('ec2:AssociateRouteTable', `subnet ${subnet} associated`, (x) => {
          demo.expect(region, 'subnet', subnet);
          x.refs = { ...x.refs, subnets: [...(x.refs.subnets ?? []), subnet] };
        });
      }
      break;
    }
    case 'security-group':
      for (const side of ['Ingress', 'Egress'] as const) {
        const want = side === 'Ingress' ? settings.ingress : (settings.egress ?? [allowAllOut]);
        const have =
          (now.raw?.[side] as SecurityRule[] | undefined) ?? (side === 'Egress' ? [allowAllOut] : []);
        const diff = diffRules(have, want);
        if (diff.remove.length === 0 && diff.add.length === 0) continue;
        await change(
          `ec2:AuthorizeSecurityGroup${side}`,
          `${side.toLowerCase()}: ${want.map(describeRule).join(', ') || 'none'}`,
          (x) => {
            for (const rule of diff.add)
              if (rule.groupId) demo.expect(region, 'security-group', rule.groupId);
            x.raw = { ...x.raw, [side]: want };
            const ingress = (x.raw.Ingress as SecurityRule[] | undefined) ?? [];
            const egress = (x.raw.Egress as SecurityRule[] | undefined) ?? [];
            x.refs = {
              ...x.refs,
              securityGroups: [
                ...new Set([...ingress, ...egress].flatMap((rule) => (rule.groupId ? [rule.groupId] : []))),
              ],
            };
            x.detail = `${ingress.length} inbound rule${ingress.length === 1 ? '' : 's'}`;
          },
        );
      }
      break;
    case 'vpc':
    case 'instance':
      break;
  }
  const tagsToSet = missingTags(now.tags, settings.tags);
  if (Object.keys(tagsToSet).length > 0)
    await change('ec2:CreateTags', `tags set: ${Object.keys(tagsToSet).join(', ')}`, (x) => {
      x.tags = { ...x.tags, ...tagsToSet };
      x.name = x.tags.Name ?? x.name;
      x.project = x.tags[projectTag] ?? x.project;
    });
  return { resource: copyResource(demo.expect(region, r.type, r.id)), changes };
}

async function convergeBucket(
  demo: DemoEndpoint,
  r: Resource,
  settings: Extract<Settings, { type: 'bucket' }>,
  signal?: AbortSignal,
): Promise<ConvergeReport> {
  const stored = () => {
    const b = demo.state.buckets.get(r.id);
    if (!b) throw new CloudError('NoSuchBucket', `The specified bucket ${r.id} does not exist`);
    return b.resource;
  };
  const now = await demo.call('global', 's3:GetBucket*', signal, () => copyResource(stored()));
  const changes: string[] = [];
  const change = async (operation: string, what: string, work: (b: Resource) => void) => {
    await demo.call('global', operation, signal, () => work(stored()));
    changes.push(what);
  };
  const tagsToSet = missingTags(now.tags, settings.tags);
  if (Object.keys(tagsToSet).length > 0)
    await change('s3:PutBucketTagging', `tags set: ${Object.keys(tagsToSet).join(', ')}`, (b) => {
      b.tags = { ...b.tags, ...tagsToSet };
      b.project = b.tags[projectTag];
    });
  if (now.raw?.versioning !== settings.versioning)
    await change(
      's3:PutBucketVersioning',
      `versioning ${settings.versioning ? 'enabled' : 'suspended'}`,
      (b) => {
        b.raw = { ...b.raw, versioning: settings.versioning };
      },
    );
  if (settings.encryption && !now.raw?.encryption)
    await change('s3:PutBucketEncryption', 'default encryption AES256', (b) => {
      b.raw = { ...b.raw, encryption: true };
    });
  if (now.raw?.blockPublicAccess !== settings.blockPublicAccess)
    await change(
      settings.blockPublicAccess ? 's3:PutPublicAccessBlock' : 's3:DeletePublicAccessBlock',
      settings.blockPublicAccess ? 'public access blocked' : 'public access block removed',
      (b) => {
        b.raw = { ...b.raw, blockPublicAccess: settings.blockPublicAccess };
      },
    );
  return { resource: copyResource(stored()), changes };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
