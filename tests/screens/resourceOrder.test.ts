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
  const scans = [
    scan('eu-central-1', [res('vpc', 'vpc-c', 'eu-central-1'), res('instance', 'i-c2', 'eu-central-1')]),
    scan('global', [res('bucket', 'logs', 'us-east-1')]),
    scan('demo-10', [res('instance', 'i-d10', 'demo-10')]),
    scan('us-east-1', [res('instance', 'i-u1', 'us-east-1')]),
    scan('demo-9', [res('instance', 'i-d9', 'demo-9')]),
  ];
  const ids = (index: ResourceIndex) => resourceOrder(index.all).map((r) => r.id);

  it('is the same whichever region answered first: regions in the AWS order, others by name, buckets last', () => {
    const expected = ['i-u1', 'i-c2', 'vpc-c', 'i-d9', 'i-d10', 'logs'];
    expect(ids(ResourceIndex.fromScans(scans))).toEqual(expected);
    expect(ids(ResourceIndex.fromScans([...scans].reverse()))).toEqual(expected);
  });

  it('keeps every row where it was on a rescan, types in their order and the scan order within a type', () => {
    // A rescan of eu-central-1 (the index now holds it last) and a deploy's instance in a region never scanned.
    const index = ResourceIndex.fromScans(scans)
      .withScan(
        scan(
          'eu-central-1',
          [res('instance', 'i-c1', 'eu-central-1'), res('instance', 'i-c2', 'eu-central-1')],
          2,
        ),
      )
      .apply({ kind: 'upsert', resource: res('instance', 'i-w1', 'eu-west-1') })
      .apply({ kind: 'upsert', resource: res('instance', 'i-u2', 'us-east-1') });
    expect(ids(index)).toEqual(['i-u1', 'i-u2', 'i-c1', 'i-c2', 'i-w1', 'i-d9', 'i-d10', 'logs']);
  });
});
