import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type DeploymentsSession, exampleText, rowOf, startDeployments } from './deploymentsHarness';

let session: DeploymentsSession | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
});

/** Within a second of the write, as the screen promises (the wait ends as soon as it shows). */
const soon = 1000;

describe('watching the projects folder', () => {
  it('shows a blueprint written by another program, an edit that breaks one, and a removal', async () => {
    session = await startDeployments({ files: { 'shop.yaml': exampleText('shop') } });
    const { deck, projectsDir } = session;
    writeFileSync(
      join(projectsDir, 'billing.yaml'),
      'name: billing\nowner: finance@example.com\nenvironment: prod\nregion: us-east-1\nprotected: true\n',
    );
    let f = await deck.waitFor((frame) => rowOf(frame, 'billing') !== '', soon);
    expect(rowOf(f, 'billing')).toMatch(/billing\s+!\s+-\s+ready\s+not deployed\s+us-east-1/);

    writeFileSync(join(projectsDir, 'shop.yaml'), exampleText('shop').replace('count: 2', 'count: many'));
    f = await deck.waitFor((frame) => /invalid/.test(rowOf(frame, 'shop')), soon);
    expect(rowOf(f, 'shop')).toMatch(/invalid: shop\.yaml:49:14: compute/);
    expect(f).toContain(`${join(projectsDir, 'shop.yaml')}:49:14: compute.instances[0].count:`);
    expect(rowOf(f, 'billing')).toMatch(/ready\s+not deployed/); // the other project keeps working

    rmSync(join(projectsDir, 'billing.yaml'));
    await deck.waitFor((frame) => rowOf(frame, 'billing') === '', soon);
  });
});

describe('e: the blueprint in $EDITOR', () => {
  /** A stand-in for vi: appends a line to the file it is given, as a person saving an edit would. */
  function fakeEditor(dir: string, line: string): string {
    const file = join(dir, 'editor.sh');
    writeFileSync(file, `#!/bin/sh\nprintf '%s\\n' '${line}' >> "$1"\n`);
    chmodSync(file, 0o755);
    return file;
  }

  it('hands the terminal to the editor with the file, then says whether the blueprint is valid', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'infradeck-editor-'));
    const editor = fakeEditor(tmp, '# reviewed by the on-call engineer');
    session = await startDeployments({
      files: { 'shop.yaml': exampleText('shop') },
      env: { EDITOR: editor },
    });
    const { deck, projectsDir } = session;
    const runs: string[][] = [];
    deck.deck.runInTerminal = async (program, args) => {
      runs.push([program, ...args]);
      return spawnSync(program, args).status ?? 1;
    };
    try {
      await deck.press('e');
      await deck.waitFor(/shop: .*shop\.yaml is valid/);
      expect(runs).toEqual([[editor, join(projectsDir, 'shop.yaml')]]);
      expect(readFileSync(join(projectsDir, 'shop.yaml'), 'utf8')).toBe(
        `${exampleText('shop')}# reviewed by the on-call engineer\n`,
      );

      // An edit that breaks the file: the error, located, at once; the row says invalid.
      fakeEditor(tmp, 'compute: [');
      await deck.press('e');
      const f = await deck.waitFor(/shop\.yaml:\d+:\d+: /);
      expect(rowOf(f, 'shop')).toMatch(/invalid/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
