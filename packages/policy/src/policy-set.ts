/**
 * The compiled policies of one mesh, by kind and name, plus its mTLS state. Both engines keep
 * their policies here; the indexed engine also listens to every change to update its indexes one
 * policy at a time.
 */
import { MeshError, type ResourceType } from '@zonemesh/api';
import {
  compileLegacyPolicy,
  compileTargetRefPolicy,
  type LegacyPolicy,
  type LegacyPolicyType,
  meshEnablesMtls,
  type TargetRefPolicy,
  type TargetRefPolicyType,
} from './compiled-policy.js';
import type { EngineResource, PolicyEngineOptions } from './engine.js';

/** Told about each policy replaced, added or removed (`previous`/`next` undefined when absent). */
export interface PolicySetListener {
  legacyChanged(
    type: LegacyPolicyType,
    previous: LegacyPolicy | undefined,
    next: LegacyPolicy | undefined,
  ): void;
  targetRefChanged(
    type: TargetRefPolicyType,
    previous: TargetRefPolicy | undefined,
    next: TargetRefPolicy | undefined,
  ): void;
}

/** Compiled policies of one mesh. */
export class PolicySet {
  readonly mesh: string;
  readonly legacy: { readonly [T in LegacyPolicyType]: Map<string, LegacyPolicy> } = {
    TrafficPermission: new Map(),
    HealthCheck: new Map(),
    TrafficRoute: new Map(),
  };
  readonly targetRef: { readonly [T in TargetRefPolicyType]: Map<string, TargetRefPolicy> } = {
    MeshTrafficPermission: new Map(),
    MeshHealthCheck: new Map(),
  };
  private readonly defaultMtls: boolean;
  private meshMtls: boolean | undefined;
  private readonly listener: PolicySetListener | undefined;

  constructor(options: PolicyEngineOptions, listener?: PolicySetListener) {
    if (options.mesh === '') throw new MeshError('InvalidInput', 'a policy engine needs a mesh name');
    this.mesh = options.mesh;
    this.defaultMtls = options.mtlsEnabled ?? true;
    this.listener = listener;
  }

  /** mTLS as the Mesh resource says, or the default while there is none. */
  get mtlsEnabled(): boolean {
    return this.meshMtls ?? this.defaultMtls;
  }

  /** See {@link PolicyEngine.upsert}. Compiles first, so a refused resource changes nothing. */
  upsert(resource: EngineResource): boolean {
    const { type } = resource;
    if (type === 'Mesh') {
      if (resource.meta.name !== this.mesh) throw this.otherMesh(resource, resource.meta.name);
      this.meshMtls = meshEnablesMtls(resource.spec);
      return true;
    }
    if (isLegacyType(type)) {
      this.checkMesh(resource);
      const next = compileLegacyPolicy(type, resource);
      const map = this.legacy[type];
      const previous = map.get(next.ref.name);
      map.set(next.ref.name, next);
      this.listener?.legacyChanged(type, previous, next);
      return true;
    }
    if (isTargetRefType(type)) {
      this.checkMesh(resource);
      const next = compileTargetRefPolicy(resource);
      const map = this.targetRef[type];
      const previous = map.get(next.ref.name);
      map.set(next.ref.name, next);
      this.listener?.targetRefChanged(type, previous, next);
      return true;
    }
    return false;
  }

  /** See {@link PolicyEngine.remove}. */
  remove(type: ResourceType, name: string): boolean {
    if (type === 'Mesh') {
      if (name !== this.mesh || this.meshMtls === undefined) return false;
      this.meshMtls = undefined;
      return true;
    }
    if (isLegacyType(type)) {
      const previous = this.legacy[type].get(name);
      if (previous === undefined) return false;
      this.legacy[type].delete(name);
      this.listener?.legacyChanged(type, previous, undefined);
      return true;
    }
    if (isTargetRefType(type)) {
      const previous = this.targetRef[type].get(name);
      if (previous === undefined) return false;
      this.targetRef[type].delete(name);
      this.listener?.targetRefChanged(type, previous, undefined);
      return true;
    }
    return false;
  }

  private checkMesh(resource: EngineResource): void {
    const mesh = resource.meta.mesh;
    if (mesh !== undefined && mesh !== this.mesh) throw this.otherMesh(resource, mesh);
  }

  private otherMesh(resource: EngineResource, mesh: string): MeshError {
    const field = resource.type === 'Mesh' ? 'name' : 'mesh';
    return new MeshError(
      'InvalidInput',
      `${resource.type} ${resource.meta.name} belongs to mesh ${mesh}, not to ${this.mesh}`,
      { causes: [{ field, message: `must be "${this.mesh}" for this policy engine` }] },
    );
  }
}

const legacyTypes: readonly string[] = ['TrafficPermission', 'HealthCheck', 'TrafficRoute'];
const targetRefTypes: readonly string[] = ['MeshTrafficPermission', 'MeshHealthCheck'];

function isLegacyType(type: ResourceType): type is LegacyPolicyType {
  return legacyTypes.includes(type);
}

function isTargetRefType(type: ResourceType): type is TargetRefPolicyType {
  return targetRefTypes.includes(type);
}
