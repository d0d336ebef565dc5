/**
 * The structural inputs the engine reads match `@zonemesh/api`'s typed specs: a spec the api
 * decoder produces is something the engine can compile. (Checked by the type checker; a mismatch
 * fails `pnpm typecheck`, and these assignments fail to compile.)
 */
import type {
  HealthCheckSpec,
  MeshHealthCheckSpec,
  MeshTrafficPermissionSpec,
  TrafficPermissionSpec,
  TrafficRouteSpec,
} from '@zonemesh/api';
import { describe, expect, it } from 'vitest';
import type { SourceDestinationSpecInput, TargetRefSpecInput } from './compiled-policy.js';

type Accepts<Input, Spec> = Spec extends Input ? true : false;

describe('input shapes', () => {
  it('accept the api specs', () => {
    const accepted: [
      Accepts<SourceDestinationSpecInput, TrafficPermissionSpec>,
      Accepts<SourceDestinationSpecInput, HealthCheckSpec>,
      Accepts<SourceDestinationSpecInput, TrafficRouteSpec>,
      Accepts<TargetRefSpecInput, MeshTrafficPermissionSpec>,
      Accepts<TargetRefSpecInput, MeshHealthCheckSpec>,
    ] = [true, true, true, true, true];
    expect(accepted).toEqual([true, true, true, true, true]);
  });
});
