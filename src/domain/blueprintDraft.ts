import { Document, isMap, isSeq, visit } from 'yaml';
import type { BlueprintInput } from './blueprint';
import { parseBlueprint } from './blueprintSource';
import type { SourceError } from './sourceError';

const draftFile = '(new blueprint)';

const sectionNotes: Record<string, string> = {
  tags: ' Added to every resource (infradeck adds Name and its own infradeck:* tags).',
  network: ' One VPC; public subnets route 0.0.0.0/0 to the internet gateway.',
  compute: ' Servers: subnet and securityGroups name entries of the network above.',
  storage: ' S3 bucket names are global across all AWS accounts.',
};

/**
 * The YAML of a new blueprint, as the wizard's answers describe it: keys in the usual order, a comment
 * before each section, security-group rules one per line. Does not validate (see `draftProblems`).
 */
export function blueprintYaml(input: BlueprintInput, now: Date = new Date()): string {
  const ordered = {
    name: input.name,
    owner: input.owner,
    environment: input.environment,
    region: input.region,
    protected: input.protected ?? false,
    ...(input.tags && Object.keys(input.tags).length ? { tags: input.tags } : {}),
    ...(input.network ? { network: input.network } : {}),
    ...(input.compute ? { compute: input.compute } : {}),
    ...(input.storage ? { storage: input.storage } : {}),
  };
  const doc = new Document(JSON.parse(JSON.stringify(ordered)));
  doc.commentBefore =
    ` ${input.name}: created with the infradeck wizard on ${now.toISOString().slice(0, 10)}.\n` +
    ' Edit freely: infradeck keeps comments and key order when it changes this file.';
  if (isMap(doc.contents)) {
    for (const pair of doc.contents.items) {
      const key = String((pair.key as { value?: unknown })?.value ?? '');
      if (sectionNotes[key] && pair.key && typeof pair.key === 'object')
        (pair.key as { commentBefore?: string }).commentBefore = sectionNotes[key];
    }
  }
  // Rules read best one per line: `- { protocol: tcp, port: 443, cidr: 0.0.0.0/0 }`.
  visit(doc, {
    Pair(_, pair) {
      const key = String((pair.key as { value?: unknown })?.value ?? '');
      if ((key === 'ingress' || key === 'egress') && isSeq(pair.value)) {
        for (const item of pair.value.items) if (isMap(item)) item.flow = true;
      }
      if (key === 'securityGroups' && isSeq(pair.value) && pair.value.items.every((i) => !isMap(i)))
        pair.value.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0 });
}

/** Every problem of a draft, by path (`network.subnets[1].cidr`), for the wizard to show at the right step. */
export function draftProblems(input: BlueprintInput): SourceError[] {
  return parseBlueprint(draftFile, blueprintYaml(input)).errors;
}
