import { type LogHighlight, LogView, type TextViewState } from '../../components/LogView';
import { useDeckContext } from '../../ui/deckContext';
import type { jobBodyLines } from './jobDetailsText';

/** A job's output under its summary (`jobBodyLines`), headings and errors styled: the Jobs tab's and a batch target's. */
export function JobBodyLog({
  body,
  width,
  height,
  view,
  search,
}: {
  body: ReturnType<typeof jobBodyLines>;
  width: number;
  height: number;
  view: TextViewState;
  search?: LogHighlight;
}) {
  const { theme } = useDeckContext();
  return (
    <LogView
      lines={body}
      width={width}
      height={height}
      follow={view.follow}
      offset={view.offset}
      rowInLine={view.rowInLine}
      wrap={view.wrap}
      scrollX={view.scrollX}
      search={search}
      lineStyle={(i) => {
        const kind = body.kindAt(i);
        if (kind === 'heading') return { bold: true, color: theme.accent };
        if (kind === 'note') return { dim: true };
        if (kind === 'error') return { color: theme.error };
        return undefined;
      }}
    />
  );
}
