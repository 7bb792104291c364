import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { checkJobSpec, type JobSpec } from '../../src/domain/job';
import { signedMessage } from '../../src/domain/signature';
import { sshKeygenSignSync, type TestKey } from './signingKeys';

/** The requester the signed specs name. */
export const who = { user: 'alice', host: 'jump1' };

/** A pipeline run of two steps, `build` then `test`, as the console asks for it. */
export function pipelineSpec(cwd: string, name = 'ci'): JobSpec {
  const step = (stepName: string, needs: string[]) => ({
    name: stepName,
    program: 'echo',
    args: [`${stepName}-ran`],
    shell: false,
    needs,
    env: {},
    cwd,
    attempts: 1,
  });
  return {
    kind: 'pipeline',
    payload: {
      name,
      source: { file: join(cwd, 'pipelines', `${name}.yaml`) },
      steps: [step('build', []), step('test', ['build'])],
    },
    requestedBy: who,
  } as JobSpec;
}

/** `spec` checked (defaults applied) and signed by `key` for alice, as the console signs it. */
export function signedSpec(key: TestKey, spec: JobSpec, at = Date.now()): JobSpec {
  const check = checkJobSpec(spec);
  if (!check.ok) throw new Error(check.error);
  const nonce = randomBytes(16).toString('base64url');
  const message = signedMessage({
    kind: spec.kind,
    payload: check.spec.payload,
    requestedBy: who,
    at,
    nonce,
  });
  return {
    ...check.spec,
    signature: { principal: 'alice', at, nonce, sig: sshKeygenSignSync(key, message) },
  };
}
