import { placedRepoError, type RepoStatus } from '../domain/repo';
import { formatSourceError } from '../domain/sourceError';
import { fitWidth, formatAge } from '../domain/text';
import { readAllRepoStatus } from '../services/git/gitRepo';
import { loadRepoEntries, workspacePaths } from '../services/storage/workspace';
import type { CommandIO } from './commandIO';
import { declareCommand, parseCommand, usageError } from './declaration';
import { printTable, terminalWidth } from './printTable';
import { sourceErrorsJson } from './sourceErrorsJson';

function upstream(r: RepoStatus & { kind: 'ok' }): string {
  if (r.ahead === undefined || r.behind === undefined) return '-';
  return `+${r.ahead}/-${r.behind}`;
}

/**
 * `infradeck repos [--json]`: exit 0 when every repository was read, 1 when some could not be, 2 when
 * repos.yaml itself is invalid (bad input; the repositories of the configured roots are still listed).
 */
export async function reposCommand(io: CommandIO): Promise<number> {
  // What `services.repos.list` does, keeping the errors' positions: only they tell bad input from a failed read.
  const { dataDir, config } = io.workspace;
  const found = await loadRepoEntries(dataDir, config);
  const rows = await readAllRepoStatus(found.entries);
  const errors = found.errors.map(formatSourceError);
  const reposFile = workspacePaths(dataDir).reposFile;
  const invalidInput = found.errors.some((e) => e.file === reposFile && e.line > 0);
  for (const e of errors) io.stderr.write(`${e}\n`);
  // A listed repository that cannot be read: the line of repos.yaml that names it.
  for (const r of rows)
    if (r.kind === 'error' && r.entry.listedAt) io.stderr.write(`${placedRepoError(r.entry, r.error)}\n`);
  if (io.json) {
    io.stdout.write(`${JSON.stringify({ repos: rows, errors: sourceErrorsJson(found.errors) }, null, 2)}\n`);
  } else if (rows.length === 0 && errors.length > 0) {
    // "No repositories. List them in repos.yaml" read as if the file were empty, when it lists them with a mistake.
    io.stdout.write(
      `No repositories listed: ${invalidInput ? 'repos.yaml has' : 'there are'} problems (above).\n`,
    );
  } else if (rows.length === 0) {
    io.stdout.write(
      `No repositories. List them in ${io.workspace.dataDir}/repos.yaml or set repos.roots in the config.\n`,
    );
  } else {
    const now = Date.now() / 1000;
    printTable(
      io.stdout,
      ['NAME', 'BRANCH', 'CHANGED', 'UPSTREAM', 'COMMIT', 'AGE', 'AUTHOR', 'SUBJECT'],
      rows.map((r) =>
        r.kind === 'error'
          ? [r.entry.name, 'ERROR', '', '', '', '', '', r.error]
          : [
              r.entry.name,
              r.branch,
              String(r.changed),
              upstream(r),
              r.last?.hash ?? '',
              r.last ? formatAge((now - r.last.time) * 1000) : '',
              fitWidth(r.last?.author ?? '', 16).trimEnd(),
              r.last?.subject ?? '(no commits yet)',
            ],
      ),
      // The subject (or why a repository cannot be read) is cut first; the name, branch and commit stay whole.
      {
        width: terminalWidth(io),
        giveWay: [
          { column: 'SUBJECT', min: 24 },
          { column: 'AUTHOR', min: 8 },
          { column: 'SUBJECT', min: 12 },
          { column: 'AUTHOR', hide: true },
          { column: 'AGE', hide: true },
        ],
      },
    );
  }
  if (invalidInput) return 2;
  return rows.some((r) => r.kind === 'error') || errors.length > 0 ? 1 : 0;
}

export const reposDeclaration = declareCommand({
  name: 'repos',
  summary: 'repositories: branch, changes, upstream, last commit',
  description: 'The repositories of repos.yaml and of the roots in the config (repos.roots).',
  args: [],
  flags: { json: { type: 'boolean', help: 'the repositories and errors as JSON' } },
  exits: {
    0: 'every repository was read',
    1: 'some could not be',
    2: 'repos.yaml is invalid (the repositories of the configured roots are still listed), or bad arguments',
  },
  // Nothing to cancel: Ctrl-C ends it at once.
  catchesSignals: false,
  run: reposFromArgv,
});

async function reposFromArgv(argv: string[], io: CommandIO): Promise<number> {
  let json: boolean;
  try {
    json = io.json || parseCommand(reposDeclaration, argv).values.json === true;
  } catch (error) {
    return usageError(reposDeclaration, io, error);
  }
  return reposCommand({ ...io, json });
}
