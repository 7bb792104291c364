import { useCopy } from '../../ui/clipboard';
import { useDeck } from '../../ui/deckContext';
import { useKeys } from '../../ui/keyDispatcher';
import { TextDetails } from '../TextDetails';

/**
 * Enter on a commit: `git show --stat` (who, when, the message, the files it changed); `y` copies its id, Esc
 * `onBack`.
 */
export function CommitView({
  width,
  height,
  active,
  onBack,
}: {
  width: number;
  height: number;
  active: boolean;
  onBack: () => void;
}) {
  const copy = useCopy();
  const details = useDeck((s) => s.repos.details);
  const commit = details?.commit;
  // Registered after TextDetails' own keys (a parent's layout effect runs after its child's), so it is asked first.
  useKeys(
    'screen',
    (press) => {
      if (press.action(['repoCommit']) !== 'clipboard.copy') return false;
      copy(commit?.hash);
      return true;
    },
    active,
  );
  if (!details || !commit) return null;
  const lines = commit.loading
    ? ['reading…']
    : commit.error
      ? [`error: ${commit.error}`]
      : (commit.lines ?? []);
  return (
    <TextDetails
      title={`${details.entry.name}  ${commit.hash}`}
      lines={lines}
      width={width}
      height={height}
      active={active}
      onBack={onBack}
    />
  );
}
