import type { Column } from '../../components/tableModel';
import type { LastCommit } from '../../domain/repo';
import { formatAge } from '../../domain/text';

/** The recent commits of a repository's details: `/` filters and `o` sorts them like any table. */
export function commitColumns(now: () => number): Column<LastCommit>[] {
  return [
    { key: 'hash', title: 'COMMIT', width: 8, minWidth: 7, sortAs: 'text', value: (c) => c.hash },
    {
      key: 'age',
      title: 'AGE',
      // Ages are at most 4 wide (`11mo` never: `52w`, `3y`); sorted, the title needs 5 for `AGE ▲`.
      min: 3,
      max: 5,
      align: 'right',
      value: (c) => formatAge(now() - c.time * 1000),
      sortValue: (c) => now() / 1000 - c.time,
    },
    { key: 'author', title: 'AUTHOR', width: 14, minWidth: 6, value: (c) => c.author },
    { key: 'subject', title: 'SUBJECT', width: 'flex', minWidth: 10, value: (c) => c.subject },
  ];
}
