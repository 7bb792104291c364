import type { Column } from '../../components/tableModel';
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

export function resourceColumns(now: () => number): Column<Resource>[] {
  return [
    { key: 'type', title: 'TYPE', width: 6, value: (r) => typeLabel[r.type] ?? r.type },
    { key: 'id', title: 'ID', width: 21, minWidth: 12, sortAs: 'text', value: (r) => r.id },
    { key: 'name', title: 'NAME', width: 16, minWidth: 8, value: (r) => r.name ?? '' },
    { key: 'region', title: 'REGION', width: 14, minWidth: 9, value: (r) => r.region },
    {
      key: 'state',
      title: 'STATE',
      width: 9,
      minWidth: 7,
      value: (r) => r.state ?? '',
      color: (r) => stateColor[r.state ?? ''],
    },
    { key: 'project', title: 'PROJECT', width: 8, minWidth: 5, value: (r) => r.project ?? '' },
    {
      key: 'age',
      title: 'AGE',
      width: 4,
      align: 'right',
      value: (r) => (r.createdAt ? formatAge(now() - r.createdAt) : ''),
      sortValue: (r) => (r.createdAt ? now() - r.createdAt : Number.MAX_SAFE_INTEGER),
    },
    { key: 'detail', title: 'DETAIL', width: 'flex', minWidth: 10, value: (r) => r.detail },
  ];
}
