import { describe, expect, it } from 'vitest';
import { runsOnEc2 } from '../../src/services/aws/awsClients';

describe('the instance-metadata credential source', () => {
  it('is used only on an EC2 instance', () => {
    const files = (entries: Record<string, string>) => (path: string) => entries[path];
    expect(runsOnEc2(files({ '/sys/class/dmi/id/sys_vendor': 'Amazon EC2\n' }))).toBe(true);
    expect(runsOnEc2(files({ '/sys/hypervisor/uuid': 'ec2e1916-9099-7caf-fd21-012345abcdef\n' }))).toBe(true);
    expect(runsOnEc2(files({ '/sys/class/dmi/id/sys_vendor': 'QEMU\n' }))).toBe(false);
    expect(runsOnEc2(files({}))).toBe(false);
  });
});
