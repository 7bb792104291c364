import {
  isModelName,
  type ModelDefinition,
  modelFileSchema,
  modelNameRule,
  modelOf,
  reservedModelNames,
} from './model';
import type { SourceError } from './sourceError';
import { parseYamlFile, sourceErrorAt } from './yamlSource';

export type ModelFile =
  | { ok: true; file: string; model: ModelDefinition }
  | { ok: false; file: string; name?: string; errors: SourceError[] };

/** `ai/models/churn.yaml` -> `churn`. */
export function modelNameOfFile(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/\.ya?ml$/i, '');
}

/**
 * Validates a model file; every problem located (`file:line:col: path: message`): the file's shape (unknown keys
 * with a did-you-mean), then the whole: a version number given twice, more than one version in production, a
 * name that is not one (or is a word of `ai rollout`). An empty file is a model without versions. Never throws.
 */
export function parseModelFile(file: string, text: string, fallbackName = modelNameOfFile(file)): ModelFile {
  const parsed = parseYamlFile(file, text, modelFileSchema, { empty: {} });
  if (!parsed.ok) return { ok: false, file, errors: parsed.errors };
  const { doc, lines, value } = parsed;
  const errorAt = (path: readonly PropertyKey[], message: string) =>
    sourceErrorAt(file, doc, lines, path, message);
  const errors: SourceError[] = [];
  const name = value.name ?? fallbackName;
  if (!isModelName(name)) {
    const why = (reservedModelNames as readonly string[]).includes(name)
      ? `"${name}" is a word of \`infradeck ai rollout\`; give the model another name`
      : `no \`name:\`, and "${name}" is not one (${modelNameRule})`;
    errors.push(errorAt(value.name === undefined ? [] : ['name'], why));
  }
  const seen = new Map<number, number>();
  let production: number | undefined;
  value.versions.forEach((v, i) => {
    const earlier = seen.get(v.version);
    if (earlier !== undefined)
      errors.push(
        errorAt(
          ['versions', i, 'version'],
          `version ${v.version} is given twice (also versions[${earlier}])`,
        ),
      );
    else seen.set(v.version, i);
    if (v.stage === 'production') {
      if (production !== undefined)
        errors.push(
          errorAt(
            ['versions', i, 'stage'],
            `v${v.version} and v${value.versions[production].version} are both in production: one version serves at a time (archive one)`,
          ),
        );
      else production = i;
    }
  });
  if (errors.length > 0) {
    errors.sort((a, b) => a.line - b.line || a.column - b.column);
    return { ok: false, file, name, errors };
  }
  return { ok: true, file, model: modelOf(value, fallbackName) };
}
