import { describe, expect, it } from 'vitest';
import { maxMetricLineLength, parseMetricLine } from '../../src/domain/metricLine';
import { LineSplitter } from '../../src/services/process/lineSplitter';

describe('parseMetricLine', () => {
  it('reads a JSON line: step, values, in order', () => {
    expect(parseMetricLine('{"step": 120, "loss": 0.31, "acc": 0.88}')).toEqual({
      metric: true,
      step: 120,
      values: [
        { name: 'loss', value: 0.31 },
        { name: 'acc', value: 0.88 },
      ],
      skipped: {},
    });
  });

  it('reads key=value words', () => {
    expect(parseMetricLine('  step=120 loss=0.31 val/acc=8.8e-1\r')).toEqual({
      metric: true,
      step: 120,
      values: [
        { name: 'loss', value: 0.31 },
        { name: 'val/acc', value: 0.88 },
      ],
      skipped: {},
    });
  });

  it('records a checkpoint line, alone or with metrics', () => {
    expect(parseMetricLine('{"checkpoint": "s3://models/run-7/step-500.pt", "step": 500}')).toEqual({
      metric: true,
      step: 500,
      values: [],
      checkpoint: 's3://models/run-7/step-500.pt',
      skipped: {},
    });
    const both = parseMetricLine('{"checkpoint": "s3://b/k", "loss": 1}');
    expect(both).toMatchObject({
      metric: true,
      checkpoint: 's3://b/k',
      values: [{ name: 'loss', value: 1 }],
    });
  });

  it('leaves other lines to the log: prose, structured logs, logfmt with words, JSON lists', () => {
    for (const line of [
      '',
      'Epoch 1/10',
      'epoch 3 loss=0.3',
      'level=info msg=started',
      'loss=0.3s',
      '{"level": "info", "msg": "loading data", "rows": 1200}',
      '{"loss": 0.3, "ok": true}',
      '[1, 2, 3]',
      '{"nested": {"loss": 1}}',
    ]) {
      expect(parseMetricLine(line), line).toEqual({ metric: false });
    }
  });

  it('counts half JSON as skipped and leaves the line to the log', () => {
    expect(parseMetricLine('{"step": 12, "loss": 0.')).toEqual({ metric: false, skipped: 'halfJson' });
    expect(parseMetricLine('{"step": 12, "loss": }')).toEqual({ metric: false, skipped: 'halfJson' });
    expect(parseMetricLine('{')).toEqual({ metric: false, skipped: 'halfJson' });
  });

  it('skips NaN, Infinity and null values (Python json writes them bare) and keeps the rest of the line', () => {
    expect(
      parseMetricLine('{"step": 3, "loss": NaN, "grad": Infinity, "neg": -Infinity, "acc": 0.5}'),
    ).toEqual({
      metric: true,
      step: 3,
      values: [{ name: 'acc', value: 0.5 }],
      skipped: { notFinite: 3 },
    });
    // Inside a string NaN is text, not a value.
    expect(parseMetricLine('{"checkpoint": "s3://b/NaN-run", "x": null}')).toEqual({
      metric: true,
      values: [],
      checkpoint: 's3://b/NaN-run',
      skipped: { notFinite: 1 },
    });
    expect(parseMetricLine('{"big": 1e999, "ok": 1}')).toMatchObject({
      values: [{ name: 'ok', value: 1 }],
      skipped: { notFinite: 1 },
    });
    expect(parseMetricLine('step=4 loss=nan lr=-inf acc=1')).toEqual({
      metric: true,
      step: 4,
      values: [{ name: 'acc', value: 1 }],
      skipped: { notFinite: 2 },
    });
  });

  it('skips metric names with escape sequences or other characters a name cannot hold', () => {
    expect(parseMetricLine('{"\\u001b[31mloss": 1, "acc": 2}')).toEqual({
      metric: true,
      values: [{ name: 'acc', value: 2 }],
      skipped: { badName: 1 },
    });
    expect(parseMetricLine('lo\u001bss=1 acc=2')).toEqual({
      metric: true,
      values: [{ name: 'acc', value: 2 }],
      skipped: { badName: 1 },
    });
    expect(parseMetricLine(`{"${'x'.repeat(129)}": 1}`)).toMatchObject({
      values: [],
      skipped: { badName: 1 },
    });
    expect(parseMetricLine('{"__proto__": 1, "a b": 2}')).toMatchObject({
      values: [{ name: '__proto__' }],
      skipped: { badName: 1 },
    });
  });

  it('skips a bad step and a bad checkpoint', () => {
    expect(parseMetricLine('{"step": -1, "loss": 1}')).toMatchObject({ skipped: { badStep: 1 } });
    expect(parseMetricLine('step=nan loss=1')).toMatchObject({ skipped: { badStep: 1 } });
    expect(parseMetricLine('{"checkpoint": "s3://a\\u0007b", "loss": 1}')).toMatchObject({
      values: [{ name: 'loss', value: 1 }],
      skipped: { badCheckpoint: 1 },
    });
    expect(parseMetricLine('{"checkpoint": ""}')).toMatchObject({ skipped: { badCheckpoint: 1 } });
  });

  it('refuses a 10 MB line without reading it, and a line the splitter cut', () => {
    const huge = `{"step": 1, "loss": [${'1,'.repeat(5_000_000)}1]}`;
    expect(parseMetricLine(huge)).toEqual({ metric: false, skipped: 'tooLong' });
    expect(parseMetricLine(`step=1 ${'x'.repeat(maxMetricLineLength)}`)).toEqual({
      metric: false,
      skipped: 'tooLong',
    });
    expect(parseMetricLine('x'.repeat(maxMetricLineLength + 1))).toEqual({ metric: false });
    // What a run's reader hands over for 10 MB on one line: the line cut, with the splitter's mark.
    const lines: string[] = [];
    const splitter = new LineSplitter((l) => lines.push(l), maxMetricLineLength);
    splitter.push(Buffer.from(huge));
    splitter.end();
    expect(lines).toHaveLength(1);
    expect(parseMetricLine(lines[0])).toEqual({ metric: false, skipped: 'tooLong' });
  });

  it('is total: random bytes never throw', () => {
    let seed = 42;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    const alphabet = '{}[]":,=. \\\u001bNaInfty0123456789-eE';
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++) {
      let line = '';
      const n = next() % 40;
      for (let j = 0; j < n; j++) line += alphabet[next() % alphabet.length];
      lines.push(line);
    }
    const failures = lines.filter((line) => {
      try {
        parseMetricLine(line);
        return false;
      } catch {
        return true;
      }
    });
    expect(failures).toEqual([]);
  });
});
