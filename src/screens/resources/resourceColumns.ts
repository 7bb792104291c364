import { type Column, Priority } from '../../components/tableModel';
import type { Resource, ResourceType } from '../../domain/resource';
import { formatAge } from '../../domain/text';

/** Short names, as people say them (`:sg`, `:igw` open the same views). */
export const typeLabel: Record<ResourceType, string> = {
  instance: 'ec2',
  vpc: 'vpc',
  subnet: 'subnet',
  'security-group': 'sg',
  'internet-gateway': 'igw',
  'route-table': 'rtb',
  volume: 'ebs',
  'key-pair': 'key',
  bucket: 's3',
};

const stateColor: Record<string, string> = {
  running: 'green',
  available: 'green',
  'in-use': 'green',
  attached: 'green',
  stopped: 'yellow',
  stopping: 'yellow',
  pending: 'cyan',
  'shutting-down': 'red',
  terminated: 'red',
};

/**
 * A name that only repeats the id (a bucket's name is its id) is left out: the column's room goes to the id, which
 * then shows whole where both were cut (`:s3` at 80 columns).
 */
export function nameText(r: Resource): string {
  return r.name === undefined || r.name === r.id ? '' : r.name;
}

/**
 * At 80 columns the identifying values show whole (kind, instance id, region, state) with the project; the
 * detail (instance type and address, CIDR) joins from about 110 columns, once every id and name shows whole.
 *
 * `type`: the one type shown (`:s3`). Buckets have no name but their id and no state: their view has neither
 * column, and the id (up to S3's 63 characters) gets that room, whole at 80 columns.
 */
export function resourceColumns(now: () => number, type?: ResourceType): Column<Resource>[] {
  const buckets = type === 'bucket';
  const columns: Column<Resource>[] = [
    {
      key: 'type',
      title: 'TYPE',
      priority: Priority.identity,
      whole: true,
      value: (r) => typeLabel[r.type] ?? r.type,
    },
    {
      key: 'id',
      title: 'ID',
      priority: Priority.identity,
      // Every EC2-style id whole (`subnet-` and 17 hex digits is the longest) once the columns above have room.
      min: 19,
      max: buckets ? 63 : 24,
      cut: 'middle',
      sortAs: 'text',
      value: (r) => r.id,
    },
    {
      key: 'name',
      title: 'NAME',
      priority: Priority.identity,
      min: 16,
      max: 24,
      // Names end in what tells them apart (`data-warehouse-2-data`, `…-12-root`): cut, they keep their end.
      cut: 'middle',
      value: nameText,
    },
    { key: 'region', title: 'REGION', priority: Priority.identity, whole: true, value: (r) => r.region },
    {
      key: 'state',
      title: 'STATE',
      priority: Priority.identity,
      whole: true,
      value: (r) => r.state ?? '',
      color: (r) => stateColor[r.state ?? ''],
    },
    {
      key: 'project',
      title: 'PROJECT',
      priority: Priority.detail + 10,
      max: 16,
      value: (r) => r.project ?? '',
    },
    {
      key: 'age',
      title: 'AGE',
      priority: Priority.extra - 1,
      width: 3,
      align: 'right',
      value: (r) => (r.createdAt ? formatAge(now() - r.createdAt) : ''),
      sortValue: (r) => (r.createdAt ? now() - r.createdAt : Number.MAX_SAFE_INTEGER),
    },
    {
      key: 'detail',
      title: 'DETAIL',
      // The extra tier: the detail takes only what the ids and names leave once they show whole (never their
      // room, as a flex column of the detail tier would between 96 and 110 columns), then the age.
      priority: Priority.extra,
      flex: true,
      // Room for an id alone (an internet gateway's VPC) before the column shows at all; past it, an address or
      // an id cut short would read as another one: `t3.micro …`, never `t3.micro 10.1.14.1…`.
      min: 21,
      cut: 'word',
      value: (r) => r.detail,
    },
  ];
  return buckets ? columns.filter((c) => c.key !== 'name' && c.key !== 'state') : columns;
}
