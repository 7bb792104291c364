import { describe, expect, it } from 'vitest';
import { type Resource, ResourceIndex, type ResourceType } from '../../src/domain/resource';
import { resourceOrder } from '../../src/screens/resources/resourceOrder';

const res = (type: ResourceType, id: string, region: string): Resource => ({
  type,
  id,
  region,
  detail: '',
  tags: {},
  refs: {},
});
const scan = (region: string, resources: Resource[], scannedAt = 1) => ({
  account: '1',
  region,
  scannedAt,
  resources,
});

describe('the Resources table order', () => {
  it('keeps regions where their first scan put them, types in their order, and the scan order within a type', () => {
    let index = ResourceIndex.fromScans([
      scan('eu-central-1', [res('vpc', 'vpc-c', 'eu-central-1'), res('instance', 'i-c2', 'eu-central-1')]),
      scan('global', [res('bucket', 'logs', 'us-east-1')]),
      scan('us-east-1', [res('instance', 'i-u1', 'us-east-1')]),
    ]);
    const ids = () => resourceOrder(index.all, index).map((r) => r.id);
    expect(ids()).toEqual(['i-c2', 'vpc-c', 'logs', 'i-u1']);
    // A rescan of eu-central-1 (the index now holds it last) and a deploy's instance in a region never scanned.
    index = index
      .withScan(
        scan(
          'eu-central-1',
          [res('instance', 'i-c1', 'eu-central-1'), res('instance', 'i-c2', 'eu-central-1')],
          2,
        ),
      )
      .apply({ kind: 'upsert', resource: res('instance', 'i-w1', 'eu-west-1') })
      .apply({ kind: 'upsert', resource: res('instance', 'i-u2', 'us-east-1') });
    expect(ids()).toEqual(['i-c1', 'i-c2', 'logs', 'i-u1', 'i-u2', 'i-w1']);
  });
});
