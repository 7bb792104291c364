import type { Ec2World } from './ec2Model';
import type { QueryParams } from './queryParams';
import type { XmlValue } from './xml';

export interface Ec2Request {
  world: Ec2World;
  region: string;
  params: QueryParams;
}

export interface Ec2Answer {
  /** The elements under `<{Action}Response>`, after `requestId`. */
  body: Record<string, XmlValue>;
  /** The id acted on or made, for the call log. */
  target?: string;
}

export type Ec2Action = (req: Ec2Request) => Ec2Answer;

export const done = (target?: string): Ec2Answer => ({ body: { return: true }, target });
