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
 * At 80 columns the identifying values show whole (kind, instance id, region, state) with the project and age;
 * the detail (instance type and address, CIDR) joins from about 100 columns.
 */
export function resourceColumns(now: () => number): Column<Resource>[] {
  return [
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
      min: 19,
      max: 21,
      cut: 'middle',
      sortAs: 'text',
      value: (r) => r.id,
    },
    { key: 'name', title: 'NAME', priority: Priority.identity, min: 16, max: 24, value: (r) => r.name ?? '' },
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
      priority: Priority.extra,
      width: 3,
      align: 'right',
      value: (r) => (r.createdAt ? formatAge(now() - r.createdAt) : ''),
      sortValue: (r) => (r.createdAt ? now() - r.createdAt : Number.MAX_SAFE_INTEGER),
    },
    {
      key: 'detail',
      title: 'DETAIL',
      priority: Priority.detail,
      flex: true,
      min: 16,
      value: (r) => r.detail,
    },
  ];
}
