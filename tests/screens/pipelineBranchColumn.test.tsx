import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { layoutColumns, measureColumns } from '../../src/components/columnLayout';
import type { PipelineRow } from '../../src/domain/pipelineRows';
import { pipelineColumns } from '../../src/screens/pipelines/pipelineColumns';
import { type DeckSession, startDeck } from '../harness/startDeck';
import { fakePipelines, ghRun, pipelineWorkspace } from '../state/pipelinesHarness';

let deck: DeckSession | undefined;
let ws: ReturnType<typeof pipelineWorkspace>;

beforeEach(() => {
  ws = pipelineWorkspace([], ['build', 'deploy-production']);
});

afterEach(() => {
  deck?.unmount();
  deck = undefined;
  ws.remove();
});

const shownTitles = (rows: PipelineRow[], width: number) => {
  const columns = pipelineColumns(() => 0, false);
  const widths = layoutColumns(columns, width, measureColumns(rows, columns));
  return columns.filter((_, i) => widths[i] > 0).map((c) => c.title);
};

const local = (name: string): PipelineRow =>
  ({
    key: `local:${name}`,
    source: 'local',
    repo: null,
    pipeline: name,
    file: `pipelines/${name}.yaml`,
    runs: [],
  }) as unknown as PipelineRow;

describe("the Pipelines list's BRANCH column", () => {
  it('gives its width to the others when no row has a branch (local pipelines only), at 80 and 120 columns', async () => {
    deck = await startDeck({
      services: { pipelines: fakePipelines(ws.dir, {}) },
      size: { columns: 80, rows: 24 },
    });
    await deck.press('9');
    const frame = await deck.waitFor(/local +- +deploy-production +never run/);
    const header = frame.split('\n').find((l) => l.includes('PIPELINE')) ?? '';
    expect(header).not.toContain('BRANCH');
    expect(header).toMatch(/SOURCE +REPO +PIPELINE +STATUS +AGE +DURATION +RUNS/);
    await deck.resize(120, 35);
    const wide = await deck.waitFor(/PIPELINE .* DETAIL/);
    const wideHeader = wide.split('\n').find((l) => l.includes('PIPELINE')) ?? '';
    expect(wideHeader).not.toContain('BRANCH');
    expect(wide).toMatch(/never run +\S*\/pipelines\/build\.yaml · /);
  });

  it('shows as soon as one row has a branch, and the width it frees goes to the others', () => {
    const rows = [local('build'), local('deploy-production')];
    expect(shownTitles(rows, 78)).not.toContain('BRANCH');
    const remote = {
      ...local('CI'),
      key: 'github:web:CI',
      source: 'github',
      repo: 'web',
      runs: [ghRun(1, { branch: 'main' })],
    } as unknown as PipelineRow;
    expect(shownTitles([...rows, remote], 78)).toContain('BRANCH');
  });
});
