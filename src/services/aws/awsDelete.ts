import {
  DeleteInternetGatewayCommand,
  DeleteKeyPairCommand,
  DeleteRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteVolumeCommand,
  DeleteVpcCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DetachInternetGatewayCommand,
  DisassociateRouteTableCommand,
  type IpPermission,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsCommand,
  ListObjectVersionsCommand,
  type ObjectIdentifier,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Resource } from '../../domain/resource';
import {
  bucketNotEmptyError,
  CloudError,
  errorCode,
  errorMessage,
  isNotFound,
  isStillInUse,
} from '../cloud/cloudError';
import type { DeleteOptions, DeleteOutcome } from '../cloud/cloudProvider';
import { type RetryPolicy, withRetry } from '../cloud/retry';
import type { AwsClients } from './awsClients';

/**
 * Deletes one resource the way its type needs, retrying DependencyViolation (and a volume still in use) with
 * bounded backoff: AWS frees what a terminated instance held a little after it reports `terminated`.
 */
export async function deleteAwsResource(
  clients: AwsClients,
  r: Resource,
  options: DeleteOptions,
  policy: RetryPolicy,
): Promise<DeleteOutcome> {
  try {
    return await withRetry(() => deleteOnce(clients, r, options), {
      ...policy,
      retryOn: isStillInUse,
      signal: options.signal,
      onRetry: (err, attempt, delay) =>
        options.log?.(
          `${r.id}: ${errorCode(err)}: ${errorMessage(err)}; retry ${attempt} in ${Math.round(delay / 1000)} s`,
        ),
    });
  } catch (err) {
    if (isNotFound(err)) return { status: 'gone', message: `${r.id} no longer exists` };
    throw err;
  }
}

async function deleteOnce(clients: AwsClients, r: Resource, options: DeleteOptions): Promise<DeleteOutcome> {
  const opts = { abortSignal: options.signal };
  const ec2 = () => clients.ec2(r.region);
  switch (r.type) {
    case 'instance': {
      const out = await ec2().send(new TerminateInstancesCommand({ InstanceIds: [r.id] }), opts);
      const change = out.TerminatingInstances?.[0];
      if (change?.PreviousState?.Name === 'terminated')
        return { status: 'gone', message: `${r.id} was already terminated` };
      return { status: 'terminating', message: `${change?.CurrentState?.Name ?? 'shutting-down'}` };
    }
    case 'security-group':
      if (r.implicit) return { status: 'skipped', message: 'the default security group goes with its VPC' };
      await ec2().send(new DeleteSecurityGroupCommand({ GroupId: r.id }), opts);
      break;
    case 'subnet':
      await ec2().send(new DeleteSubnetCommand({ SubnetId: r.id }), opts);
      break;
    case 'internet-gateway':
      if (r.refs.vpc) {
        try {
          await ec2().send(
            new DetachInternetGatewayCommand({ InternetGatewayId: r.id, VpcId: r.refs.vpc }),
            opts,
          );
        } catch (err) {
          // Detached by an earlier try, or by someone else: go on to the delete.
          if (errorCode(err) !== 'Gateway.NotAttached') throw err;
        }
      }
      await ec2().send(new DeleteInternetGatewayCommand({ InternetGatewayId: r.id }), opts);
      break;
    case 'route-table': {
      if (r.implicit) return { status: 'skipped', message: 'the main route table goes with its VPC' };
      // AWS refuses to delete a table that subnets are associated with (DependencyViolation, whoever
      // associated them): read them fresh and disassociate each first.
      const out = await ec2().send(new DescribeRouteTablesCommand({ RouteTableIds: [r.id] }), opts);
      for (const a of out.RouteTables?.[0]?.Associations ?? []) {
        if (a.Main || !a.RouteTableAssociationId) continue;
        await ec2().send(
          new DisassociateRouteTableCommand({ AssociationId: a.RouteTableAssociationId }),
          opts,
        );
        options.log?.(`${r.id}: subnet ${a.SubnetId ?? a.GatewayId} disassociated`);
      }
      await ec2().send(new DeleteRouteTableCommand({ RouteTableId: r.id }), opts);
      break;
    }
    case 'vpc':
      await ec2().send(new DeleteVpcCommand({ VpcId: r.id }), opts);
      break;
    case 'volume':
      await ec2().send(new DeleteVolumeCommand({ VolumeId: r.id }), opts);
      break;
    case 'key-pair':
      await ec2().send(
        new DeleteKeyPairCommand(r.id.startsWith('key-') ? { KeyPairId: r.id } : { KeyName: r.name ?? r.id }),
        opts,
      );
      break;
    case 'bucket':
      return deleteBucket(clients.s3(r.region), r.id, options);
  }
  return { status: 'deleted', message: `${r.type} ${r.id} deleted` };
}

/** s3rver and some other compatible servers answer NotImplemented to the versioning calls. */
function notImplemented(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'NotImplemented' || code === 'MethodNotAllowed';
}

interface ObjectPage {
  objects: ObjectIdentifier[];
  versioned: boolean;
}

/**
 * A page of what is in the bucket: every object version and delete marker (ListObjectVersions), or plain keys
 * (ListObjects) where the server does not implement versions. Pages are always read from the start: the
 * previous page has been deleted by then.
 */
async function firstPage(
  s3: S3Client,
  bucket: string,
  maxKeys: number,
  signal?: AbortSignal,
): Promise<ObjectPage> {
  const opts = { abortSignal: signal };
  try {
    const out = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: maxKeys }), opts);
    const objects: ObjectIdentifier[] = [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])].flatMap(
      (v) => (v.Key ? [{ Key: v.Key, VersionId: v.VersionId ?? undefined }] : []),
    );
    return { objects: objects.slice(0, maxKeys), versioned: true };
  } catch (err) {
    if (!notImplemented(err)) throw err;
  }
  // ListObjects (v1) rather than V2: the list is always read from its start, so no continuation token is
  // needed, and s3rver cannot make V2 tokens on Node 17+ (its DES cipher is gone from OpenSSL 3).
  const out = await s3.send(new ListObjectsCommand({ Bucket: bucket, MaxKeys: maxKeys }), opts);
  return { objects: (out.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : [])), versioned: false };
}

async function deleteBucket(s3: S3Client, bucket: string, options: DeleteOptions): Promise<DeleteOutcome> {
  const opts = { abortSignal: options.signal };
  try {
    if (!options.emptyBucket) {
      const peek = await firstPage(s3, bucket, 1, options.signal);
      if (peek.objects.length > 0) {
        throw bucketNotEmptyError(bucket, peek.versioned ? 'it holds object versions' : 'it holds objects');
      }
    } else {
      let deleted = 0;
      for (;;) {
        const page = await firstPage(s3, bucket, 1000, options.signal);
        if (page.objects.length === 0) break;
        const out = await s3.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: page.objects, Quiet: true } }),
          opts,
        );
        if (out.Errors?.length) {
          const e = out.Errors[0];
          throw new CloudError(
            e.Code ?? 'DeleteObjectsFailed',
            `bucket ${bucket}: ${out.Errors.length} object${out.Errors.length === 1 ? '' : 's'} could not be deleted, e.g. ${e.Key}: ${e.Message ?? e.Code}`,
          );
        }
        deleted += page.objects.length;
        options.log?.(`${bucket}: deleted ${deleted} object${page.versioned ? ' version' : ''}s`);
      }
    }
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }), opts);
  } catch (err) {
    if (errorCode(err) === 'NoSuchBucket')
      return { status: 'gone', message: `bucket ${bucket} no longer exists` };
    if (errorCode(err) === 'BucketNotEmpty' && !(err instanceof CloudError)) {
      throw bucketNotEmptyError(bucket, 'S3 says BucketNotEmpty');
    }
    throw err;
  }
  return { status: 'deleted', message: `bucket ${bucket} deleted` };
}

/** Removes a group's rules (both directions) that reference any of `referenced`. Returns the pairs removed. */
export async function revokeAwsGroupReferences(
  clients: AwsClients,
  region: string,
  groupId: string,
  referenced: string[],
  signal?: AbortSignal,
): Promise<number> {
  const ec2 = clients.ec2(region);
  const opts = { abortSignal: signal };
  const out = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }), opts);
  const group = out.SecurityGroups?.[0];
  if (!group) return 0;
  const only = (rules: IpPermission[] | undefined): IpPermission[] =>
    (rules ?? []).flatMap((p) => {
      const pairs = (p.UserIdGroupPairs ?? []).filter((g) => g.GroupId && referenced.includes(g.GroupId));
      if (pairs.length === 0) return [];
      return [
        {
          IpProtocol: p.IpProtocol,
          FromPort: p.FromPort,
          ToPort: p.ToPort,
          UserIdGroupPairs: pairs.map((g) => ({ GroupId: g.GroupId })),
        },
      ];
    });
  const ingress = only(group.IpPermissions);
  const egress = only(group.IpPermissionsEgress);
  if (ingress.length)
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: ingress }), opts);
  if (egress.length)
    await ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: egress }), opts);
  const count = (rules: IpPermission[]) => rules.reduce((n, p) => n + (p.UserIdGroupPairs?.length ?? 0), 0);
  return count(ingress) + count(egress);
}
