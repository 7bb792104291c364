import { cloudEventTypes, type ResourceChangedEventData } from '../../domain/cloudJobs';
import type { Resource, ResourceChange } from '../../domain/resource';
import type { JobContext } from '../bus/contracts';
import { errorMessage } from '../cloud/cloudError';
import type { CloudProvider } from '../cloud/cloudProvider';

function changeText(c: ResourceChange): string {
  switch (c.kind) {
    case 'upsert':
      return `${c.resource.type} ${c.resource.id}${c.resource.state ? ` ${c.resource.state}` : ''}`;
    case 'state':
      return `${c.id} ${c.state}`;
    case 'deleted':
      return `${c.id} deleted`;
  }
}

/**
 * What a deploy or destroy does to the cloud, told as it happens: every create, converge, state seen and delete
 * is a `resource.changed` event, so every console's resource index (and, through the handler, the cached scans)
 * follows the job instead of waiting for the next scan. Events go out one after another, in the order the job
 * saw the changes; they name the account, so a console on another account leaves them alone.
 *
 * Telling the consoles is not the job's work: a change that cannot be sent is said once in the log and never
 * fails the deploy.
 */
export class ResourceFeed {
  private account?: Promise<string | undefined>;
  private chain: Promise<void> = Promise.resolve();
  private complained = false;

  constructor(
    private readonly ctx: JobContext,
    private readonly cloud: CloudProvider,
  ) {}

  upsert(resources: readonly Resource[]): void {
    this.publish(resources.map((resource) => ({ kind: 'upsert', resource })));
  }

  publish(changes: readonly ResourceChange[]): void {
    if (changes.length === 0) return;
    const message =
      changes.length === 1
        ? changeText(changes[0])
        : `${changes.length} resources: ${changes.map(changeText).join(', ')}`;
    this.chain = this.chain.then(async () => {
      try {
        const account = await this.accountOf();
        if (!account) return;
        const data: ResourceChangedEventData = { account, changes: [...changes] };
        await this.ctx.emit({ level: 'info', type: cloudEventTypes.resourceChanged, message, data });
      } catch (err) {
        await this.complain(err);
      }
    });
  }

  /** Resolves when every change so far has been sent (or given up on). */
  flush(): Promise<void> {
    return this.chain;
  }

  private accountOf(): Promise<string | undefined> {
    // Not the job's signal: what a cancelled job changed before it stopped is still worth telling.
    this.account ??= this.cloud.identity(AbortSignal.timeout(30_000)).then(
      (identity) => identity.account,
      async (err: unknown) => {
        await this.complain(err);
        return undefined;
      },
    );
    return this.account;
  }

  private async complain(err: unknown): Promise<void> {
    if (this.complained) return;
    this.complained = true;
    await this.ctx
      .log(
        `the consoles could not be told what changed (${errorMessage(err)}); the next scan shows it`,
        'stderr',
      )
      .catch(() => {});
  }
}
