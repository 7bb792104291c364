import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TargetSelector } from '../../src/domain/batch';
import { resolveTargets } from '../../src/domain/batchTargets';
import { batchTargetInputs } from '../../src/services/batch/batchesFolder';
import { targetProblemText } from './targetProblemText';

// A servers.yaml that is not YAML lists none of its hosts: a batch naming one must not read as if the file had none.
describe('a batch over a servers.yaml that could not be read', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infradeck-servers-unread-'));
    await writeFile(
      join(dir, 'servers.yaml'),
      'servers:\n  - name: web-1\n    host: [10.0.0.1\n  - name: web-2\n',
    );
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function problems(selector: TargetSelector): Promise<string[]> {
    const { inputs, errors } = await batchTargetInputs(dir, [], { HOME: dir });
    expect(errors[0]).toMatch(/servers\.yaml:\d+:\d+: /);
    const r = resolveTargets([selector], inputs);
    return r.ok ? [] : r.problems.map((p) => targetProblemText(p, 1));
  }

  it('a name is refused as not read, with where the file went wrong, never as "servers.yaml has none"', async () => {
    const [problem, ...rest] = await problems({ servers: ['web-1'] });
    expect(rest).toEqual([]);
    expect(problem).toMatch(
      /^targets\.servers\[0\]: no server "web-1": servers\.yaml was not read \(.*servers\.yaml:4:3: /,
    );
    expect(problem).not.toContain('has none');
    const [word] = await problems({ names: ['web-2'] });
    expect(word).toMatch(/^targets\.names\[0\]: no server "web-2": servers\.yaml was not read \(/);
  });

  it('a project or tags is refused as not known, not as "no server belongs to it"', async () => {
    const [problem] = await problems({ project: 'web' });
    expect(problem).toMatch(
      /^targets: servers\.yaml was not read, so which of its hosts this selects is not known \(.*servers\.yaml:4:3: /,
    );
    // An address needs no servers.yaml.
    expect(await problems({ names: ['10.0.0.9'] })).toEqual([]);
  });
});
