import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { CloudError, errorCode, errorMessage, isAbort } from '../cloud/cloudError';
import type { Identity } from '../cloud/cloudProvider';
import type { AwsClients, ResolvedAwsSettings } from './awsClients';
import { isSsoProfile } from './awsProfiles';
import { noCredentialsMessage } from './credentialSources';

function ssoLogin(profile: string | undefined): string {
  return profile && profile !== 'default' ? `aws sso login --profile ${profile}` : 'aws sso login';
}

/**
 * Turns whatever the credential chain or STS threw into one sentence that says what is wrong and what to run.
 * Codes: NoCredentials, ProfileNotFound, SsoLoginRequired, ExpiredToken, InvalidCredentials, EndpointUnreachable.
 * These are `permanent`: a job that meets one fails at once, since trying again a moment later cannot help (the
 * person has to act; an unreachable endpoint was already retried by the SDK).
 */
export function explainCredentialError(err: unknown, settings: ResolvedAwsSettings): CloudError {
  const profile = settings.profile;
  const code = errorCode(err);
  const message = errorMessage(err);
  const where = profile ? `profile "${profile}"` : 'the default credentials';

  if (!settings.profileKnown && profile) {
    const known = settings.knownProfiles.length ? settings.knownProfiles.join(', ') : 'none';
    return new CloudError(
      'ProfileNotFound',
      `AWS profile "${profile}" is not in ${settings.configFile} or ${settings.credentialsFile} ` +
        `(known profiles: ${known}): check --profile / AWS_PROFILE, or run \`aws configure --profile ${profile}\``,
      { cause: err, permanent: true },
    );
  }
  if (/keyring/i.test(message))
    return new CloudError('NoCredentials', message, { cause: err, permanent: true });
  if (
    /\bSSO\b/i.test(message) ||
    (code === 'CredentialsProviderError' && isSsoProfile(settings.profileSettings))
  ) {
    return new CloudError(
      'SsoLoginRequired',
      `The SSO session for ${where} has expired or was never started: run \`${ssoLogin(profile)}\``,
      { cause: err, permanent: true },
    );
  }
  if (code === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return new CloudError('NoCredentials', noCredentialsMessage(where), { cause: err, permanent: true });
  }
  if (
    code === 'ExpiredToken' ||
    code === 'ExpiredTokenException' ||
    code === 'RequestExpired' ||
    /expired/i.test(message)
  ) {
    const fix = isSsoProfile(settings.profileSettings)
      ? `run \`${ssoLogin(profile)}\``
      : 'get fresh temporary credentials (or unset AWS_SESSION_TOKEN if it is left over)';
    return new CloudError('ExpiredToken', `The AWS session token for ${where} has expired: ${fix}`, {
      cause: err,
      permanent: true,
    });
  }
  if (code === 'InvalidClientTokenId' || code === 'UnrecognizedClientException') {
    return new CloudError(
      'InvalidCredentials',
      `AWS does not know the access key of ${where} (${code}): the key was deleted or mistyped`,
      { cause: err, permanent: true },
    );
  }
  if (code === 'SignatureDoesNotMatch') {
    return new CloudError(
      'InvalidCredentials',
      `The secret access key of ${where} does not match its access key id (SignatureDoesNotMatch)`,
      { cause: err, permanent: true },
    );
  }
  const net =
    (err as { code?: string; cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code;
  if (net === 'ECONNREFUSED' || net === 'ENOTFOUND' || net === 'ETIMEDOUT' || net === 'EAI_AGAIN') {
    const endpoint = settings.env.AWS_ENDPOINT_URL_STS || settings.env.AWS_ENDPOINT_URL || 'AWS STS';
    return new CloudError(
      'EndpointUnreachable',
      `Cannot reach ${endpoint} (${net}): check the network or the endpoint`,
      {
        cause: err,
        permanent: true,
      },
    );
  }
  return new CloudError(code ?? 'IdentityError', `Cannot tell who the credentials belong to: ${message}`, {
    cause: err,
  });
}

/** Who we are, by STS GetCallerIdentity, or a CloudError saying why there is no identity. */
export async function callerIdentity(clients: AwsClients, signal?: AbortSignal): Promise<Identity> {
  const settings = clients.settings;
  if (!settings.profileKnown) throw explainCredentialError(new Error('profile not found'), settings);
  try {
    const out = await clients.sts().send(new GetCallerIdentityCommand({}), { abortSignal: signal });
    return {
      kind: 'aws',
      account: out.Account ?? 'unknown',
      arn: out.Arn ?? 'unknown',
      userId: out.UserId,
      profile: settings.profile,
      region: settings.region,
    };
  } catch (err) {
    if (isAbort(err)) throw err;
    throw explainCredentialError(err, settings);
  }
}
