import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { signatureNamespace, signedMessage } from '../../domain/signature';
import { requesterGroups } from '../access/osGroups';
import { roleReport } from '../access/roleReport';
import { currentRequester } from '../bus/requester';
import { requestSigner } from './requestSigner';
import { checkSignature, signaturePolicy } from './verifyRequest';
import { signingKeyPath, type WorkspaceIdentity, workspaceIdentity } from './workspaceIdentity';

/** What `infradeck whoami` shows: who this process acts as, and whether its requests would pass a worker. */
export interface IdentityReport {
  user: string;
  host: string;
  sshClient?: string;
  groups: string[];
  /** The role `access.yaml` gives this user; null without the file (everyone is admin). */
  role: string | null;
  roleNote: string;
  signing: {
    /** The configured key (`access.signingKey` or `INFRADECK_SIGNING_KEY`), if any. */
    key?: string;
    how?: 'in-process' | 'ssh-keygen' | 'ssh-agent';
    /** `SSH_AUTH_SOCK` is set. */
    agent: boolean;
    error?: string;
  };
  verification: {
    allowedSigners: string;
    allowedSignersFound: boolean;
    /** A test signature by this user's key, checked against allowed_signers; null when nothing signs. */
    verified: boolean | null;
    detail: string;
  };
  requireSignatures: boolean;
}

export async function identityReport(
  identity: WorkspaceIdentity = workspaceIdentity(),
): Promise<IdentityReport> {
  const who = currentRequester(identity.env);
  const policy = signaturePolicy(identity);
  const key = signingKeyPath(identity);
  const signing: IdentityReport['signing'] = {
    ...(key ? { key } : {}),
    agent: Boolean(identity.env.SSH_AUTH_SOCK),
  };
  const verification: IdentityReport['verification'] = {
    allowedSigners: policy.allowedSigners,
    allowedSignersFound: existsSync(policy.allowedSigners),
    verified: null,
    detail: 'requests are not signed (no access.signingKey)',
  };
  const pending = requestSigner(identity);
  if (pending) {
    try {
      const signer = await pending;
      signing.how = signer.how;
      // The same path a request takes: the canonical message, this user's key, the worker's check.
      const at = Date.now();
      const nonce = randomBytes(16).toString('base64url');
      const message = signedMessage({ kind: 'whoami', payload: {}, requestedBy: who, at, nonce });
      const sig = await signer.sign(message);
      const checked = await checkSignature(
        message,
        { principal: who.user, at, nonce, sig },
        policy.allowedSigners,
      );
      verification.verified = checked.ok;
      verification.detail = checked.ok
        ? `${checked.fingerprint} is allowed for "${who.user}" by ${checked.line} (namespace ${signatureNamespace})`
        : checked.reason;
    } catch (error) {
      signing.error = (error as Error).message;
      verification.verified = false;
      verification.detail = `cannot sign: ${signing.error}`;
    }
  }
  const groups = requesterGroups(identity.env);
  const { role, roleNote } = roleReport(identity.dataDir, { user: who.user, groups });
  return {
    user: who.user,
    host: who.host,
    ...(who.sshClient ? { sshClient: who.sshClient } : {}),
    groups,
    role,
    roleNote,
    signing,
    verification,
    requireSignatures: policy.requireSignatures,
  };
}
