import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openCloud } from '../../src/services/cloud/openCloud';

describe('choosing the cloud', () => {
  let home: string;

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'infradeck-open-'));
    await mkdir(join(home, '.aws'));
    for (const name of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_PROFILE',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
    ]) {
      vi.stubEnv(name, '');
    }
    vi.stubEnv('HOME', home);
    vi.stubEnv('AWS_CONFIG_FILE', join(home, '.aws', 'config'));
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(home, '.aws', 'credentials'));
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    vi.stubEnv('AWS_ENDPOINT_URL', 'http://127.0.0.1:9');
  });

  afterEach(async () => {
    vi.unstubAllEnvs();
    await rm(home, { recursive: true, force: true });
  });

  it('is the demo cloud with --demo', async () => {
    const opened = await openCloud({ demo: true, demoOptions: { latencyScale: 0 } });
    expect(opened.provider.kind).toBe('demo');
    expect(opened.identity?.account).toBe('000000000000');
    expect(opened.demoReason).toBe('--demo');
  });

  it('is the demo cloud, saying why, when there are no credentials at all', async () => {
    const opened = await openCloud({ region: 'eu-west-1', demoOptions: { latencyScale: 0 } });
    expect(opened.provider.kind).toBe('demo');
    expect(opened.provider.label).toBe('DEMO');
    expect(opened.demoReason).toMatch(/^No AWS credentials found .* Showing the DEMO cloud meanwhile\.$/);
  });

  it('asks the credential chain when a shared file exists, and shows the demo cloud when it finds nothing', async () => {
    await writeFile(join(home, '.aws', 'config'), '[default]\nregion = eu-west-1\n');
    const opened = await openCloud({ demoOptions: { latencyScale: 0 } });
    expect(opened.provider.kind).toBe('demo');
    expect(opened.demoReason).toBe(
      'No AWS credentials found for the default credentials: set AWS_PROFILE or use --profile, run `aws configure`, ' +
        'export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or start with --demo. Showing the DEMO cloud meanwhile.',
    );
  });

  it('stays on AWS and says why when an SSO profile needs a login', async () => {
    await writeFile(
      join(home, '.aws', 'config'),
      '[profile sso]\nsso_session = s\nsso_account_id = 1\nsso_role_name = R\n[sso-session s]\n' +
        'sso_start_url = https://x.awsapps.com/start\nsso_region = eu-west-1\n',
    );
    const opened = await openCloud({ profile: 'sso', region: 'eu-west-1' });
    expect(opened.provider.kind).toBe('aws');
    expect(opened.identity).toBeUndefined();
    expect(opened.problem).toContain('aws sso login --profile sso');
  });
});
