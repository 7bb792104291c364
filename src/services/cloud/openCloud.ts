import type { AwsSettings } from '../aws/awsClients';
import type { AwsProviderOptions } from '../aws/awsProvider';
import { credentialsMayExist, noCredentialsMessage } from '../aws/credentialSources';
import { busSettings } from '../bus/busFromEnv';
import { CloudError, errorCode, errorMessage } from './cloudError';
import type { CloudProvider, Identity } from './cloudProvider';
import { DemoCloud, type DemoCloudOptions } from './demoCloud';

export interface OpenCloudOptions extends AwsSettings {
  /** `--demo`: the demo cloud whatever credentials exist. */
  demo?: boolean;
  demoOptions?: DemoCloudOptions;
  awsOptions?: AwsProviderOptions;
  signal?: AbortSignal;
}

export interface OpenedCloud {
  provider: CloudProvider;
  /** Who we are; absent when the credentials do not work (see `problem`). */
  identity?: Identity;
  /** Why there is no identity, in words for the status bar: expired token, SSO login needed… */
  problem?: string;
  /** Why the demo cloud is shown instead of AWS. */
  demoReason?: string;
}

/**
 * The cloud the console works on. The demo cloud with `--demo`, or when no credentials exist at all; AWS
 * otherwise, even when its credentials fail (expired, SSO login needed, unknown profile): then the status bar
 * says why, because switching such a user to pretend resources would hide the real problem.
 */
export async function openCloud(options: OpenCloudOptions = {}): Promise<OpenedCloud> {
  if (options.demo) return openDemo(options, '--demo');
  // Nothing for the SDK's chain to find: the demo cloud at once, without loading the SDK for the same answer.
  if (!options.credentials && !options.profile && !credentialsMayExist(options.env ?? process.env)) {
    return openDemo(options, demoInstead(noCredentialsMessage('the default credentials')));
  }
  const [{ createAwsClients }, { AwsProvider }] = await Promise.all([
    import('../aws/awsClients'),
    import('../aws/awsProvider'),
  ]);
  const clients = await createAwsClients(options);
  const aws = new AwsProvider(clients, options.awsOptions);
  try {
    return { provider: aws, identity: await aws.identity(options.signal) };
  } catch (err) {
    if (errorCode(err) === 'NoCredentials' && err instanceof CloudError && !options.profile) {
      clients.destroy();
      return openDemo(options, demoInstead(errorMessage(err)));
    }
    return { provider: aws, problem: errorMessage(err) };
  }
}

/**
 * With Redis (`REDIS_URL`), one DEMO world for every process on its bus prefix — the console, each worker, each
 * command — as one AWS account is for them: a deploy a worker runs is what the console then plans against.
 */
async function openDemo(options: OpenCloudOptions, demoReason: string): Promise<OpenedCloud> {
  const demoOptions: DemoCloudOptions = { ...options.demoOptions };
  const bus = busSettings(options.env ?? process.env);
  if (bus.redisUrl && !demoOptions.sharedWorld) {
    const { redisDemoWorld } = await import('./demoWorldStore');
    demoOptions.sharedWorld = redisDemoWorld({ ...bus, redisUrl: bus.redisUrl });
  }
  const demo = new DemoCloud(demoOptions);
  return { provider: demo, identity: await demo.identity(options.signal), demoReason };
}

function demoInstead(why: string): string {
  return `${why}. Showing the DEMO cloud meanwhile.`;
}
