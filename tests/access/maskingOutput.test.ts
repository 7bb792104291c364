import { describe, expect, it } from 'vitest';
import { maskedText, secretValuesOf } from '../../src/domain/secretMask';
import {
  JobOutputMask,
  jobOutputMask,
  payloadSecretValues,
  workerSecretValues,
} from '../../src/services/bus/outputMask';

describe("a job's output mask", () => {
  it("takes the values of the payload's env variables named like secrets, at any depth (a pipeline's steps)", () => {
    const payload = {
      program: 'make',
      env: {
        API_TOKEN: 'tok-123456',
        GREETING: 'hello-world',
        DATABASE_URL: 'postgres://app:dbpw-98765@db/app',
      },
      steps: [{ name: 'push', env: { REGISTRY_PASSWORD: 'regpw-4567', SSHKEY: 'ssh-key-body' } }],
    };
    expect(payloadSecretValues(payload).sort()).toEqual(
      ['dbpw-98765', 'regpw-4567', 'ssh-key-body', 'tok-123456'].sort(),
    );
    expect(payloadSecretValues({ program: 'ls', args: ['-l'] })).toEqual([]);
    // `env` that is not a record of strings is not an environment.
    expect(payloadSecretValues({ env: ['API_TOKEN=tok-123456'] })).toEqual([]);
  });

  it('names `*KEY*` as a word of the variable, not any name that contains the letters', () => {
    const values = secretValuesOf({
      APIKEY: 'apikey-value',
      STRIPE_KEYS: 'stripe-keys-value',
      SIGNING_KEY: 'signing-value',
      KEYBOARD_LAYOUT: 'dvorak-intl',
      SSH_KEY_FILE: '/home/bob/.ssh/id',
    });
    expect(values.sort()).toEqual(['apikey-value', 'signing-value', 'stripe-keys-value']);
  });

  it("masks the payload's secrets verbatim in lines, and nothing without them", () => {
    const payload = { program: 'deploy', env: { DEPLOY_SECRET: 'plain-words-42' } };
    expect(jobOutputMask(payload).text('it is plain-words-42 here')).toBe(`it is ${maskedText} here`);
    expect(jobOutputMask({ program: 'deploy' }).text('it is plain-words-42 here')).toBe(
      'it is plain-words-42 here',
    );
  });

  it("works out the worker's own secrets once per process", () => {
    const first = workerSecretValues();
    process.env.MASKING_LATE_TOKEN = 'late-token-value';
    try {
      expect(workerSecretValues()).toBe(first);
    } finally {
      delete process.env.MASKING_LATE_TOKEN;
    }
  });

  it('masks every string inside a result or event data, keeps keys and shares what it did not change', () => {
    const mask = new JobOutputMask(['s3cr3t-value']);
    const untouched = { ok: true, n: 3, list: ['a', 'b'] };
    const result = {
      untouched,
      nested: { deeper: [{ line: 'got s3cr3t-value back' }, 'Authorization: Bearer abcdef123456'] },
      when: new Date(0),
    };
    const masked = mask.deep(result);
    expect(masked).toEqual({
      untouched,
      nested: { deeper: [{ line: `got ${maskedText} back` }, `Authorization: Bearer ${maskedText}`] },
      when: new Date(0),
    });
    expect(masked.untouched).toBe(untouched);
    expect(result.nested.deeper[0]).toEqual({ line: 'got s3cr3t-value back' });
    expect(mask.deep(untouched)).toBe(untouched);
    expect(mask.event({ message: 'sent s3cr3t-value', data: { why: 'password=hunter22' } })).toEqual({
      message: `sent ${maskedText}`,
      data: { why: `password=${maskedText}` },
    });
  });

  it('withholds what is too deep or too large to check, instead of letting it out unchecked', () => {
    const mask = new JobOutputMask(['s3cr3t-value']);
    let deep: unknown = 's3cr3t-value';
    for (let i = 0; i < 40; i++) deep = { inner: deep };
    const text = JSON.stringify(mask.deep(deep));
    expect(text).not.toContain('s3cr3t-value');
    expect(text).toContain('withheld: too large to check for secrets');

    const huge = Array.from({ length: 150_000 }, (_, i) => `line ${i} s3cr3t-value`);
    const out = mask.deep(huge);
    expect(out).toHaveLength(huge.length);
    expect(out[0]).toBe(`line 0 ${maskedText}`);
    expect(out[out.length - 1]).toContain('withheld');
    expect(out.some((line) => line.includes('s3cr3t-value'))).toBe(false);
  });
});
