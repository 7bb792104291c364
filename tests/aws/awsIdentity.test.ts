import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAwsClients } from '../../src/services/aws/awsClients';
import { AwsProvider } from '../../src/services/aws/awsProvider';

// The real default provider chain, with HOME, config and credentials files of our own and nothing in the
// environment: each case fails before any request leaves the machine, with a sentence that says what to do.
describe('identity when there are no usable credentials', () => {
  let home: string;

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'infradeck-creds-'));
    await mkdir(join(home, '.aws'));
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) {
      vi.stubEnv(name, '');
    }
    vi.stubEnv('HOME', home);
    vi.stubEnv('AWS_CONFIG_FILE', join(home, '.aws', 'config'));
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(home, '.aws', 'credentials'));
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_FULL_URI', '');
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', '');
    vi.stubEnv('AWS_WEB_IDENTITY_TOKEN_FILE', '');
    // Nothing may reach AWS from a test, even if a provider tried.
    vi.stubEnv('AWS_ENDPOINT_URL', 'http://127.0.0.1:9');
  });

  afterEach(async () => {
    vi.unstubAllEnvs();
    await rm(home, { recursive: true, force: true });
  });

  const identityOf = async (profile?: string) => {
    const clients = await createAwsClients({ profile, region: 'eu-west-1', maxAttempts: 1 });
    try {
      return await new AwsProvider(clients).identity();
    } finally {
      clients.destroy();
    }
  };

  it('says there are no credentials and how to get some', async () => {
    await expect(identityOf()).rejects.toMatchObject({
      code: 'NoCredentials',
      message: expect.stringMatching(/No AWS credentials found .*`aws configure`.*--demo/),
      permanent: true, // a job that meets it fails at once: the person has to act
    });
  });

  it('says a profile does not exist, and which ones do', async () => {
    await writeFile(join(home, '.aws', 'config'), '[profile prod]\nregion = eu-west-1\n[profile staging]\n');
    await expect(identityOf('prdo')).rejects.toMatchObject({
      code: 'ProfileNotFound',
      message: expect.stringMatching(/AWS profile "prdo" is not in .* \(known profiles: prod, staging\)/),
      permanent: true,
    });
  });

  it('tells the exact aws sso login to run for an SSO profile without a session', async () => {
    await writeFile(
      join(home, '.aws', 'config'),
      [
        '[profile corp-admin]',
        'sso_session = corp',
        'sso_account_id = 123456789012',
        'sso_role_name = Admin',
        'region = eu-west-1',
        '[sso-session corp]',
        'sso_start_url = https://corp.awsapps.com/start',
        'sso_region = eu-west-1',
        '',
      ].join('\n'),
    );
    await expect(identityOf('corp-admin')).rejects.toMatchObject({
      code: 'SsoLoginRequired',
      message: expect.stringContaining('run `aws sso login --profile corp-admin`'),
      permanent: true,
    });
  });

  it('says an endpoint cannot be reached, once the SDK has tried', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    await expect(identityOf()).rejects.toMatchObject({
      code: 'EndpointUnreachable',
      message: 'Cannot reach http://127.0.0.1:9 (ECONNREFUSED): check the network or the endpoint',
      permanent: true,
    });
  });

  it('uses the profile named in AWS_PROFILE and its region', async () => {
    await writeFile(join(home, '.aws', 'config'), '[profile ops]\nregion = ap-south-1\n');
    vi.stubEnv('AWS_PROFILE', 'ops');
    const clients = await createAwsClients();
    expect(clients.settings.profile).toBe('ops');
    expect(clients.region).toBe('ap-south-1');
    expect(new AwsProvider(clients).label).toBe('AWS profile ops');
    clients.destroy();
  });
});
