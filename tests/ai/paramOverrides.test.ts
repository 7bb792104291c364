import { describe, expect, it } from 'vitest';
import { readParamOverrides } from '../../src/services/ai/experiments';

const experiment = {
  name: 'tune',
  params: { steps: 200, lr: 0.05, optimizer: 'adam', warmup: true },
  grid: { seed: [1, 2], amp: [true, false], size: ['s', 3] },
};

describe('param overrides (`--param`, the AI tab’s new-run form)', () => {
  it('takes a value of the type the file gives the param, as text', () => {
    const read = readParamOverrides(
      ['steps=50', 'lr=1e-3', 'optimizer=sgd', 'warmup=false', 'seed=-7', 'amp=true', 'size=xl'],
      experiment,
    );
    expect(read).toEqual({
      ok: true,
      overrides: {
        steps: '50',
        lr: '1e-3',
        optimizer: 'sgd',
        warmup: 'false',
        seed: '-7',
        amp: 'true',
        size: 'xl',
      },
    });
  });

  it('refuses a value of another type before anything runs, saying which type and the file’s values', () => {
    expect(readParamOverrides(['steps=abc'], experiment)).toEqual({
      ok: false,
      error:
        '--param steps=abc: experiment tune gives "steps" as a number (200 in its file); "abc" is not one',
    });
    expect(readParamOverrides(['steps='], experiment)).toMatchObject({ ok: false });
    expect(readParamOverrides(['warmup=yes'], experiment)).toEqual({
      ok: false,
      error:
        '--param warmup=yes: experiment tune gives "warmup" as true or false (true in its file); "yes" is not one',
    });
    expect(readParamOverrides(['seed=one'], experiment)).toEqual({
      ok: false,
      error:
        '--param seed=one: experiment tune gives "seed" as a number (1, 2 in its file); "one" is not one',
    });
  });
});
