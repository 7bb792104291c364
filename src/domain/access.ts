/**
 * Roles: who may ask for what, from the workspace's `access.yaml` (parsed in `accessSource.ts`). Pure: the file is
 * read by `services/access`, and the same rules answer at enqueue, in the worker and in the console's key hints.
 */

export const roles = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof roles)[number];

/** `access.yaml` as the rules read it. */
export interface AccessPolicy {
  /** Where it was read from, for the reasons a person reads. */
  file: string;
  users: Readonly<Record<string, Role>>;
  /** OS groups. */
  groups: Readonly<Record<string, Role>>;
  /** Per project: user or group name to role. */
  projects: Readonly<Record<string, Readonly<Record<string, Role>>>>;
  /** Projects whose changes need an admin (besides those with `protected: true` in their blueprint). */
  protected: readonly string[];
  /** Job kinds that need an admin's approval when a non-admin asks (read by the approvals). */
  approve: readonly string[];
  /** Workers refuse unsigned or forged requests (read by the request signing). */
  requireSignatures: boolean;
  /** How long a job waits for an approval (default: a day). */
  approvalExpiryMs?: number;
}

/**
 * What a process knows of the workspace's access control: no `access.yaml` (everyone is admin), the policy, or a
 * file that cannot be trusted (every change is refused with `error`, reads go on).
 */
export type AccessState =
  | { kind: 'none'; file: string }
  | { kind: 'policy'; file: string; policy: AccessPolicy }
  | { kind: 'broken'; file: string; error: string };

/** Who asks: the OS user and, when known, their OS groups (they travel with the job). */
export interface AccessSubject {
  user: string;
  groups?: readonly string[];
}

/** What the rules need of a job: its kind, whether it can change things, the project it names and if it is protected. */
export interface AccessRequest {
  kind: string;
  changes: boolean;
  project?: string;
  /** The project is protected (in `access.yaml` or in the blueprint the job carries). */
  protected?: boolean;
}

export type AccessVerdict =
  | { ok: true; role: Role }
  | {
      ok: false;
      /** The asker's role; absent when the file is broken (nobody's role can be read). */
      role?: Role;
      /** The role that would be allowed; absent when nobody may (a broken file). */
      needs?: Role;
      /** One line: `carol is viewer; a deploy job needs operator`. */
      reason: string;
      /** An operator's change of a protected project: an admin's approval may let it run (`access.approve`). */
      approvable?: boolean;
    };

const rank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value);
}

export function higherRole(a: Role, b: Role): Role {
  return rank[a] >= rank[b] ? a : b;
}

export function atLeast(role: Role, needed: Role): boolean {
  return rank[role] >= rank[needed];
}

const schedulePrefix = 'schedule:';

/**
 * The highest of the user's role, their groups' roles and, for `project`, the project's roles for the user or one
 * of their groups. Nobody listed is a viewer. A schedule's tick (`schedule:NAME`, which no OS account can be called)
 * acts as an operator unless the file names it under `users`. No policy: everyone is admin.
 */
export function roleOf(policy: AccessPolicy | undefined, who: AccessSubject, project?: string): Role {
  if (!policy) return 'admin';
  let role: Role = who.user.startsWith(schedulePrefix) ? 'operator' : 'viewer';
  const names = [who.user, ...(who.groups ?? [])];
  const userRole = policy.users[who.user];
  if (userRole) role = who.user.startsWith(schedulePrefix) ? userRole : higherRole(role, userRole);
  for (const group of who.groups ?? []) {
    const r = policy.groups[group];
    if (r) role = higherRole(role, r);
  }
  const perProject = project !== undefined ? policy.projects[project] : undefined;
  if (perProject) {
    for (const name of names) {
      const r = perProject[name];
      if (r) role = higherRole(role, r);
    }
  }
  return role;
}

/** Whether `project` is protected by the policy (a blueprint's own `protected: true` is the caller's to add). */
export function isProtectedProject(policy: AccessPolicy | undefined, project: string | undefined): boolean {
  return project !== undefined && (policy?.protected.includes(project) ?? false);
}

/**
 * The role a request needs: nothing that changes anything needs more than viewer; a change needs operator; a change
 * of a protected project needs admin.
 */
export function neededRole(request: AccessRequest): Role {
  if (!request.changes) return 'viewer';
  return request.protected ? 'admin' : 'operator';
}

/**
 * May a person with `role` ask for this? viewer: reads only (no kind that changes things); operator: runs jobs,
 * deploys unprotected projects, batches, schedules; admin: everything.
 */
export function mayRequest(
  role: Role,
  request: AccessRequest,
): { ok: true } | { ok: false; needs: Role; reason: string } {
  const needs = neededRole(request);
  if (atLeast(role, needs)) return { ok: true };
  const what =
    request.protected && request.project
      ? `${request.kind} of protected project ${request.project}`
      : `${request.kind} job`;
  return { ok: false, needs, reason: `a ${what} needs ${needs} (you are ${role})` };
}

/**
 * The one rule every place asks: no file: allowed (admin); a broken file: reads allowed, every change refused with
 * the file's error (fail closed); a policy: the asker's role against what the request needs.
 */
export function accessVerdict(state: AccessState, who: AccessSubject, request: AccessRequest): AccessVerdict {
  if (state.kind === 'none') return { ok: true, role: 'admin' };
  if (state.kind === 'broken') {
    if (!request.changes) return { ok: true, role: 'viewer' };
    return { ok: false, reason: `access.yaml cannot be read, so every change is refused: ${state.error}` };
  }
  const protectedProject = request.protected === true || isProtectedProject(state.policy, request.project);
  const full = { ...request, protected: protectedProject };
  const role = roleOf(state.policy, who, request.project);
  const allowed = mayRequest(role, full);
  if (allowed.ok) return { ok: true, role };
  return {
    ok: false,
    role,
    needs: allowed.needs,
    ...(allowed.needs === 'admin' && role === 'operator' ? { approvable: true } : {}),
    reason: `${who.user} is ${role} in ${state.file}; ${allowed.reason.replace(/ \(you are \w+\)$/, '')}`,
  };
}

/**
 * What the rules need of a job's kind and payload: the project a payload names (`project`) and whether the
 * blueprint it carries says `protected: true`. `changes`: the kind's declaration (`canChange`).
 */
export function accessRequestOf(kind: string, payload: unknown, changes: boolean): AccessRequest {
  const p = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
  const project = typeof p.project === 'string' ? p.project : undefined;
  const blueprint =
    typeof p.blueprint === 'object' && p.blueprint !== null ? (p.blueprint as Record<string, unknown>) : {};
  return {
    kind,
    changes,
    ...(project !== undefined ? { project } : {}),
    ...(blueprint.protected === true ? { protected: true } : {}),
  };
}
