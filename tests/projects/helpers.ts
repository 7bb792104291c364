import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { Blueprint } from '../../src/domain/blueprint';
import { parseBlueprint, sha256 } from '../../src/domain/blueprintSource';
import { type DeployPayload, deployPayloadSchema } from '../../src/domain/projectJobs';
import { DemoCloud } from '../../src/services/cloud/demoCloud';

export const shopText = readFileSync(join(__dirname, '../../data/projects/shop.yaml'), 'utf8');

/** The example `shop` blueprint, optionally changed (text replacements, checked to apply). */
export function shopBlueprint(...edits: [string, string][]): { blueprint: Blueprint; text: string } {
  let text = shopText;
  for (const [from, to] of edits) {
    if (!text.includes(from)) throw new Error(`shop.yaml has no ${JSON.stringify(from)}`);
    text = text.replace(from, to);
  }
  const parsed = parseBlueprint('projects/shop.yaml', text);
  if (!parsed.blueprint) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
  return { blueprint: parsed.blueprint, text };
}

export function deployPayload(
  bp: { blueprint: Blueprint; text: string },
  extra: Partial<DeployPayload> = {},
): DeployPayload {
  return deployPayloadSchema.parse({
    project: bp.blueprint.name,
    blueprint: bp.blueprint,
    source: { file: 'projects/shop.yaml', sha256: sha256(bp.text) },
    deployId: 'd-test-1',
    ...extra,
  });
}

/** A demo cloud that answers at once (tests never wait on simulated latency). */
export function quickCloud(): DemoCloud {
  return new DemoCloud({ latencyScale: 0 });
}

export function tempDataDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'infradeck-projects-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `dataDir()`: a fresh workspace folder at each call, each removed after the test (it registers its own afterEach). */
export function dataDirsRemovedAfterEach(): () => string {
  const removes: (() => void)[] = [];
  afterEach(() => {
    for (const remove of removes.splice(0)) remove();
  });
  return () => {
    const d = tempDataDir();
    removes.push(d.remove);
    return d.dir;
  };
}

/** Live resources of a project in the demo cloud, as a scan would see them. */
export function liveOf(cloud: DemoCloud, project: string) {
  return cloud
    .snapshot()
    .filter(
      (r) =>
        r.tags['infradeck:project'] === project && r.state !== 'terminated' && r.state !== 'shutting-down',
    );
}
