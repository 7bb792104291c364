import type { Handler } from '../../src/services/bus/contracts';
import { JobFailure } from '../../src/services/bus/jobFailure';
import { commandHandler } from '../../src/worker/handlers/command';

// The secret shapes of the access issue, each as a line a job might print, the part that must never leave the
// worker, and what is left of the line once masked. Shared by the masking tests of both transports (no vitest).

export interface SecretShape {
  name: string;
  line: string;
  secret: string;
  masked: string;
}

const pemBody = [
  'MIIEowIBAAKCAQEAmaskTestKeyMaterialOnlyForInfradeckTestsAAAAAAAAAAA',
  'pUhC8Lx2MaskTestKeyMaterialSecondLine0123456789abcdefABCDEFghijklm',
];

/** Variables of the job's own payload `env`, named like secrets: their values are masked verbatim. */
export const payloadEnv = {
  DEPLOY_SECRET: 'dsv-7Hq2LmPayloadSecretValue',
  CI_TOKEN: 'cit-4Rt9PayloadTokenValue',
  SIGNING_KEY: 'skv-8Wm3PayloadKeyValue',
  DB_PASSWORD: 'dbp-2Zx6PayloadPasswordValue',
  GREETING: 'hello-not-a-secret',
};

/** A variable of the worker's own environment (set by the test file before its first job). */
export const workerEnvName = 'MASKING_WORKER_TOKEN';
export const workerEnvValue = 'wtk-5Nb1WorkerTokenValue';

export const shapes: SecretShape[] = [
  {
    name: 'AWS access key id',
    line: 'using key id AKIAMASKTEST00000001 now',
    secret: 'AKIAMASKTEST00000001',
    masked: 'using key id AKIA*** now',
  },
  {
    name: 'AWS secret access key',
    line: 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYMASKTEST01',
    secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYMASKTEST01',
    masked: 'aws_secret_access_key = ***',
  },
  {
    name: 'Authorization: Bearer',
    line: 'sent Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.bWFza3Rlc3Q.c2lnbmF0dXJl',
    secret: 'eyJhbGciOiJIUzI1NiJ9.bWFza3Rlc3Q.c2lnbmF0dXJl',
    masked: 'sent Authorization: Bearer ***',
  },
  {
    name: 'password=',
    line: 'login user=bob password=hunter2-MaskTest',
    secret: 'hunter2-MaskTest',
    masked: 'user=bob password=***',
  },
  {
    name: 'URL password',
    line: 'cloning https://deploy:urlPa55-MaskTest@git.example.com/app.git',
    secret: 'urlPa55-MaskTest',
    masked: 'https://deploy:***@git.example.com/app.git',
  },
  {
    name: 'PEM private key',
    line: ['-----BEGIN RSA PRIVATE KEY-----', ...pemBody, '-----END RSA PRIVATE KEY-----'].join('\n'),
    secret: pemBody[0],
    masked: '-----BEGIN RSA PRIVATE KEY----- ***',
  },
  {
    name: 'GitHub token (ghp_)',
    line: 'token ghp_MaskTest0123456789abcdefghijklmnopqrst ok',
    secret: 'MaskTest0123456789abcdefghijklmnopqrst',
    masked: 'token ghp_*** ok',
  },
  {
    name: 'GitHub fine-grained token (github_pat_)',
    line: 'using github_pat_11MASKTEST0123456789_abcdefghijklmnopqrstuvwxyz',
    secret: '11MASKTEST0123456789_abcdefghijklmnopqrstuvwxyz',
    masked: 'using github_pat_***',
  },
  {
    name: 'GitLab token (glpat-)',
    line: 'gitlab glpat-MaskTest0123456789abcd',
    secret: 'MaskTest0123456789abcd',
    masked: 'gitlab glpat-***',
  },
  {
    name: 'OpenAI key (sk-)',
    line: 'openai sk-proj-MaskTest0123456789abcdefghij',
    secret: 'MaskTest0123456789abcdefghij',
    masked: 'openai sk-proj-***',
  },
  {
    name: 'Slack token (xox?-)',
    line: 'slack xoxb-123456789012-MaskTest0123456789abcdef',
    secret: '123456789012-MaskTest0123456789abcdef',
    masked: 'slack xoxb-***',
  },
  ...Object.entries(payloadEnv)
    .filter(([name]) => name !== 'GREETING')
    .map(([name, value]) => ({
      name: `payload env ${name}`,
      line: `env ${name} holds ${value}`,
      secret: value,
      masked: `env ${name} holds ***`,
    })),
  {
    name: `worker env ${workerEnvName}`,
    line: `worker variable holds ${workerEnvValue}`,
    secret: workerEnvValue,
    masked: 'worker variable holds ***',
  },
];

/** Every shape's line, as one text (a message, a failure). */
export const allLines = shapes.map((s) => s.line).join('\n');

/**
 * The `command` handler of the masking tests: program `probe` logs every shape, reports them as progress, emits
 * them in event data and returns them in its result; `fail` throws them as a failure with a result; anything else
 * is the real command handler. The payload's `env` is the job's own: the handler reads its values from there.
 */
export function probeHandler(): Handler<'command'> {
  const real = commandHandler();
  return async (p, ctx) => {
    if (p.program === 'probe') {
      for (const s of shapes) await ctx.log(s.line);
      ctx.progress(1, 2, allLines);
      for (const s of shapes) {
        await ctx.emit({
          level: 'info',
          type: 'masking.probe',
          message: s.name,
          data: { shape: s.name, deep: { lines: [s.line] } },
        });
      }
      return {
        exitCode: 0,
        lines: shapes.length,
        droppedLines: 0,
        probe: { lines: shapes.map((s) => s.line) },
      };
    }
    if (p.program === 'fail') {
      throw new JobFailure(
        `probe failed:\n${allLines}`,
        { lines: shapes.map((s) => s.line) },
        { permanent: true },
      );
    }
    return real(p, ctx);
  };
}
