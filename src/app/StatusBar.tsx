import { basename } from 'node:path';
import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import { approvalsBadge } from '../domain/approval';
import { displayWidth, fitWidth } from '../domain/text';
import type { DeckState } from '../state/store';
import { useActions, useDeck, useDeckContext } from '../ui/deckContext';
import { accessLabel } from './accessGate';
import { compactProblem } from './MessageLine';

/** Minutes only: a ticking seconds field would redraw the whole frame every second over a slow link. */
function clock(now: Date): string {
  return now.toTimeString().slice(0, 5);
}

/** `● redis connected`, `◌ redis reconnecting`, `✗ redis DOWN`, `● in-process workers`. */
export function busLabel(bus: DeckState['bus']): string {
  if (!bus.status) return '';
  if (bus.transport === 'memory') return ' ● in-process workers ';
  const mark = { connected: '●', reconnecting: '◌', down: '✗' }[bus.status.state];
  const word = bus.status.state === 'down' ? 'DOWN' : bus.status.state;
  return ` ${mark} redis ${word} `;
}

/** `aws 123456789012 arn:aws:iam::…:user/ada`, or why there is none. */
export function identityLabel(cloud: DeckState['cloud']): string {
  const info = cloud.info;
  if (!info) return cloud.opening ? ' checking credentials… ' : '';
  if (info.problem) return ` AWS: ${info.problem} `;
  return ` ${info.account ?? ''} ${info.arn ?? ''} `;
}

/**
 * The identity in at most `room` columns, its values whole or not at all: the account and the ARN, else the account
 * alone (the ARN cut, `arn:aws:iam::000000…`, says nothing and looks like another account), else nothing (a cut
 * account id names another account). Why there is no identity is a message: it is cut to the room.
 */
export function identityText(cloud: DeckState['cloud'], room: number): string {
  const who = identityLabel(cloud);
  if (displayWidth(who) <= room) return who;
  if (cloud.info?.problem) return room > 0 ? fitWidth(who, room) : '';
  const account = cloud.info?.account ? ` ${cloud.info.account} ` : '';
  return account.length <= room ? account : '';
}

/**
 * The status bar's problem in at most `room` columns: the last error's text and how many unread messages more
 * when there is room (` ✗ config.yaml:4:10: theme: unknown key… (+2 more: :messages) `), else how many there
 * are to read and where (` ✗ 3 problems: :messages `, ` ✗ 3 :messages `). Empty once `:messages` was opened.
 * The mark is the worst level unread, as on the message line: ` ! 2 warnings: :messages ` when only warnings are.
 */
export function problemSummary(
  lastError: string | undefined,
  unread: number,
  room: number,
  worst: 'error' | 'warn' = 'error',
): string {
  if (lastError === undefined && unread <= 0) return '';
  const count = Math.max(unread, 1);
  const onlyWarnings = lastError === undefined && worst === 'warn';
  const mark = onlyWarnings ? '!' : '✗';
  if (lastError !== undefined) {
    const pointer = count > 1 ? ` (+${count - 1} more: :messages) ` : ' (:messages) ';
    const textRoom = Math.min(room - 3 - pointer.length, displayWidth(lastError));
    if (textRoom >= 16) return ` ${mark} ${fitWidth(lastError, textRoom)}${pointer}`;
  }
  const noun = onlyWarnings ? 'warning' : 'problem';
  const counted = ` ${mark} ${count} ${noun}${count === 1 ? '' : 's'}: :messages `;
  if (counted.length <= room) return counted;
  const short = ` ${mark} ${count} :messages `;
  if (short.length <= room) return short;
  const marked = ` ${mark} ${count} `;
  return marked.length <= room ? marked : fitWidth(marked, room);
}

/**
 * The workspace in at most `room` columns: its path, else its folder's name after `…/` (the end is what names it:
 * `/tmp/hc-w…` said little), else that name cut to no fewer than six characters, else nothing (`k…` named nothing).
 */
export function placeText(path: string, room: number): string {
  if (room < 3) return '';
  const whole = ` ${path} `;
  if (displayWidth(whole) <= room) return whole;
  const name = basename(path) || path;
  const short = ` …/${name} `;
  if (displayWidth(short) <= room) return short;
  return room - 3 >= 6 ? `${fitWidth(` ${name}`, room - 1)} ` : '';
}

/** Next to problems, the identity takes at most this much; their text gets the rest. */
const identityMax = 40;

/** Workspace, badges (READ-ONLY, DEMO), identity, unread problems, bus state and a clock: the line an operator glances at. */
/** The workspace path's columns kept before "no access control" gives way. */
const minPlace = 12;

export function StatusBar({ width }: { width: number }) {
  const { theme } = useDeckContext();
  const workspace = useDeck((s) => s.workspace);
  const unread = useDeck((s) => s.ui.unreadMessages);
  const lastError = useDeck((s) => s.ui.lastError);
  // An error unread (its text may be gone from lastError: a cloud switch that worked takes it off) keeps the ✗.
  const worst = useDeck((s) =>
    s.ui.lastError ||
    s.ui.messages.slice(s.ui.messages.length - s.ui.unreadMessages).some((m) => m.level === 'error')
      ? 'error'
      : 'warn',
  );
  const bus = useDeck((s) => s.bus);
  const cloud = useDeck((s) => s.cloud);
  const access = useDeck((s) => s.access);
  const actions = useActions();
  useEffect(() => actions.access.connect(), [actions]);
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    let timer: NodeJS.Timeout;
    const tick = () => {
      setNow(new Date());
      timer = setTimeout(tick, 60_000 - (Date.now() % 60_000) + 50);
    };
    timer = setTimeout(tick, 60_000 - (Date.now() % 60_000) + 50);
    return () => clearTimeout(timer);
  }, []);

  const readOnly = workspace.readOnly ? ' READ-ONLY ' : '';
  const demo = cloud.info?.kind === 'demo' ? ' DEMO ' : '';
  const busText = busLabel(bus);
  const time = ` ${clock(now)} `;
  // Every console shows it: an admin elsewhere learns that someone waits for them.
  const approvals = useDeck((s) => approvalsBadge(countPending(s.jobs.byId)));
  const roleLabel = accessLabel(access);
  let room = Math.max(
    0,
    width - readOnly.length - demo.length - approvals.length - busText.length - time.length,
  );
  // Unread problems keep at least where to read them (` ✗ 4 :messages `): the workspace and identity give way.
  const pointer = lastError || unread > 0 ? ` ✗ ${Math.max(unread, 1)} :messages `.length : 0;
  const who = identityLabel(cloud);
  const account = (who.trimStart().split(' ')[0] ?? '').length + 2;
  // A role (or a broken access.yaml) always shows. "no access control" too, the workspace path shortened for it
  // down to a dozen columns; below that it gives way before the account id is cut.
  const role =
    access.state?.kind === 'none' && room - pointer - roleLabel.length - account < minPlace ? '' : roleLabel;
  room -= role.length;
  const place = placeText(
    workspace.dataDir,
    Math.min(Math.max(room - pointer - account, 0), 26, workspace.dataDir.length + 2),
  );
  room -= place.length;
  const whoRoom = Math.min(room - pointer, pointer ? identityMax : room, who.length);
  const whoText = identityText(cloud, whoRoom);
  room -= whoText.length;
  const problems = problemSummary(lastError && compactProblem(lastError.text), unread, room, worst);
  room -= displayWidth(problems);
  return (
    <Box width={width} height={1} overflow="hidden">
      <Text inverse>{place}</Text>
      {demo ? (
        <Text inverse bold color={theme.accent}>
          {demo}
        </Text>
      ) : null}
      {readOnly ? (
        <Text inverse bold color={theme.warn}>
          {readOnly}
        </Text>
      ) : null}
      {approvals ? (
        <Text inverse bold color={theme.warn}>
          {approvals}
        </Text>
      ) : null}
      <Text color={access.state?.kind === 'broken' ? theme.error : theme.muted}>{role}</Text>
      <Text color={cloud.info?.problem ? theme.error : theme.muted}>{whoText}</Text>
      <Text color={worst === 'error' ? theme.error : theme.warn}>{problems}</Text>
      <Text>{' '.repeat(Math.max(0, room))}</Text>
      <Text
        color={bus.status?.state === 'connected' ? theme.ok : theme.error}
        bold={bus.status?.state !== 'connected'}
      >
        {busText}
      </Text>
      <Text inverse>{time}</Text>
    </Box>
  );
}

function countPending(byId: DeckState['jobs']['byId']): number {
  let n = 0;
  for (const job of byId.values()) if (job.status === 'approval_pending') n++;
  return n;
}
