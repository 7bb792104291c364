import { fitWidth, formatAge } from '../../domain/text';
import { useActions, useDeck } from '../../ui/deckContext';
import { TextDetails } from '../TextDetails';

/** Enter on a repository: its `git status` and recent commits. Esc goes back to the list. */
export function RepoDetailsView({
  width,
  height,
  active,
}: {
  width: number;
  height: number;
  active: boolean;
}) {
  const actions = useActions();
  const details = useDeck((s) => s.repos.details);
  if (!details) return null;

  const lines: string[] = [];
  if (details.loading) lines.push('reading…');
  if (details.error) lines.push(`error: ${details.error}`);
  if (details.value) {
    const nowSeconds = Date.now() / 1000;
    lines.push('Status (git status --short --branch):', ...details.value.status.map((l) => `  ${l}`), '');
    lines.push(`Recent commits (${details.value.log.length}):`);
    for (const c of details.value.log)
      lines.push(
        `  ${c.hash}  ${fitWidth(formatAge((nowSeconds - c.time) * 1000), 4, 'right')}  ${fitWidth(c.author, 14)}  ${c.subject}`,
      );
  }
  return (
    <TextDetails
      title={`${details.entry.name}  ${details.entry.path}`}
      lines={lines}
      width={width}
      height={height}
      active={active}
      onBack={actions.repos.closeDetails}
    />
  );
}
