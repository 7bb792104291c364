import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { didYouMean } from '../../domain/didYouMean';
import {
  type ExperimentDefinition,
  expandGrid,
  gridSize,
  maxGridRuns,
  substituteParams,
} from '../../domain/experiment';
import {
  type ExperimentFile,
  experimentNameOfFile,
  parseExperimentFile,
} from '../../domain/experimentSource';
import type { ExperimentRunPayload, ExperimentTarget } from '../../domain/jobKinds/experimentRun';
import { formatSourceError } from '../../domain/sourceError';
import { loadServersFile } from '../servers/serversFile';
import type { Env } from '../storage/userPath';
import { isYamlName } from '../storage/watchFiles';
import { workspacePaths } from '../storage/workspace';
import { fileErrorReason } from '../storage/yamlFile';

/** `<workspace>/ai/experiments`. */
export function experimentsFolder(dataDir: string): string {
  return join(workspacePaths(dataDir).root, 'ai', 'experiments');
}

/** Every `ai/experiments/*.yaml` of the workspace, checked, by file name. A missing folder is none. Never throws. */
export async function loadExperiments(dataDir: string): Promise<ExperimentFile[]> {
  const folder = experimentsFolder(dataDir);
  let names: string[];
  try {
    names = (await readdir(folder)).filter(isYamlName).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    return [
      {
        ok: false,
        file: folder,
        errors: [{ file: folder, line: 0, column: 0, path: '', message: fileErrorReason(error) }],
      },
    ];
  }
  return Promise.all(
    names.map(async (name): Promise<ExperimentFile> => {
      const file = join(folder, name);
      try {
        return parseExperimentFile(file, await readFile(file, 'utf8'));
      } catch (error) {
        return {
          ok: false,
          file,
          errors: [{ file, line: 0, column: 0, path: '', message: fileErrorReason(error) }],
        };
      }
    }),
  );
}

/** An experiment's name, whether its file is valid or not. */
export function experimentNameOf(found: ExperimentFile): string {
  return found.ok ? found.experiment.name : (found.name ?? experimentNameOfFile(found.file));
}

/**
 * `--param k=v` words as overrides, each checked against the experiment's params and grid keys (an unknown one is
 * refused with a did-you-mean: a typo would otherwise start runs with the default).
 */
export function readParamOverrides(
  words: readonly string[],
  experiment: Pick<ExperimentDefinition, 'name' | 'params' | 'grid'>,
): { ok: true; overrides: Record<string, string> } | { ok: false; error: string } {
  const known = [...Object.keys(experiment.params), ...Object.keys(experiment.grid)];
  const overrides: Record<string, string> = {};
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq <= 0) return { ok: false, error: `--param ${word}: expected NAME=VALUE` };
    const name = word.slice(0, eq);
    if (!known.includes(name)) {
      const near = didYouMean(name, known, Math.max(1, Math.floor(name.length / 3)));
      const list = known.length ? `params: ${known.join(', ')}` : 'it declares no params';
      return {
        ok: false,
        error: `--param ${name}: experiment ${experiment.name} has no param "${name}" (${near ? `did you mean "${near}"? ` : ''}${list})`,
      };
    }
    const value = word.slice(eq + 1);
    const wrongType = paramTypeError(name, value, experiment);
    if (wrongType) return { ok: false, error: `--param ${name}=${value}: ${wrongType}` };
    overrides[name] = value;
  }
  return { ok: true, overrides };
}

/**
 * Why `value` does not fit the param: the file's values say its type (a number, true/false; a string takes
 * anything). A value of the wrong type would only fail the run once it started (the program's own parsing).
 */
function paramTypeError(
  name: string,
  value: string,
  experiment: Pick<ExperimentDefinition, 'name' | 'params' | 'grid'>,
): string | undefined {
  const declared = Object.hasOwn(experiment.params, name)
    ? [experiment.params[name]]
    : (experiment.grid[name] ?? []);
  const types = new Set(declared.map((v) => typeof v));
  if (types.size === 0 || types.has('string')) return undefined;
  if (types.has('number') && value.trim() !== '' && Number.isFinite(Number(value))) return undefined;
  if (types.has('boolean') && (value === 'true' || value === 'false')) return undefined;
  const expected = [...types].map((t) => (t === 'number' ? 'a number' : 'true or false')).join(' or ');
  const example = declared.slice(0, 3).map(String).join(', ');
  return `experiment ${experiment.name} gives "${name}" as ${expected} (${example} in its file); "${value}" is not one`;
}

export interface RunPlan {
  payloads: ExperimentRunPayload[];
  /** The experiment's `timeout`, for each run's job spec. */
  timeoutMs?: number;
}

/**
 * The runs one request makes: a payload per combination of the grid (after `overrides`), its argv substituted, its
 * target resolved from `servers.yaml` now (the worker runs exactly this), its folder made absolute. Problems come
 * back as lines to print (`file:line:col` for the servers file).
 */
export async function planRuns(
  found: Extract<ExperimentFile, { ok: true }>,
  opts: { dataDir: string; overrides?: Record<string, string>; env?: Env },
): Promise<{ ok: true; plan: RunPlan } | { ok: false; errors: string[] }> {
  const { experiment } = found;
  const combos = expandGrid(experiment.params, experiment.grid, opts.overrides);
  if (combos.length > maxGridRuns) {
    return { ok: false, errors: [`${gridSize(experiment.grid)} runs: at most ${maxGridRuns} from one grid`] };
  }
  let where: ExperimentRunPayload['where'] = { type: 'worker' };
  if (experiment.where.type !== 'worker') {
    const paths = workspacePaths(opts.dataDir);
    const servers = await loadServersFile(paths.serversFile, opts.env);
    // A bad entry costs only itself: another host of the file still runs, never the one with the problem (nor a
    // same-named host, when the problem is that the name is taken twice).
    const name = experiment.where.server;
    const bad = servers.invalid.filter((s) => s.name === name);
    if (!servers.readable || bad.length > 0) {
      const errors = servers.readable ? bad.flatMap((s) => s.errors) : servers.errors;
      return { ok: false, errors: errors.map(formatSourceError) };
    }
    const host = servers.hosts.find((h) => h.name === name);
    if (!host) {
      const names = servers.hosts.map((h) => h.name);
      const near = didYouMean(name, names, Math.max(1, Math.floor(name.length / 3)));
      return {
        ok: false,
        errors: [
          `${found.file}: where: no server "${name}" in ${paths.serversFile} (${near ? `did you mean "${near}"? ` : ''}servers: ${names.join(', ') || 'none'})`,
          // An entry without a readable name may be the one meant.
          ...servers.errors.map(formatSourceError),
        ],
      };
    }
    const target: ExperimentTarget = {
      name: host.name,
      host: host.host,
      port: host.port,
      ...(host.user ? { user: host.user } : {}),
      ...(host.identityFile ? { identityFile: host.identityFile } : {}),
    };
    where = { type: experiment.where.type, target };
  }
  const root = workspacePaths(opts.dataDir).root;
  const cwd = where.type === 'server' ? undefined : resolve(root, experiment.workdir ?? '.');
  const payloads = combos.map(
    (params, i): ExperimentRunPayload => ({
      experiment: experiment.name,
      source: { file: found.file },
      argv: substituteParams(experiment.command, params),
      params,
      env: experiment.env,
      where,
      ...(cwd ? { cwd } : {}),
      ...(experiment.metric ? { metric: experiment.metric } : {}),
      ...(combos.length > 1 ? { grid: { index: i + 1, of: combos.length } } : {}),
    }),
  );
  return {
    ok: true,
    plan: { payloads, ...(experiment.timeoutMs !== undefined ? { timeoutMs: experiment.timeoutMs } : {}) },
  };
}
