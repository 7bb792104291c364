import { describe, expect, it } from 'vitest';
import { credentialsMayExist, runsOnEc2 } from '../../src/services/aws/credentialSources';

describe('the instance-metadata credential source', () => {
  it('is used only on an EC2 instance', () => {
    const files = (entries: Record<string, string>) => (path: string) => entries[path];
    expect(runsOnEc2(files({ '/sys/class/dmi/id/sys_vendor': 'Amazon EC2\n' }))).toBe(true);
    expect(runsOnEc2(files({ '/sys/hypervisor/uuid': 'ec2e1916-9099-7caf-fd21-012345abcdef\n' }))).toBe(true);
    expect(runsOnEc2(files({ '/sys/class/dmi/id/sys_vendor': 'QEMU\n' }))).toBe(false);
    expect(runsOnEc2(files({}))).toBe(false);
  });
});

describe('whether credentials may exist (asked before loading the SDK)', () => {
  const home = { HOME: '/home/op' };
  const none = () => false;
  const onlyFile = (file: string) => (path: string) => path === file;

  it('says no only when no variable, no shared file and no EC2 instance could give any', () => {
    expect(credentialsMayExist(home, none, () => false)).toBe(false);
    expect(
      credentialsMayExist(
        { ...home, AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'http://x' },
        none,
        () => false,
      ),
    ).toBe(false);
  });

  it('says maybe for any credential variable', () => {
    for (const name of [
      'AWS_ACCESS_KEY_ID',
      'AWS_PROFILE',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    ]) {
      expect(credentialsMayExist({ ...home, [name]: 'x' }, none, () => false)).toBe(true);
    }
  });

  it('says maybe when a shared config or credentials file exists, where the variables put them', () => {
    expect(credentialsMayExist(home, onlyFile('/home/op/.aws/config'), () => false)).toBe(true);
    expect(credentialsMayExist(home, onlyFile('/home/op/.aws/credentials'), () => false)).toBe(true);
    const moved = { ...home, AWS_SHARED_CREDENTIALS_FILE: '/etc/aws/creds' };
    expect(credentialsMayExist(moved, onlyFile('/etc/aws/creds'), () => false)).toBe(true);
    expect(credentialsMayExist(moved, onlyFile('/home/op/.aws/credentials'), () => false)).toBe(false);
  });

  it('says maybe on EC2 unless instance metadata is switched off', () => {
    expect(credentialsMayExist(home, none, () => true)).toBe(true);
    expect(credentialsMayExist({ ...home, AWS_EC2_METADATA_DISABLED: 'true' }, none, () => true)).toBe(false);
  });
});
