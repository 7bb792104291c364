import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateRouteCommand,
  CreateTagsCommand,
  DeleteRouteCommand,
  DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DetachInternetGatewayCommand,
  DisassociateRouteTableCommand,
  type EC2Client,
  type InternetGateway,
  type IpPermission,
  ModifySubnetAttributeCommand,
  ReplaceRouteCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroup,
  type Subnet,
} from '@aws-sdk/client-ec2';
import {
  DeletePublicAccessBlockCommand,
  PutBucketEncryptionCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { permissionRules } from '../../domain/planRules';
import type { Resource } from '../../domain/resource';
import { CloudError, errorCode } from '../cloud/cloudError';
import type { ConvergeReport, SecurityRule, Settings, Tags } from '../cloud/cloudProvider';
import { allowAllOut, describeRule, diffRules, missingTags } from '../cloud/settingsDiff';
import { readBucketSettings } from './awsBucketSettings';
import type { AwsClients } from './awsClients';

/**
 * Converge on AWS: read the resource as it is now (or, `fresh`, take the create call's own answer for it), then
 * make only the calls that close the difference. Every call here is safe to repeat, so a deploy killed
 * half-way through converges on the next attempt.
 */
export async function convergeAws(
  clients: AwsClients,
  r: Resource,
  settings: Settings,
  owner: string | undefined,
  signal?: AbortSignal,
  fresh = false,
): Promise<ConvergeReport> {
  const changes: string[] = [];
  const opts = { abortSignal: signal };
  if (settings.type === 'bucket') {
    await convergeBucket(clients, r, settings, owner, changes, signal);
    return { resource: { ...r, tags: { ...r.tags, ...settings.tags } }, changes };
  }
  const ec2 = clients.ec2(r.region);
  let tags = r.tags;
  switch (settings.type) {
    case 'subnet': {
      const subnet = fresh
        ? (r.raw as Subnet)
        : gone((await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [r.id] }), opts)).Subnets?.[0], r);
      tags = tagRecord(subnet.Tags);
      if (Boolean(subnet.MapPublicIpOnLaunch) !== settings.public) {
        await ec2.send(
          new ModifySubnetAttributeCommand({
            SubnetId: r.id,
            MapPublicIpOnLaunch: { Value: settings.public },
          }),
          opts,
        );
        changes.push(`map public IP on launch: ${settings.public}`);
      }
      break;
    }
    case 'internet-gateway': {
      const gw = fresh
        ? (r.raw as InternetGateway)
        : gone(
            (await ec2.send(new DescribeInternetGatewaysCommand({ InternetGatewayIds: [r.id] }), opts))
              .InternetGateways?.[0],
            r,
          );
      tags = tagRecord(gw.Tags);
      const attached = (gw.Attachments ?? []).flatMap((a) => (a.VpcId ? [a.VpcId] : []));
      for (const vpc of attached.filter((v) => v !== settings.vpcId)) {
        await ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: r.id, VpcId: vpc }), opts);
        changes.push(`detached from ${vpc}`);
      }
      if (!attached.includes(settings.vpcId)) {
        await ec2.send(
          new AttachInternetGatewayCommand({ InternetGatewayId: r.id, VpcId: settings.vpcId }),
          opts,
        );
        changes.push(`attached to ${settings.vpcId}`);
      }
      r = { ...r, refs: { ...r.refs, vpc: settings.vpcId }, state: 'attached' };
      break;
    }
    case 'route-table':
      // Always read: a CreateRouteTable answered from its ClientToken may describe the table as first made.
      tags = await convergeRouteTable(ec2, r, settings, changes, signal);
      r = {
        ...r,
        refs: {
          ...r.refs,
          subnets: settings.subnetIds,
          internetGateways: settings.internetGatewayId ? [settings.internetGatewayId] : [],
        },
      };
      break;
    case 'security-group':
      tags = await convergeSecurityGroup(ec2, r, settings, changes, signal, fresh);
      break;
    case 'vpc':
    case 'instance':
      break;
  }
  const tagsToSet = missingTags(tags, settings.tags);
  if (Object.keys(tagsToSet).length > 0) {
    await ec2.send(
      new CreateTagsCommand({
        Resources: [r.id],
        Tags: Object.entries(tagsToSet).map(([Key, Value]) => ({ Key, Value })),
      }),
      opts,
    );
    changes.push(`tags set: ${Object.keys(tagsToSet).join(', ')}`);
  }
  return { resource: { ...r, tags: { ...tags, ...settings.tags } }, changes };
}

function gone<T>(found: T | undefined, r: Resource): T {
  if (!found) throw new CloudError('NotFound', `${r.type} ${r.id} no longer exists`, { region: r.region });
  return found;
}

function tagRecord(tags: { Key?: string; Value?: string }[] | undefined): Tags {
  return Object.fromEntries((tags ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? '']] : [])));
}

const anywhere = '0.0.0.0/0';

async function convergeRouteTable(
  ec2: EC2Client,
  r: Resource,
  want: Extract<Settings, { type: 'route-table' }>,
  changes: string[],
  signal?: AbortSignal,
): Promise<Tags> {
  const opts = { abortSignal: signal };
  const out = await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [r.id] }), opts);
  const table = gone(out.RouteTables?.[0], r);
  // The `local` route (and routes to prefix lists or over IPv6) are not the deployer's to manage.
  const routes = (table.Routes ?? []).filter(
    (route) =>
      route.DestinationCidrBlock && route.GatewayId !== 'local' && route.Origin !== 'CreateRouteTable',
  );
  const current = routes.find((route) => route.DestinationCidrBlock === anywhere);
  if (want.internetGatewayId) {
    if (!current) {
      await ec2.send(
        new CreateRouteCommand({
          RouteTableId: r.id,
          DestinationCidrBlock: anywhere,
          GatewayId: want.internetGatewayId,
        }),
        opts,
      );
      changes.push(`route ${anywhere} -> ${want.internetGatewayId} added`);
    } else if (current.GatewayId !== want.internetGatewayId || current.State === 'blackhole') {
      await ec2.send(
        new ReplaceRouteCommand({
          RouteTableId: r.id,
          DestinationCidrBlock: anywhere,
          GatewayId: want.internetGatewayId,
        }),
        opts,
      );
      changes.push(
        `route ${anywhere} -> ${want.internetGatewayId} (was ${current.GatewayId ?? 'elsewhere'})`,
      );
    }
  }
  for (const route of routes) {
    if (want.internetGatewayId && route.DestinationCidrBlock === anywhere) continue;
    await ec2.send(
      new DeleteRouteCommand({ RouteTableId: r.id, DestinationCidrBlock: route.DestinationCidrBlock }),
      opts,
    );
    changes.push(`route ${route.DestinationCidrBlock} removed`);
  }
  const associations = (table.Associations ?? []).filter((a) => !a.Main && a.SubnetId);
  for (const a of associations) {
    if (want.subnetIds.includes(a.SubnetId!)) continue;
    await ec2.send(new DisassociateRouteTableCommand({ AssociationId: a.RouteTableAssociationId }), opts);
    changes.push(`subnet ${a.SubnetId} disassociated`);
  }
  for (const subnetId of want.subnetIds) {
    if (associations.some((a) => a.SubnetId === subnetId)) continue;
    try {
      await ec2.send(new AssociateRouteTableCommand({ RouteTableId: r.id, SubnetId: subnetId }), opts);
    } catch (err) {
      if (errorCode(err) !== 'Resource.AlreadyAssociated') throw err;
      throw new CloudError(
        'Resource.AlreadyAssociated',
        `subnet ${subnetId} is associated with another route table: disassociate it there first`,
        { region: r.region, cause: err },
      );
    }
    changes.push(`subnet ${subnetId} associated`);
  }
  return tagRecord(table.Tags);
}

/** EC2's permissions as rules; EC2 always names the protocol, one of those a rule takes. */
function flatten(permissions: IpPermission[] | undefined): SecurityRule[] {
  return permissionRules(permissions) as SecurityRule[];
}

export function permission(rule: SecurityRule): IpPermission {
  const all = rule.protocol === '-1';
  return {
    IpProtocol: rule.protocol,
    FromPort: all ? undefined : (rule.fromPort ?? (rule.protocol === 'icmp' ? -1 : 0)),
    ToPort: all ? undefined : (rule.toPort ?? rule.fromPort ?? (rule.protocol === 'icmp' ? -1 : 65535)),
    IpRanges: rule.cidr ? [{ CidrIp: rule.cidr, Description: rule.description }] : undefined,
    UserIdGroupPairs: rule.groupId ? [{ GroupId: rule.groupId, Description: rule.description }] : undefined,
  };
}

async function convergeSecurityGroup(
  ec2: EC2Client,
  r: Resource,
  want: Extract<Settings, { type: 'security-group' }>,
  changes: string[],
  signal?: AbortSignal,
  fresh = false,
): Promise<Tags> {
  const opts = { abortSignal: signal };
  const group = fresh
    ? (r.raw as SecurityGroup)
    : gone(
        (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [r.id] }), opts)).SecurityGroups?.[0],
        r,
      );
  const sides = [
    {
      name: 'ingress',
      diff: diffRules(flatten(group.IpPermissions), want.ingress),
      authorize: (p: IpPermission[]) =>
        new AuthorizeSecurityGroupIngressCommand({ GroupId: r.id, IpPermissions: p }),
      revoke: (p: IpPermission[]) =>
        new RevokeSecurityGroupIngressCommand({ GroupId: r.id, IpPermissions: p }),
    },
    {
      name: 'egress',
      diff: diffRules(flatten(group.IpPermissionsEgress), want.egress ?? [allowAllOut]),
      authorize: (p: IpPermission[]) =>
        new AuthorizeSecurityGroupEgressCommand({ GroupId: r.id, IpPermissions: p }),
      revoke: (p: IpPermission[]) =>
        new RevokeSecurityGroupEgressCommand({ GroupId: r.id, IpPermissions: p }),
    },
  ];
  for (const side of sides) {
    // Removed first: a rule that changed only its port range would otherwise briefly exist twice.
    if (side.diff.remove.length > 0) {
      await ec2.send(side.revoke(side.diff.remove.map(permission)) as never, opts);
      changes.push(`${side.name} revoked: ${side.diff.remove.map(describeRule).join(', ')}`);
    }
    if (side.diff.add.length > 0) {
      await ec2.send(side.authorize(side.diff.add.map(permission)) as never, opts);
      changes.push(`${side.name} authorized: ${side.diff.add.map(describeRule).join(', ')}`);
    }
  }
  return tagRecord(group.Tags);
}

async function convergeBucket(
  clients: AwsClients,
  r: Resource,
  want: Extract<Settings, { type: 'bucket' }>,
  owner: string | undefined,
  changes: string[],
  signal?: AbortSignal,
): Promise<void> {
  const s3 = clients.s3(r.region);
  const opts = { abortSignal: signal };
  const bucket = { Bucket: r.id, ...(owner ? { ExpectedBucketOwner: owner } : {}) };
  const have = await readBucketSettings(s3, r.id, owner, signal);
  const tagsToSet = missingTags(have.tags, want.tags);
  if (Object.keys(tagsToSet).length > 0) {
    // PutBucketTagging replaces the whole set: the tags others put on the bucket are sent back with ours.
    const TagSet = Object.entries({ ...have.tags, ...want.tags }).map(([Key, Value]) => ({ Key, Value }));
    await s3.send(new PutBucketTaggingCommand({ ...bucket, Tagging: { TagSet } }), opts);
    changes.push(`tags set: ${Object.keys(tagsToSet).join(', ')}`);
  }
  if (have.versioning !== want.versioning) {
    const Status = want.versioning ? 'Enabled' : 'Suspended';
    await s3.send(new PutBucketVersioningCommand({ ...bucket, VersioningConfiguration: { Status } }), opts);
    changes.push(`versioning ${Status.toLowerCase()}`);
  }
  // S3 encrypts every new bucket (SSE-S3) since 2023 and cannot be told not to: only "on" is enforced.
  if (want.encryption && !have.encryption) {
    await s3.send(
      new PutBucketEncryptionCommand({
        ...bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
      }),
      opts,
    );
    changes.push('default encryption AES256');
  }
  if (want.blockPublicAccess && !have.blockPublicAccess) {
    await s3.send(
      new PutPublicAccessBlockCommand({
        ...bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      }),
      opts,
    );
    changes.push('public access blocked');
  } else if (!want.blockPublicAccess && have.publicAccessBlock) {
    await s3.send(new DeletePublicAccessBlockCommand(bucket), opts);
    changes.push('public access block removed');
  }
}
