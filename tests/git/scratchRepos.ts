import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Real git repositories in a temp folder, built with the git CLI under a throwaway HOME and no system
 * config, so the machine's own git settings cannot change what the tests see.
 */
export class ScratchRepos {
  readonly root = mkdtempSync(join(tmpdir(), 'infradeck-git-'));
  readonly home = join(this.root, 'home');
  private readonly savedEnv = {
    HOME: process.env.HOME,
    GIT_CONFIG_NOSYSTEM: process.env.GIT_CONFIG_NOSYSTEM,
  };

  constructor() {
    mkdirSync(this.home);
    // The code under test runs git with process.env: point it at the same empty configuration.
    process.env.HOME = this.home;
    process.env.GIT_CONFIG_NOSYSTEM = '1';
  }

  git(cwd: string, ...args: string[]): string {
    return execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        HOME: this.home,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_AUTHOR_NAME: 'Test Person',
        GIT_AUTHOR_EMAIL: 'test@example.com',
        GIT_COMMITTER_NAME: 'Test Person',
        GIT_COMMITTER_EMAIL: 'test@example.com',
        GIT_AUTHOR_DATE: '1700000000 +0000',
        GIT_COMMITTER_DATE: '1700000000 +0000',
      },
    });
  }

  folder(name: string): string {
    const path = join(this.root, name);
    mkdirSync(path, { recursive: true });
    return path;
  }

  /** `git init` with `main` as the first branch, whatever the installed git defaults to. */
  init(name: string): string {
    const path = this.folder(name);
    this.git(path, 'init', '--quiet', '--initial-branch=main');
    return path;
  }

  write(repo: string, file: string, text: string): void {
    writeFileSync(join(repo, file), text);
  }

  commit(repo: string, file: string, text: string, message: string): void {
    this.write(repo, file, text);
    this.git(repo, 'add', '--', file);
    this.git(repo, 'commit', '--quiet', '-m', message);
  }

  shortHead(repo: string, rev = 'HEAD'): string {
    return this.git(repo, 'rev-parse', '--short', rev).trim();
  }

  cleanup(): void {
    for (const [key, value] of Object.entries(this.savedEnv)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}
