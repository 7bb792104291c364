import { fitCell } from '../../components/fitCell';
import { type Column, Priority } from '../../components/tableModel';
import type { RepoStatus } from '../../domain/repo';
import { formatAge } from '../../domain/text';

/**
 * The branch, or for a detached HEAD its commit first (`eccf261 (detached)`): cut to the column's width, the id
 * stays whole where `(detached eccf261)` kept only `(detached eccf…`.
 */
function branchText(r: RepoStatus): string {
  if (r.kind === 'error') return 'ERROR';
  if (!r.detached) return r.branch;
  const commit = /^\(detached (\S+)\)$/.exec(r.branch)?.[1] ?? r.last?.hash;
  return commit ? `${commit} (detached)` : r.branch;
}

function upstreamText(r: RepoStatus): string {
  if (r.kind === 'error') return '';
  if (r.ahead === undefined || r.behind === undefined) return '—';
  if (r.ahead === 0 && r.behind === 0) return '=';
  return [r.ahead ? `↑${r.ahead}` : '', r.behind ? `↓${r.behind}` : ''].filter(Boolean).join(' ');
}

/**
 * At 80 columns: name, branch, changes, upstream, CI, age and the last commit's subject; the rest when wider.
 * `ci`: a repository's last CI run (the Pipelines tab's rows); without it (no repository has runs) no CI column.
 */
export function repoColumns(
  now: () => number,
  ci?: (repo: string) => { text: string; color: string } | undefined,
): Column<RepoStatus>[] {
  return [
    { key: 'name', title: 'NAME', priority: Priority.identity, min: 12, max: 24, value: (r) => r.entry.name },
    {
      key: 'branch',
      title: 'BRANCH',
      priority: Priority.identity,
      min: 8,
      // As on the Pipelines tab: up to 40 before the subject (flex) gets the rest, cut in its middle when narrower
      // (`feature/…-checkout`, not `feature…`, which names every feature branch alike).
      max: 40,
      value: branchText,
      // A detached HEAD's commit comes first and stays whole: cut at the end.
      fit: (r, width) =>
        fitCell(branchText(r), width, 'left', r.kind === 'ok' && r.detached ? 'end' : 'middle'),
      color: (r) => (r.kind === 'error' ? 'red' : r.kind === 'ok' && r.detached ? 'yellow' : undefined),
    },
    {
      key: 'changed',
      title: 'CHG',
      priority: Priority.main,
      whole: true,
      align: 'right',
      value: (r) => (r.kind === 'ok' ? String(r.changed) : ''),
      sortValue: (r) => (r.kind === 'ok' ? r.changed : -1),
      color: (r) => (r.kind === 'ok' && r.changed > 0 ? 'yellow' : undefined),
    },
    { key: 'upstream', title: 'UPSTREAM', priority: Priority.main, whole: true, value: upstreamText },
    ...(ci
      ? [
          {
            key: 'ci',
            title: 'CI',
            priority: Priority.detail,
            whole: true,
            value: (r: RepoStatus) => ci(r.entry.name)?.text ?? '',
            color: (r: RepoStatus) => ci(r.entry.name)?.color,
          },
        ]
      : []),
    {
      key: 'hash',
      title: 'COMMIT',
      priority: Priority.extra,
      width: 7,
      value: (r) => (r.kind === 'ok' ? (r.last?.hash ?? '') : ''),
    },
    {
      key: 'age',
      title: 'AGE',
      priority: Priority.main,
      width: 3,
      align: 'right',
      value: (r) => (r.kind === 'ok' && r.last ? formatAge(now() - r.last.time * 1000) : ''),
      sortValue: (r) => (r.kind === 'ok' && r.last ? now() / 1000 - r.last.time : Number.MAX_SAFE_INTEGER),
    },
    {
      key: 'author',
      title: 'AUTHOR',
      priority: Priority.extra,
      min: 6,
      max: 16,
      value: (r) => (r.kind === 'ok' ? (r.last?.author ?? '') : ''),
    },
    {
      key: 'subject',
      title: 'SUBJECT',
      priority: Priority.main,
      flex: true,
      min: 20,
      value: (r) => (r.kind === 'ok' ? (r.last?.subject ?? '(no commits yet)') : r.error),
      color: (r) => (r.kind === 'error' ? 'red' : undefined),
    },
  ];
}
