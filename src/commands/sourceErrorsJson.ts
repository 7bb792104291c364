import { formatSourceError, type SourceError } from '../domain/sourceError';

/**
 * Located problems as `--json` gives them: `{file, line, column, path, message, text}`, `text` being the line
 * stderr shows (`projects/web.yaml:14:5: compute.instances[0].type: …`).
 */
export function sourceErrorsJson(errors: readonly SourceError[]) {
  return errors.map((e) => ({ ...e, text: formatSourceError(e) }));
}
