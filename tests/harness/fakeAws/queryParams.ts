import { AwsError, missingParameter } from './awsError';

/**
 * A query-protocol request (`Filter.1.Value.2=x`) as a tree: numbered segments become lists (AWS numbers
 * from 1 and so do we), the rest nested fields.
 */
export type QueryValue = string | QueryValue[] | { [k: string]: QueryValue };
export type QueryTree = { [k: string]: QueryValue };

export function parseQuery(body: string): QueryTree {
  const root: QueryTree = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.split('.');
    let node: any = root;
    path.forEach((segment, i) => {
      const last = i === path.length - 1;
      const index = /^\d+$/.test(segment) ? Number(segment) - 1 : undefined;
      if (index !== undefined && !Array.isArray(node))
        throw new AwsError('InvalidParameter', `The parameter ${key} is not recognized`);
      const slot = index ?? segment;
      if (last) node[slot] = value;
      else {
        node[slot] ??= /^\d+$/.test(path[i + 1]) ? [] : {};
        node = node[slot];
      }
    });
  }
  return root;
}

/** Typed reads of a request's parameters, with the errors EC2 gives for a missing or malformed one. */
export class QueryParams {
  constructor(readonly tree: QueryTree) {}

  static of(value: QueryValue | undefined): QueryParams {
    return new QueryParams(value && typeof value === 'object' && !Array.isArray(value) ? value : {});
  }

  string(name: string): string | undefined {
    const v = this.tree[name];
    return typeof v === 'string' ? v : undefined;
  }

  required(name: string): string {
    const v = this.string(name);
    if (v === undefined || v === '') throw missingParameter(name);
    return v;
  }

  number(name: string): number | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new AwsError('InvalidParameterValue', `Invalid value '${v}' for ${name}`);
    return n;
  }

  boolean(name: string): boolean | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (v !== 'true' && v !== 'false')
      throw new AwsError('InvalidParameterValue', `Invalid value '${v}' for ${name}`);
    return v === 'true';
  }

  /** A list of strings (`VpcId.1`, `VpcId.2`); holes left by skipped numbers are dropped. */
  strings(name: string): string[] {
    const v = this.tree[name];
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  }

  /** A list of structures (`Filter.1.Name`). */
  list(name: string): QueryParams[] {
    const v = this.tree[name];
    return Array.isArray(v) ? v.filter((x) => x !== undefined).map((x) => QueryParams.of(x)) : [];
  }

  struct(name: string): QueryParams | undefined {
    const v = this.tree[name];
    return v && typeof v === 'object' && !Array.isArray(v) ? new QueryParams(v) : undefined;
  }
}
