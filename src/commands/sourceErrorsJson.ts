import { formatSourceError, type SourceError } from '../domain/sourceError';

/**
 * A problem as every `--json` gives it: located, `{file, line, column, path, message, text}` (`text` being the
 * line stderr shows: `projects/web.yaml:14:5: compute.instances[0].type: …`); not located (an unknown project, an
 * unreadable folder), `{message, text}`.
 */
export type ErrorJson = Partial<SourceError> & { message: string; text: string };

/** Problems for `--json`: located ones keep their position; a plain message is `{message, text}`. */
export function sourceErrorsJson(errors: readonly (SourceError | string)[]): ErrorJson[] {
  return errors.map((e) =>
    typeof e === 'string' ? { message: e, text: e } : { ...e, text: formatSourceError(e) },
  );
}
