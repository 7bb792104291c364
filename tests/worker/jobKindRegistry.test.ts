import { describe, expect, expectTypeOf, it } from 'vitest';
import type { EventData } from '../../src/domain/event';
import {
  describeJob,
  type JobKind,
  type JobResults,
  jobPolicies,
  payloadSchemas,
} from '../../src/domain/job';
import { jobKindDeclarations } from '../../src/domain/jobKinds';
import type { ScanRegionEventData } from '../../src/domain/jobKinds/cloudEvents';
import type { ScanResult } from '../../src/domain/jobKinds/scan';
import { handlerFactories, jobHandlersFor } from '../../src/worker/jobHandlers';

const declared = jobKindDeclarations.map((d) => d.kind);

describe('the job kind registry', () => {
  it('declares each kind once', () => {
    expect(new Set(declared).size).toBe(declared.length);
  });

  it('gives every declared kind a handler, a policy, a payload schema and a description', () => {
    const handlers = jobHandlersFor({});
    expect(Object.keys(handlers).sort()).toEqual([...declared].sort());
    expect(Object.keys(handlerFactories).sort()).toEqual([...declared].sort());
    for (const kind of declared) {
      expect(handlers[kind], kind).toBeTypeOf('function');
      expect(jobPolicies[kind].attempts, kind).toBeGreaterThanOrEqual(1);
      expect(payloadSchemas[kind], kind).toBeDefined();
      expect(describeJob(kind, {}), kind).toBeTypeOf('string');
    }
  });

  it('derives payload, result and event types from the declarations', () => {
    expectTypeOf<JobKind>().toEqualTypeOf<
      | 'command'
      | 'scan'
      | 'terminate'
      | 'power'
      | 'instances'
      | 'deploy'
      | 'destroy'
      | 'batch'
      | 'batchTarget'
      | 'ci'
      | 'pipeline'
      | 'pipelineStep'
      | 'experimentRun'
      | 'model'
    >();
    expectTypeOf<JobResults['scan']>().toEqualTypeOf<ScanResult>();
    expectTypeOf<EventData['scan.region']>().toEqualTypeOf<ScanRegionEventData>();
  });
});
