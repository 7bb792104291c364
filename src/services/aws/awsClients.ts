import { EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { type AwsProfileSettings, readAwsProfiles } from './awsProfiles';
import { runsOnEc2 } from './credentialSources';

export type AwsService = 'EC2' | 'S3' | 'STS' | 'SSM';

export interface AwsSettings {
  /** `--profile` / `:profile`; `AWS_PROFILE` when absent. */
  profile?: string;
  /** `--region` / `:region`; else AWS_REGION, AWS_DEFAULT_REGION, the profile's region, us-east-1. */
  region?: string;
  /** Tries per call, the first included, with adaptive retry (default 5). */
  maxAttempts?: number;
  /** Read for the profile, region and endpoints (default process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * Where credentials come from instead of the default provider chain: keys typed into the login form and
   * kept in the OS keyring. Everything else (env, profiles, SSO, roles, instance roles) is the chain's job.
   */
  credentials?: AwsCredentialIdentityProvider;
  /** Milliseconds before a single HTTP request is abandoned (default 30 s). */
  requestTimeoutMs?: number;
}

export interface ResolvedAwsSettings {
  profile?: string;
  region: string;
  maxAttempts: number;
  env: NodeJS.ProcessEnv;
  /** The profile's settings, when it is in the shared files. */
  profileSettings?: AwsProfileSettings;
  /** Whether the named profile exists in the shared files (true when no profile is named). */
  profileKnown: boolean;
  knownProfiles: string[];
  configFile: string;
  credentialsFile: string;
}

/**
 * The endpoint a service is sent to: `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`, then the
 * profile's `endpoint_url` (none when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`).
 *
 * Recent v3 SDKs read these variables themselves, but we resolve them here and pass `endpoint` explicitly so
 * that we know one is set (S3 must then use path-style addressing) and so that the choice is visible and
 * tested rather than left to the SDK's version.
 */
export function endpointFor(
  service: AwsService,
  env: NodeJS.ProcessEnv,
  profileSettings?: AwsProfileSettings,
): string | undefined {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === 'true') return undefined;
  return (
    env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL || profileSettings?.endpoint_url || undefined
  );
}

export async function resolveAwsSettings(settings: AwsSettings = {}): Promise<ResolvedAwsSettings> {
  const env = settings.env ?? process.env;
  const profile = settings.profile || env.AWS_PROFILE || undefined;
  const files = await readAwsProfiles(env);
  const profileSettings = files.profiles.get(profile ?? 'default');
  const region =
    settings.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || profileSettings?.region || 'us-east-1';
  return {
    profile,
    region,
    maxAttempts: settings.maxAttempts ?? 5,
    env,
    profileSettings,
    profileKnown: !profile || files.profiles.has(profile),
    knownProfiles: [...files.profiles.keys()].sort(),
    configFile: files.configFile,
    credentialsFile: files.credentialsFile,
  };
}

/**
 * One set of clients per console: one credentials provider shared by every client (so an SSO or role
 * session is resolved once), one client per service and region, adaptive retry everywhere.
 */
export class AwsClients {
  readonly credentials: AwsCredentialIdentityProvider;
  private readonly ec2Clients = new Map<string, EC2Client>();
  private readonly s3Clients = new Map<string, S3Client>();
  private stsClient?: STSClient;

  constructor(
    readonly settings: ResolvedAwsSettings,
    credentials?: AwsCredentialIdentityProvider,
    private readonly requestTimeoutMs = 30_000,
  ) {
    this.credentials =
      credentials ?? fromNodeProviderChain(settings.profile ? { profile: settings.profile } : {});
  }

  get region(): string {
    return this.settings.region;
  }

  endpoint(service: AwsService): string | undefined {
    return endpointFor(service, this.settings.env, this.settings.profileSettings);
  }

  private common(service: AwsService, region: string) {
    const endpoint = this.endpoint(service);
    return {
      region,
      credentials: this.credentials,
      maxAttempts: this.settings.maxAttempts,
      retryMode: 'adaptive' as const,
      requestHandler: { requestTimeout: this.requestTimeoutMs },
      ...(endpoint ? { endpoint } : {}),
    };
  }

  ec2(region: string = this.region): EC2Client {
    let c = this.ec2Clients.get(region);
    if (!c) {
      c = new EC2Client(this.common('EC2', region));
      this.ec2Clients.set(region, c);
    }
    return c;
  }

  s3(region: string = this.region): S3Client {
    let c = this.s3Clients.get(region);
    if (!c) {
      const custom = Boolean(this.endpoint('S3'));
      c = new S3Client({
        ...this.common('S3', region),
        // A local or compatible endpoint (s3rver, MinIO, LocalStack) has no per-bucket host names.
        forcePathStyle: custom,
        followRegionRedirects: true,
        // Compatible servers often reject the newer default checksums; send them only where S3 requires one.
        ...(custom
          ? {
              requestChecksumCalculation: 'WHEN_REQUIRED' as const,
              responseChecksumValidation: 'WHEN_REQUIRED' as const,
            }
          : {}),
      });
      this.s3Clients.set(region, c);
    }
    return c;
  }

  sts(): STSClient {
    this.stsClient ??= new STSClient(this.common('STS', this.region));
    return this.stsClient;
  }

  destroy(): void {
    for (const c of this.ec2Clients.values()) c.destroy();
    for (const c of this.s3Clients.values()) c.destroy();
    this.stsClient?.destroy();
    this.ec2Clients.clear();
    this.s3Clients.clear();
    this.stsClient = undefined;
  }
}

export async function createAwsClients(settings: AwsSettings = {}): Promise<AwsClients> {
  // The SDK prints a Node support notice to stderr on the first client, which would tear through the
  // full-screen console; it is a note for developers, not for the operator.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // The last link of the credential chain asks the EC2 instance-metadata address (169.254.169.254). Off EC2
  // that only waits for a time-out (slow start, and traffic a locked-down jump host may flag), so it is asked
  // only on an EC2 instance or in a container that names its credentials endpoint.
  if (!process.env.AWS_EC2_METADATA_DISABLED && !runsOnEc2()) process.env.AWS_EC2_METADATA_DISABLED = 'true';
  return new AwsClients(await resolveAwsSettings(settings), settings.credentials, settings.requestTimeoutMs);
}
