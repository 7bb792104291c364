import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AccessPolicy,
  type AccessState,
  accessRequestOf,
  accessVerdict,
  mayRequest,
  type Role,
  roleOf,
} from '../../src/domain/access';
import { parseAccessFile } from '../../src/domain/accessSource';
import { formatSourceError } from '../../src/domain/sourceError';
import { AccessPolicySource } from '../../src/services/access/accessPolicy';
import { roleReport } from '../../src/services/access/roleReport';

const example = `# who may do what in this workspace
users: { alice: admin, bob: operator, carol: viewer }
groups: { sre: operator }          # OS groups
projects: { shop: { bob: admin } } # per-project roles
protected: [shop]
approve: [destroy]
requireSignatures: true
`;

function policyOf(text: string): AccessPolicy {
  const parsed = parseAccessFile('access.yaml', text);
  if (!parsed.ok) throw new Error(parsed.errors.map(formatSourceError).join('\n'));
  return parsed.policy;
}

describe('access.yaml', () => {
  it('reads users, groups, per-project roles, protected projects, approvals and requireSignatures', () => {
    const policy = policyOf(example);
    expect(policy.users).toEqual({ alice: 'admin', bob: 'operator', carol: 'viewer' });
    expect(policy.groups).toEqual({ sre: 'operator' });
    expect(policy.projects).toEqual({ shop: { bob: 'admin' } });
    expect(policy.protected).toEqual(['shop']);
    expect(policy.approve).toEqual(['destroy']);
    expect(policy.requireSignatures).toBe(true);
  });

  it('the example in data/ is valid (and is not access.yaml, which would turn access control on for npm start)', () => {
    const file = join(import.meta.dirname, '../../data/access.yaml.example');
    const policy = policyOf(readFileSync(file, 'utf8'));
    expect(policy.users.carol).toBe('viewer');
    expect(existsSync(join(import.meta.dirname, '../../data/access.yaml'))).toBe(false);
  });

  it('an empty file turns access control on with nobody listed (everyone a viewer)', () => {
    const policy = policyOf('# nothing yet\n');
    expect(policy).toMatchObject({ users: {}, protected: [], approve: [], requireSignatures: false });
    expect(roleOf(policy, { user: 'dave' })).toBe('viewer');
  });

  it('locates every problem with file:line:col and a did-you-mean', () => {
    const parsed = parseAccessFile(
      'data/access.yaml',
      'users:\n  alice: admn\n  bob: operator\ngroup:\n  sre: operator\napprove: [deploy, destory]\n',
    );
    expect(parsed.ok).toBe(false);
    const errors = parsed.ok ? [] : parsed.errors.map(formatSourceError);
    expect(errors).toEqual([
      'data/access.yaml:2:10: users.alice: "admn" is not a role (did you mean "admin"? roles: viewer, operator, admin)',
      expect.stringMatching(/^data\/access\.yaml:4:1: group: unknown key "group" \(did you mean "groups"\?/),
      expect.stringMatching(
        /^data\/access\.yaml:6:19: approve\[1\]: "destory" is not a job kind \(did you mean "destroy"\?/,
      ),
    ]);
  });

  it('a per-project role and a protected list of the wrong shape are located too', () => {
    const parsed = parseAccessFile('access.yaml', 'projects:\n  shop: { bob: root }\nprotected: shop\n');
    const errors = parsed.ok ? [] : parsed.errors.map(formatSourceError);
    expect(errors).toEqual([
      expect.stringMatching(/^access\.yaml:2:16: projects\.shop\.bob: "root" is not a role/),
      expect.stringMatching(/^access\.yaml:3:12: protected: expected a list/),
    ]);
  });

  it('a YAML syntax error is located', () => {
    const parsed = parseAccessFile('access.yaml', 'users: { alice: admin\n');
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : formatSourceError(parsed.errors[0])).toMatch(/^access\.yaml:\d+:\d+: /);
  });
});

describe('roleOf: the highest of the user, their groups and the project', () => {
  const policy = policyOf(example);
  const cases: Array<[string, string[], string | undefined, Role]> = [
    ['alice', [], undefined, 'admin'],
    ['bob', [], undefined, 'operator'],
    ['bob', [], 'shop', 'admin'],
    ['bob', [], 'web', 'operator'],
    ['carol', [], undefined, 'viewer'],
    ['carol', ['sre'], undefined, 'operator'],
    ['dave', [], undefined, 'viewer'],
    ['dave', ['sre', 'wheel'], 'shop', 'operator'],
    ['schedule:nightly', [], undefined, 'operator'],
  ];
  it.each(cases)('%s in %j on %s is %s', (user, groups, project, role) => {
    expect(roleOf(policy, { user, groups }, project)).toBe(role);
  });

  it('a group may hold a per-project role, and a schedule listed under users takes exactly that role', () => {
    const p = policyOf('users: { "schedule:nightly": viewer }\nprojects: { shop: { sre: admin } }\n');
    expect(roleOf(p, { user: 'erin', groups: ['sre'] }, 'shop')).toBe('admin');
    expect(roleOf(p, { user: 'schedule:nightly' })).toBe('viewer');
  });

  it('without a policy everyone is admin', () => {
    expect(roleOf(undefined, { user: 'anyone' })).toBe('admin');
  });
});

describe('mayRequest: what each role may ask for', () => {
  const scan = { kind: 'scan', changes: false };
  const command = { kind: 'command', changes: true };
  const batch = { kind: 'batch', changes: true };
  const deployWeb = { kind: 'deploy', changes: true, project: 'web' };
  const deployShop = { kind: 'deploy', changes: true, project: 'shop', protected: true };
  const table: Array<[Role, object, boolean]> = [
    ['viewer', scan, true],
    ['viewer', command, false],
    ['viewer', deployWeb, false],
    ['operator', scan, true],
    ['operator', command, true],
    ['operator', batch, true],
    ['operator', deployWeb, true],
    ['operator', deployShop, false],
    ['admin', deployShop, true],
    ['admin', command, true],
  ];
  it.each(table)('%s asking %j: %s', (role, request, ok) => {
    expect(mayRequest(role, request as never).ok).toBe(ok);
  });

  it('says what is needed', () => {
    expect(mayRequest('viewer', command)).toEqual({
      ok: false,
      needs: 'operator',
      reason: 'a command job needs operator (you are viewer)',
    });
    expect(mayRequest('operator', deployShop)).toMatchObject({
      needs: 'admin',
      reason: 'a deploy of protected project shop needs admin (you are operator)',
    });
  });
});

describe('accessVerdict', () => {
  const policy = policyOf(example);
  const state: AccessState = { kind: 'policy', file: 'access.yaml', policy };
  const request = (kind: string, payload: unknown, changes = true) => accessRequestOf(kind, payload, changes);

  it('takes the project from the payload, and protection from access.yaml or the blueprint the job carries', () => {
    expect(request('deploy', { project: 'web', blueprint: { protected: true } })).toEqual({
      kind: 'deploy',
      changes: true,
      project: 'web',
      protected: true,
    });
    const sre = { user: 'dave', groups: ['sre'] };
    expect(accessVerdict(state, sre, request('deploy', { project: 'web', blueprint: {} })).ok).toBe(true);
    expect(
      accessVerdict(state, sre, request('deploy', { project: 'web', blueprint: { protected: true } })),
    ).toMatchObject({
      ok: false,
      role: 'operator',
      needs: 'admin',
      approvable: true,
    });
    expect(accessVerdict(state, sre, request('power', { project: 'shop' }))).toMatchObject({
      ok: false,
      needs: 'admin',
    });
    expect(accessVerdict(state, { user: 'bob' }, request('power', { project: 'shop' }))).toEqual({
      ok: true,
      role: 'admin',
    });
  });

  it('a viewer is refused any change with who, the file and what is needed', () => {
    const verdict = accessVerdict(state, { user: 'carol' }, request('command', { program: 'ls' }));
    expect(verdict).toEqual({
      ok: false,
      role: 'viewer',
      needs: 'operator',
      reason: 'carol is viewer in access.yaml; a command job needs operator',
    });
  });

  it('no file: everything allowed; a broken file: reads allowed, every change refused with its error', () => {
    expect(
      accessVerdict({ kind: 'none', file: 'access.yaml' }, { user: 'x' }, request('destroy', {})),
    ).toEqual({
      ok: true,
      role: 'admin',
    });
    const broken: AccessState = {
      kind: 'broken',
      file: 'access.yaml',
      error: 'access.yaml:2:10: users.alice: bad',
    };
    expect(accessVerdict(broken, { user: 'alice' }, request('scan', {}, false)).ok).toBe(true);
    expect(accessVerdict(broken, { user: 'alice' }, request('command', {}))).toEqual({
      ok: false,
      reason: 'access.yaml cannot be read, so every change is refused: access.yaml:2:10: users.alice: bad',
    });
  });
});

describe('the workspace file', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('is read again when it changes, appears or goes away', () => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-roles-'));
    const file = join(dir, 'access.yaml');
    const source = new AccessPolicySource(dir);
    expect(source.current()).toEqual({ kind: 'none', file });
    writeFileSync(file, 'users: { carol: viewer }\n');
    expect(source.policy()?.users).toEqual({ carol: 'viewer' });
    const first = source.current();
    expect(source.current()).toBe(first); // unchanged: not parsed again
    writeFileSync(file, 'users: { carol: operator, dave: admin }\n');
    expect(source.policy()?.users).toEqual({ carol: 'operator', dave: 'admin' });
    writeFileSync(file, 'users: { carol: operater }\n');
    const broken = source.current();
    expect(broken.kind).toBe('broken');
    expect(broken.kind === 'broken' && broken.error).toMatch(
      /access\.yaml:1:17: users\.carol: "operater" is not a role \(did you mean "operator"\?/,
    );
    rmSync(file);
    expect(source.current().kind).toBe('none');
  });

  it('whoami reports the role, or why there is none', () => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-roles-'));
    expect(roleReport(dir, { user: 'carol' })).toEqual({
      role: null,
      roleNote: '(no access.yaml: everyone is admin)',
    });
    writeFileSync(join(dir, 'access.yaml'), example);
    expect(roleReport(dir, { user: 'carol', groups: ['sre'] }).role).toBe('operator');
    writeFileSync(join(dir, 'access.yaml'), 'users: [alice]\n');
    expect(roleReport(dir, { user: 'carol' })).toMatchObject({
      role: null,
      roleNote: expect.stringMatching(/broken, every change is refused: .*access\.yaml:1:8: users: expected/),
    });
  });
});
