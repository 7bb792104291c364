import { exitCodes } from '../services/bus/busFromEnv';
import { type IdentityReport, identityReport } from '../services/identity/identityReport';
import type { CommandIO } from './commandIO';
import { declareCommand, parseCommand, usageError } from './declaration';

export const whoamiDeclaration = declareCommand({
  name: 'whoami',
  summary: 'user, host, groups, role, and whether your requests are signed',
  description:
    'Shows the user and host your jobs are asked by, your OS groups and role, the key that signs your requests ' +
    "(access.signingKey, or ssh-agent), and whether a test signature verifies against the workspace's " +
    'allowed_signers as a worker would check it.',
  args: [],
  flags: { json: { type: 'boolean', help: 'the same as JSON' } },
  exits: {
    0: 'shown; requests are unsigned, or signed and verified',
    1: 'a signing key is set but cannot sign, or its signature does not verify',
    2: 'bad arguments',
  },
  catchesSignals: false,
  run: whoamiCommand,
});

/** `infradeck whoami [--json]`. */
export async function whoamiCommand(argv: string[], io: CommandIO): Promise<number> {
  let json: boolean;
  try {
    const { values } = parseCommand(whoamiDeclaration, argv);
    json = io.json === true || values.json === true;
  } catch (error) {
    return usageError(whoamiDeclaration, io, error);
  }
  const report = await identityReport();
  io.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : describeIdentity(report));
  return report.verification.verified === false ? exitCodes.failed : exitCodes.ok;
}

export function describeIdentity(r: IdentityReport): string {
  const signing = r.signing.key
    ? `${r.signing.key} (${r.signing.how ?? 'cannot sign'})`
    : 'off: requests are not signed (set access.signingKey)';
  const verified =
    r.verification.verified === null
      ? '-'
      : `${r.verification.verified ? 'ok' : 'FAILS'}: ${r.verification.detail}`;
  const rows: Array<[string, string]> = [
    ['user', r.user],
    ['host', r.host],
    ['ssh', r.sshClient ?? '-'],
    ['groups', r.groups.join(', ') || '-'],
    ['role', r.role ?? r.roleNote],
    ['signing', signing],
    ['agent', r.signing.agent ? 'SSH_AUTH_SOCK is set' : 'no ssh-agent (SSH_AUTH_SOCK not set)'],
    [
      'signers',
      `${r.verification.allowedSigners}${r.verification.allowedSignersFound ? '' : ' (missing: workers verify no signature)'}`,
    ],
    ['verified', verified],
    [
      'workers',
      r.requireSignatures
        ? 'with this config, refuse unsigned requests (access.requireSignatures)'
        : 'with this config, accept unsigned requests',
    ],
  ];
  return rows.map(([k, v]) => `${`${k}:`.padEnd(10)}${v}\n`).join('');
}
