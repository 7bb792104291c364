import { didYouMean } from './didYouMean';
import {
  type ExperimentDefinition,
  experimentFileSchema,
  experimentNameRule,
  experimentOf,
  gridSize,
  isExperimentName,
  maxGridRuns,
  paramEnvName,
  paramNameRule,
  paramsUsed,
} from './experiment';
import { isMetricName } from './metricLine';
import type { SourceError } from './sourceError';
import { parseYamlFile, sourceErrorAt } from './yamlSource';

export type ExperimentFile =
  | { ok: true; file: string; experiment: ExperimentDefinition }
  | { ok: false; file: string; name?: string; errors: SourceError[] };

/** `ai/experiments/tiny.yaml` -> `tiny`. */
export function experimentNameOfFile(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/\.ya?ml$/i, '');
}

/**
 * Validates an experiment file; every problem located (`file:line:col: path: message`): the file's shape (unknown
 * keys with a did-you-mean), then the whole: a `{param}` of the command that no param or grid key names, a key
 * both in `params` and `grid`, two params that would share one `INFRADECK_PARAM_` variable, a grid of more than
 * `maxGridRuns` runs, a main metric whose name no metric line can carry, a `workdir` for a run over ssh.
 * Never throws.
 */
export function parseExperimentFile(
  file: string,
  text: string,
  fallbackName = experimentNameOfFile(file),
): ExperimentFile {
  const parsed = parseYamlFile(file, text, experimentFileSchema);
  if (!parsed.ok) return { ok: false, file, errors: parsed.errors };
  const { doc, lines, value } = parsed;
  const errorAt = (path: readonly PropertyKey[], message: string) =>
    sourceErrorAt(file, doc, lines, path, message);
  const errors: SourceError[] = [];
  if (value.name === undefined && !isExperimentName(fallbackName)) {
    errors.push(errorAt([], `no \`name:\`, and "${fallbackName}" is not one (${experimentNameRule})`));
  }

  const envNames = new Map<string, string>();
  const claim = (name: string, path: PropertyKey[]) => {
    const variable = paramEnvName(name);
    const earlier = envNames.get(variable);
    if (earlier !== undefined && earlier !== name)
      errors.push(errorAt(path, `"${name}" and "${earlier}" would both be ${variable}: rename one`));
    else envNames.set(variable, name);
  };
  for (const name of Object.keys(value.params)) claim(name, ['params', name]);
  for (const name of Object.keys(value.grid)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) {
      errors.push(errorAt(['grid', name], `"${name}" is not a param name (${paramNameRule})`));
      continue;
    }
    if (Object.hasOwn(value.params, name)) {
      errors.push(
        errorAt(
          ['grid', name],
          `"${name}" is in params and in grid: give it in one (the grid's values vary it)`,
        ),
      );
      continue;
    }
    claim(name, ['grid', name]);
  }
  const runs = gridSize(value.grid);
  if (runs > maxGridRuns) {
    const sizes = Object.entries(value.grid)
      .map(([k, v]) => `${k}: ${v.length}`)
      .join(' x ');
    errors.push(errorAt(['grid'], `${runs} runs (${sizes}); at most ${maxGridRuns} from one grid`));
  }

  const known = [...Object.keys(value.params), ...Object.keys(value.grid)];
  value.command.forEach((arg, i) => {
    for (const name of paramsUsed([arg])) {
      if (known.includes(name)) continue;
      const near = didYouMean(name, known, Math.max(1, Math.floor(name.length / 3)));
      const hint = near
        ? `did you mean "{${near}}"?`
        : known.length
          ? `params: ${known.join(', ')}`
          : 'no params are declared';
      errors.push(
        errorAt(
          ['command', i],
          `"{${name}}" names no param (${hint}); write {{${name}}} for the literal text`,
        ),
      );
    }
  });

  const metricName = typeof value.metric === 'string' ? value.metric : value.metric?.name;
  if (metricName !== undefined && !isMetricName(metricName)) {
    const path = typeof value.metric === 'string' ? ['metric'] : ['metric', 'name'];
    errors.push(errorAt(path, `"${metricName}" cannot be a metric name (1-128 letters, digits, _ . / : -)`));
  }
  if (value.workdir !== undefined && value.where !== 'worker' && 'server' in value.where) {
    errors.push(
      errorAt(
        ['workdir'],
        'a run over ssh starts in the login folder: drop workdir, or run [sh, -c, "cd DIR && …"]',
      ),
    );
  }

  if (errors.length > 0) {
    errors.sort((a, b) => a.line - b.line || a.column - b.column);
    return { ok: false, file, name: value.name ?? fallbackName, errors };
  }
  return { ok: true, file, experiment: experimentOf(value, fallbackName) };
}
