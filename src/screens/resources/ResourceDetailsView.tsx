import { useMemo, useRef } from 'react';
import { CursorList, moveCursor } from '../../components/CursorList';
import { scrollWindow } from '../../components/tableModel';
import type { Resource, ResourceIndex } from '../../domain/resource';
import { useCopy } from '../../ui/clipboard';
import { useActions, useDeckContext } from '../../ui/deckContext';
import { useKeys } from '../../ui/keyDispatcher';
import { useKeyState } from '../../ui/useKeyState';
import { resourceDetailLines } from './resourceDetails';

/**
 * Enter on a resource: the resource, the resources it is tied to, its tags and attributes, with a cursor. Enter
 * on a related resource opens its details (Esc comes back), `d` describes the resource under the cursor as YAML,
 * `y` copies what the line names. A reference the last scan did not find is listed dim; Enter and `d` on it say so.
 */
export function ResourceDetailsView({
  resource,
  index,
  width,
  height,
  active,
  cursorKey,
  onCursor,
  onOpen,
  onDescribe,
  onBack,
}: {
  resource: Resource;
  index: ResourceIndex;
  width: number;
  height: number;
  active: boolean;
  /** Where the cursor was when this view was last left (a related resource opened from it). */
  cursorKey?: string;
  onCursor: (key: string) => void;
  onOpen: (related: Resource) => void;
  onDescribe: (resource: Resource) => void;
  onBack: () => void;
}) {
  const { theme } = useDeckContext();
  const actions = useActions();
  const copy = useCopy();
  const lines = useMemo(() => resourceDetailLines(resource, index), [resource, index]);
  const [cursor, getCursor, setCursor] = useKeyState<{ key: string; index: number }>({
    key: cursorKey ?? 'self',
    index: 0,
  });
  const offset = useRef(0);

  // The cursor stays on its line across rescans; a line that went away leaves it on the one now in its place.
  const locate = (c: { key: string; index: number }) => {
    const found = lines.findIndex((l) => l.key === c.key);
    if (found >= 0) return found;
    const clamped = Math.min(c.index, lines.length - 1);
    return moveCursor('nav.up', clamped + 1, lines.length, 1, (i) => lines[i].copy !== undefined) ?? 0;
  };
  const at = locate(cursor);
  offset.current = scrollWindow(at, offset.current, height, lines.length);

  useKeys(
    'screen',
    (press) => {
      const action = press.action(['resourceDetails', 'list']);
      if (!action) return false;
      const here = locate(getCursor());
      const line = lines[here];
      const focused = line?.related ?? resource;
      if (action === 'view.back') onBack();
      else if ((action === 'resource.open' || action === 'resource.describe') && line?.missing)
        actions.ui.notify('warn', line.missing);
      else if (action === 'resource.open') {
        if (line?.related) {
          onCursor(line.key);
          onOpen(line.related);
        } else onDescribe(resource);
      } else if (action === 'resource.describe') {
        onCursor(line?.key ?? 'self');
        onDescribe(focused);
      } else if (action === 'clipboard.copy') copy(line?.copy);
      else {
        const next = moveCursor(action, here, lines.length, height, (i) => lines[i].copy !== undefined);
        if (next === undefined) return false;
        setCursor({ key: lines[next].key, index: next });
      }
      return true;
    },
    active,
  );

  const rows = lines.map((l) =>
    l.key === 'self'
      ? { key: l.key, text: l.text, bold: true, color: theme.accent }
      : { key: l.key, text: l.text, bold: l.heading, color: l.missing ? theme.muted : undefined },
  );
  return <CursorList rows={rows} cursor={at} offset={offset.current} width={width} height={height} />;
}
