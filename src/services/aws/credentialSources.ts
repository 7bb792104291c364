import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Variables through which the SDK's default credential chain can find credentials (keys, a profile, a web
 * identity token, a container endpoint). Any of them set means: ask the chain.
 */
const credentialVariables = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
];

/**
 * Whether the default credential chain could find anything at all, answered without loading the AWS SDK
 * (about 1.6 MB of code, a third of a second to load): no credential variable, no shared config or
 * credentials file, not on EC2. False means the chain would surely end in "no credentials", so the console
 * can show the DEMO cloud at once; true only means "ask the chain", which may still find nothing.
 */
export function credentialsMayExist(
  env: NodeJS.ProcessEnv,
  exists: (path: string) => boolean = existsSync,
  onEc2: () => boolean = runsOnEc2,
): boolean {
  if (credentialVariables.some((name) => env[name])) return true;
  const home = env.HOME || homedir();
  const files = [
    env.AWS_CONFIG_FILE || join(home, '.aws', 'config'),
    env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'),
  ];
  if (files.some((file) => exists(file))) return true;
  return env.AWS_EC2_METADATA_DISABLED?.toLowerCase() !== 'true' && onEc2();
}

/** What to tell someone the chain found no credentials for (`where`: "the default credentials", a profile). */
export function noCredentialsMessage(where: string): string {
  return (
    `No AWS credentials found for ${where}: set AWS_PROFILE or use --profile, run \`aws configure\`, ` +
    'export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or start with --demo'
  );
}

/** EC2 instances say so in their DMI data (Nitro: `Amazon EC2`; Xen: a hypervisor uuid starting with `ec2`). */
export function runsOnEc2(read: (path: string) => string | undefined = readSmallFile): boolean {
  const vendor = read('/sys/class/dmi/id/sys_vendor') ?? read('/sys/class/dmi/id/board_vendor') ?? '';
  const uuid = read('/sys/hypervisor/uuid') ?? '';
  return /amazon/i.test(vendor) || /^ec2/i.test(uuid.trim());
}

function readSmallFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
