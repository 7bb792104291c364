import type { AccessState, AccessSubject } from '../../domain/access';

/** The workspace's `access.yaml` as the console sees it, and who the console acts for. */
export interface DeckAccess {
  /** A `stat` when nothing changed: cheap enough to ask every few seconds. */
  current(): AccessState;
  subject: AccessSubject;
}
