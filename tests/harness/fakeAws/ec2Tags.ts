import { AwsError, invalidParameterValue } from './awsError';
import type { Ec2Action } from './ec2Action';
import { type Ec2Kind, kindOfId, notFoundError } from './ec2Model';
import type { QueryParams } from './queryParams';

function readTags(params: QueryParams, name: string): [string, string | undefined][] {
  return params.list(name).map((t) => [t.string('Key') ?? '', t.string('Value')]);
}

function checkTags(tags: [string, string | undefined][]): void {
  if (tags.length > 50)
    throw new AwsError('TagLimitExceeded', 'The maximum number of Tags for a resource has been reached.');
  for (const [key, value] of tags) {
    if (!key || key.length > 128)
      throw invalidParameterValue(`Tag key '${key}' must be between 1 and 128 characters`);
    if (key.toLowerCase().startsWith('aws:'))
      throw invalidParameterValue("Tag keys starting with 'aws:' are reserved for internal use");
    if ((value ?? '').length > 256)
      throw invalidParameterValue(`Tag value for key '${key}' is longer than 256 characters`);
  }
}

/**
 * The tags of `TagSpecification.N` for each resource type a create call makes. A type the call does not make
 * is refused as EC2 refuses it.
 */
export function tagSpecifications(params: QueryParams, makes: string[]): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>(makes.map((t) => [t, new Map()]));
  for (const spec of params.list('TagSpecification')) {
    const type = spec.required('ResourceType');
    const tags = out.get(type);
    if (!tags)
      throw invalidParameterValue(`'${type}' is not a valid taggable resource type for this operation.`);
    const given = readTags(spec, 'Tag');
    checkTags(given);
    for (const [k, v] of given) tags.set(k, v ?? '');
  }
  return out;
}

const taggable: Ec2Kind[] = [
  'vpc',
  'subnet',
  'internet-gateway',
  'route-table',
  'security-group',
  'instance',
  'volume',
];

function resourcesOf(req: Parameters<Ec2Action>[0]) {
  const ids = req.params.strings('ResourceId');
  if (ids.length === 0)
    throw new AwsError('MissingParameter', 'The request must contain the parameter resourceIdSet');
  return ids.map((id) => {
    const kind = kindOfId(id);
    if (!kind || !taggable.includes(kind)) throw new AwsError('InvalidID', `The ID '${id}' is not valid`);
    const r = req.world.find(kind, req.region, id);
    if (!r) throw notFoundError(kind, id);
    return r;
  });
}

export const tagActions: Record<string, Ec2Action> = {
  CreateTags(req) {
    const resources = resourcesOf(req);
    const tags = readTags(req.params, 'Tag');
    if (tags.length === 0)
      throw new AwsError('MissingParameter', 'The request must contain the parameter tagSet');
    checkTags(tags);
    for (const r of resources) for (const [k, v] of tags) r.tags.set(k, v ?? '');
    return { body: { return: true }, target: resources.map((r) => r.id).join(',') };
  },
  DeleteTags(req) {
    const resources = resourcesOf(req);
    const tags = readTags(req.params, 'Tag');
    for (const r of resources) {
      if (tags.length === 0) r.tags.clear();
      // A tag given with a value is deleted only when the value matches.
      for (const [k, v] of tags) if (v === undefined || r.tags.get(k) === v) r.tags.delete(k);
    }
    return { body: { return: true }, target: resources.map((r) => r.id).join(',') };
  },
};
