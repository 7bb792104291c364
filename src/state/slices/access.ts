import { type AccessState, type AccessSubject, type Role, roleOf } from '../../domain/access';
import type { Slice } from '../slice';

export interface AccessSliceState {
  /** Undefined until read (and in a console without the service: no access control). */
  state?: AccessState;
  subject?: AccessSubject;
  /** The user's role outside any project (a broken file: viewer, since every change is refused). */
  role: Role;
}

/** How often the console looks at `access.yaml` again (one `stat` when it did not change). */
export const accessPollMs = 2_000;

/** The user's role from the workspace's `access.yaml`: the status bar, the key hints, `?` and the key gate read it. */
export const accessSlice: Slice<'access', AccessSliceState, { connect(): () => void }> = {
  name: 'access',
  initial: () => ({ role: 'admin' }),
  actions: ({ services, get, patch }) => ({
    connect: () => {
      const access = services.access;
      if (!access) return () => {};
      const read = () => {
        const state = access.current();
        if (state === get().access.state) return;
        const role: Role =
          state.kind === 'none'
            ? 'admin'
            : state.kind === 'broken'
              ? 'viewer'
              : roleOf(state.policy, access.subject);
        patch({ state, subject: access.subject, role });
      };
      read();
      const timer = setInterval(read, accessPollMs);
      timer.unref?.();
      return () => clearInterval(timer);
    },
  }),
};
