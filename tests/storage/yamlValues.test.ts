import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatSourceError } from '../../src/domain/sourceError';
import { parseYamlValues } from '../../src/domain/yamlSource';

const schema = z
  .object({
    name: z.string().default('deck'),
    ports: z.array(z.number().int()).default([]),
    limits: z
      .object({ cpu: z.number().default(1), memory: z.number().default(512) })
      .strict()
      .default({ cpu: 1, memory: 512 }),
  })
  .strict();
const fallback = schema.parse({});
const parse = (text: string) => parseYamlValues('f.yaml', text, schema, fallback, { empty: {} });

describe('YAML validated value by value', () => {
  it('takes out each bad list item, the later ones first, and keeps the good ones in order', () => {
    const result = parse('ports: [80, x, 443, 1.5, 8080]\n');
    expect(result.value.ports).toEqual([80, 443, 8080]);
    expect(result.errors.map(formatSourceError)).toEqual([
      'f.yaml:1:13: ports[1]: expected a number, got "x"',
      'f.yaml:1:21: ports[3]: expected an integer, got 1.5',
    ]);
    expect(result.applied).toBe(true);
  });

  it('replaces a map of the wrong kind by its default, and keeps its siblings', () => {
    const result = parse('name: web\nlimits: 4\n');
    expect(result.value).toEqual({ name: 'web', ports: [], limits: { cpu: 1, memory: 512 } });
    expect(result.errors.map(formatSourceError)).toEqual([
      'f.yaml:2:9: limits: expected a map (key: value), got 4',
    ]);
  });

  it('keeps the good values of a map that also holds an unknown key', () => {
    const result = parse('limits:\n  cpu: 2\n  disk: 10\n');
    expect(result.value.limits).toEqual({ cpu: 2, memory: 512 });
    expect(result.errors.map(formatSourceError)).toEqual([
      'f.yaml:3:3: limits.disk: unknown key "disk" (allowed: cpu, memory)',
    ]);
  });

  it('falls back whole when the top level is of the wrong kind, or the text is not YAML', () => {
    const list = parse('- a\n- b\n');
    expect(list.applied).toBe(false);
    expect(list.value).toBe(fallback);
    expect(list.errors.map(formatSourceError)).toEqual([
      'f.yaml:1:1: expected a map (key: value), got a list',
    ]);
    const broken = parse('name: web\nports: [80\n');
    expect(broken.applied).toBe(false);
    expect(broken.value).toBe(fallback);
    expect(broken.errors).toHaveLength(1);
  });

  it('locates paths in the document as written, dropped values included', () => {
    const result = parse('name: web\nports: [80, x]\n');
    expect(formatSourceError(result.errorAt(['ports', 1], 'm'))).toBe('f.yaml:2:13: ports[1]: m');
    expect(formatSourceError(result.errorAt(['limits', 'cpu'], 'm'))).toBe('f.yaml:1:1: limits.cpu: m');
  });
});
