import { createHash } from 'node:crypto';

export type Architecture = 'x86_64' | 'arm64';

export interface Image {
  id: string;
  name: string;
  architecture: Architecture;
  rootDeviceName: string;
  ssmParameter?: string;
}

export const latestAl2023Parameter = (architecture: Architecture) =>
  `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${architecture}`;

/** An id of the same shape as a real one (ami- and 17 hex digits), different per region and architecture. */
export function al2023ImageId(region: string, architecture: Architecture): string {
  return `ami-0${createHash('sha256').update(`al2023/${region}/${architecture}`).digest('hex').slice(0, 16)}`;
}

/** The public images of a region: Amazon Linux 2023 for both architectures, plus any extra ids a test names. */
export function regionImages(region: string, extraImageIds: string[]): Image[] {
  const al2023 = (['x86_64', 'arm64'] as const).map((architecture) => ({
    id: al2023ImageId(region, architecture),
    name: `al2023-ami-2023.6.20250101.0-kernel-6.1-${architecture}`,
    architecture,
    rootDeviceName: '/dev/xvda',
    ssmParameter: latestAl2023Parameter(architecture),
  }));
  const extra = extraImageIds.map((id) => ({
    id,
    name: `test-image-${id}`,
    architecture: 'x86_64' as const,
    rootDeviceName: '/dev/xvda',
  }));
  return [...al2023, ...extra];
}
