import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ProjectEntry } from '../../domain/projectEntry';
import type { SourceError } from '../../domain/sourceError';
import { workspacePaths } from '../storage/workspace';
import { fileErrorReason } from '../storage/yamlFile';
import { readBlueprintFile } from './blueprintFile';
import { readStateFile, stateDir, stateFilePath } from './stateFile';

export type { ProjectEntry };

const blueprintName = /^[^.].*\.ya?ml$/;

/**
 * Every blueprint in `<dataDir>/projects/` (sorted by file name) with its state file, plus the projects that
 * have a state file but no blueprint any more (renamed or deleted while resources still exist). A bad file is
 * an entry with its errors; the others load as usual. Never throws.
 */
export async function loadProjects(dataDir: string): Promise<ProjectEntry[]> {
  const dir = workspacePaths(dataDir).projectsDir;
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => blueprintName.test(n)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') names = [];
    else {
      const error: SourceError = { file: dir, line: 0, column: 0, path: '', message: fileErrorReason(err) };
      return [
        { file: dir, name: basename(dir), sha256: '', errors: [error], stateFile: '', stateErrors: [] },
      ];
    }
  }
  const files = await Promise.all(names.map((n) => readBlueprintFile(join(dir, n))));

  const entries: ProjectEntry[] = [];
  const byName = new Map<string, string>();
  for (const f of files) {
    const stem = basename(f.file).replace(/\.ya?ml$/, '');
    const name = f.blueprint?.name ?? stem;
    const errors = [...f.errors];
    let blueprint = f.blueprint;
    const first = blueprint ? byName.get(blueprint.name) : undefined;
    if (blueprint && first) {
      errors.push(
        f.locate!(
          ['name'],
          `project "${blueprint.name}" is already defined in ${first}: each project name is used once`,
        ),
      );
      blueprint = undefined;
    } else if (blueprint) byName.set(blueprint.name, f.file);
    entries.push({ file: f.file, name, sha256: f.sha256, blueprint, errors, stateFile: '', stateErrors: [] });
  }

  const withState = await Promise.all(
    entries.map(async (e) => {
      const read = await readStateFile(dataDir, e.name);
      return read.ok
        ? { ...e, stateFile: read.file, state: read.state }
        : { ...e, stateFile: read.file, stateErrors: read.errors };
    }),
  );

  // State files of projects whose blueprint is gone: their resources may still exist.
  const known = new Set(withState.map((e) => e.name));
  let stateNames: string[] = [];
  try {
    stateNames = (await readdir(stateDir(dataDir)))
      .filter((n) => /^[^.].*\.json$/.test(n))
      .map((n) => n.replace(/\.json$/, ''))
      .filter((n) => !known.has(n))
      .sort();
  } catch {
    stateNames = [];
  }
  for (const name of stateNames) {
    const read = await readStateFile(dataDir, name);
    const file = stateFilePath(dataDir, name);
    const live = read.ok ? (read.state?.resources.length ?? 0) : 0;
    const missing: SourceError = {
      file,
      line: 0,
      column: 0,
      path: '',
      message: `no blueprint named ${name} in ${dir} (renamed or deleted); the state file lists ${live} resource${live === 1 ? '' : 's'}`,
    };
    withState.push({
      file,
      name,
      sha256: '',
      errors: [missing],
      stateFile: file,
      ...(read.ok ? { state: read.state, stateErrors: [] } : { stateErrors: read.errors }),
    });
  }
  return withState;
}
