import type { Resource } from '../../domain/resource';
import { bucketNotEmptyError, CloudError, isStillInUse } from './cloudError';
import type { DeleteOptions, DeleteOutcome } from './cloudProvider';
import { type DemoEndpoint, notFound } from './demoEndpoint';
import { type RetryPolicy, withRetry } from './retry';

/**
 * Deletes one resource of the DEMO account with EC2's and S3's rules (DependencyViolation while something
 * uses it, BucketNotEmpty), retrying DependencyViolation as the AWS provider does.
 */
export async function deleteDemoResource(
  demo: DemoEndpoint,
  r: Resource,
  options: DeleteOptions,
  policy: RetryPolicy,
): Promise<DeleteOutcome> {
  if (r.type === 'route-table' && !r.implicit) await disassociateAll(demo, r, options.signal);
  return withRetry(() => deleteOnce(demo, r, options), {
    ...policy,
    retryOn: isStillInUse,
    signal: options.signal,
    random: demo.random,
    onRetry: (err, attempt, delay) =>
      options.log?.(`${r.id}: ${(err as Error).message}; retry ${attempt} in ${delay} ms`),
  });
}

export async function revokeDemoGroupReferences(
  demo: DemoEndpoint,
  region: string,
  groupId: string,
  referenced: string[],
  signal?: AbortSignal,
): Promise<number> {
  return demo.call(region, 'ec2:RevokeSecurityGroupIngress', signal, () => {
    const sg = demo.regionMap(region).get(groupId);
    if (!sg) throw notFound('security-group', groupId, region);
    const rules = (sg.raw?.Ingress as { groupId?: string }[] | undefined) ?? [];
    const kept = rules.filter((rule) => !rule.groupId || !referenced.includes(rule.groupId));
    sg.raw = { ...sg.raw, Ingress: kept };
    sg.refs.securityGroups = (sg.refs.securityGroups ?? []).filter((g) => !referenced.includes(g));
    sg.detail = `${kept.length} inbound rule${kept.length === 1 ? '' : 's'}`;
    return rules.length - kept.length;
  });
}

/** DeleteRouteTable is refused while subnets are associated: they are disassociated first, as on AWS. */
async function disassociateAll(demo: DemoEndpoint, r: Resource, signal?: AbortSignal): Promise<void> {
  await demo.call(r.region, 'ec2:DisassociateRouteTable', signal, () => {
    const stored = demo.regionMap(r.region).get(r.id);
    if (stored?.type === 'route-table') stored.refs = { ...stored.refs, subnets: [] };
  });
}

async function deleteOnce(
  demo: DemoEndpoint,
  target: Resource,
  options: DeleteOptions,
): Promise<DeleteOutcome> {
  const region = target.region;
  if (target.type === 'bucket') return deleteBucket(demo, target, options);
  return demo.call(region, `ec2:Delete:${target.type}`, options.signal, (): DeleteOutcome => {
    const rs = demo.regionMap(region);
    const r = rs.get(target.id);
    if (!r || (r.type === 'instance' && r.state === 'terminated')) {
      return { status: 'gone', message: `${target.id} no longer exists` };
    }
    const inUse = (message: string) => new CloudError('DependencyViolation', message, { region });
    const live = (x: Resource) => x.type === 'instance' && x.state !== 'terminated';
    const all = [...rs.values()];
    switch (r.type) {
      case 'instance':
        if (r.state !== 'shutting-down') {
          r.state = 'shutting-down';
          demo.transitions.set(r.id, { region, to: 'terminated', at: demo.now() + demo.transitionMs });
        }
        return { status: 'terminating', message: 'shutting down' };
      case 'volume':
        if (r.state === 'in-use') {
          throw new CloudError('VolumeInUse', `Volume ${r.id} is currently attached to ${r.refs.instance}`, {
            region,
          });
        }
        break;
      case 'key-pair':
        break;
      case 'security-group': {
        if (r.implicit) return { status: 'skipped', message: 'the default security group goes with its VPC' };
        const user = all.find((x) => live(x) && x.refs.securityGroups?.includes(r.id));
        if (user) throw inUse(`resource ${r.id} has a dependent object (${user.id})`);
        const referrer = all.find(
          (x) => x.type === 'security-group' && x.id !== r.id && x.refs.securityGroups?.includes(r.id),
        );
        if (referrer) throw inUse(`resource ${r.id} has a dependent object (rules of ${referrer.id})`);
        break;
      }
      case 'subnet': {
        const user = all.find((x) => live(x) && x.refs.subnet === r.id);
        if (user) throw inUse(`The subnet '${r.id}' has dependencies and cannot be deleted (${user.id}).`);
        for (const t of all) {
          if (t.type === 'route-table' && t.refs.subnets?.includes(r.id)) {
            t.refs.subnets = t.refs.subnets.filter((s) => s !== r.id);
          }
        }
        break;
      }
      case 'route-table': {
        if (r.implicit) return { status: 'skipped', message: 'the main route table goes with its VPC' };
        const associated = (r.refs.subnets ?? []).filter((s) => rs.has(s));
        if (associated.length > 0) {
          throw inUse(`The routeTable '${r.id}' has dependencies and cannot be deleted (${associated[0]}).`);
        }
        break;
      }
      case 'internet-gateway': {
        const mapped = all.find((x) => live(x) && x.refs.vpc === r.refs.vpc && x.raw?.PublicIpAddress);
        if (mapped) {
          throw inUse(
            `Network ${r.refs.vpc} has some mapped public address(es) (${mapped.id}). ` +
              'Please unmap those public address(es) before detaching the gateway.',
          );
        }
        break;
      }
      case 'vpc': {
        const dependent = all.find(
          (x) =>
            x.id !== r.id &&
            x.refs.vpc === r.id &&
            !x.implicit &&
            (x.type !== 'instance' || x.state !== 'terminated'),
        );
        if (dependent) {
          throw inUse(`The vpc '${r.id}' has dependencies and cannot be deleted (${dependent.id}).`);
        }
        for (const x of all) if (x.implicit && x.refs.vpc === r.id) rs.delete(x.id);
        break;
      }
      default:
        break;
    }
    rs.delete(r.id);
    return { status: 'deleted', message: `${r.type} ${r.id} deleted` };
  });
}

async function deleteBucket(
  demo: DemoEndpoint,
  target: Resource,
  options: DeleteOptions,
): Promise<DeleteOutcome> {
  const found = await demo.call('global', 's3:ListObjectVersions', options.signal, () => {
    const b = demo.state.buckets.get(target.id);
    return b ? b.objects : undefined;
  });
  if (found === undefined) return { status: 'gone', message: `bucket ${target.id} no longer exists` };
  if (found > 0 && !options.emptyBucket) throw bucketNotEmptyError(target.id, `${found} object versions`);
  let left = found;
  while (left > 0) {
    const page = Math.min(1000, left);
    await demo.call('global', 's3:DeleteObjects', options.signal, () => {
      const b = demo.state.buckets.get(target.id);
      if (b) {
        b.objects -= page;
        b.resource.detail = b.objects === 0 ? 'empty' : `${b.objects} objects`;
      }
    });
    left -= page;
    options.log?.(`${target.id}: deleted ${found - left} of ${found} object versions`);
  }
  return demo.call('global', 's3:DeleteBucket', options.signal, (): DeleteOutcome => {
    const b = demo.state.buckets.get(target.id);
    if (!b) return { status: 'gone', message: `bucket ${target.id} no longer exists` };
    if (b.objects > 0) throw bucketNotEmptyError(target.id, `${b.objects} object versions`);
    demo.state.buckets.delete(target.id);
    return { status: 'deleted', message: `bucket ${target.id} deleted` };
  });
}
