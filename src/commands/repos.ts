import type { RepoStatus } from '../domain/repo';
import { fitWidth, formatAge } from '../domain/text';
import type { CommandIO } from './commandIO';
import { printTable } from './printTable';

function upstream(r: RepoStatus & { kind: 'ok' }): string {
  if (r.ahead === undefined || r.behind === undefined) return '-';
  return `+${r.ahead}/-${r.behind}`;
}

/** `infradeck repos [--json]`: exit 0 when every repository was read, 1 when some could not be. */
export async function reposCommand(io: CommandIO): Promise<number> {
  const { rows, errors } = await io.workspace.services.repos.list();
  for (const e of errors) io.stderr.write(`${e}\n`);
  if (io.json) {
    io.stdout.write(`${JSON.stringify({ repos: rows, errors }, null, 2)}\n`);
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
              r.last ? formatAge(now - r.last.time) : '',
              fitWidth(r.last?.author ?? '', 16).trimEnd(),
              r.last?.subject ?? '(no commits yet)',
            ],
      ),
    );
  }
  return rows.some((r) => r.kind === 'error') || errors.length > 0 ? 1 : 0;
}
