/**
 * An index of targetRef policies by what their top-level targetRef selects, visited strongest
 * first. Since the top-level kind is the first merge-order key, the strongest policies selecting
 * an inbound are found by looking at kinds from the strongest down: MeshServiceSubset and
 * MeshService by the inbound's `kuma.io/service`, MeshSubset through a {@link SelectorIndex},
 * Mesh in one list. Within a kind every bucket is kept in merge order, so a caller looking for the
 * last matching rule can stop at the first policy that has one.
 */
import type { TargetRefKind, TargetRefPolicy } from './compiled-policy.js';
import { compareMergeOrder } from './ranking.js';
import { SelectorIndex, SortedBucket } from './selector-index.js';
import type { Tags } from './selector.js';
import { selectsInbound, serviceTag } from './target-ref.js';

const strongestFirst = (a: TargetRefPolicy, b: TargetRefPolicy): number => compareMergeOrder(b, a);

/** Policies by top-level targetRef. */
export class TargetRefIndex {
  private readonly mesh = new SortedBucket<TargetRefPolicy>(strongestFirst);
  private readonly subsets = new SelectorIndex<TargetRefPolicy>(strongestFirst);
  private readonly services = new Map<string, SortedBucket<TargetRefPolicy>>();
  private readonly serviceSubsets = new Map<string, SortedBucket<TargetRefPolicy>>();

  /** Adds one policy. */
  add(policy: TargetRefPolicy): void {
    const ref = policy.targetRef;
    switch (ref.kind) {
      case 'Mesh':
        this.mesh.insert(policy);
        return;
      case 'MeshSubset':
        this.subsets.add(ref.tags, policy);
        return;
      case 'MeshService':
      case 'MeshServiceSubset':
        bucketOf(this.byServiceMap(ref.kind), ref.name ?? '').insert(policy);
        return;
      default:
        // Dataplane, MeshGateway, ...: they select no sidecar inbound by tags (see selectsInbound).
        return;
    }
  }

  /** Removes one policy (the object that was added). */
  remove(policy: TargetRefPolicy): void {
    const ref = policy.targetRef;
    switch (ref.kind) {
      case 'Mesh':
        this.mesh.remove(policy);
        return;
      case 'MeshSubset':
        this.subsets.remove(policy);
        return;
      case 'MeshService':
      case 'MeshServiceSubset': {
        const map = this.byServiceMap(ref.kind);
        const bucket = map.get(ref.name ?? '');
        bucket?.remove(policy);
        if (bucket?.entries.length === 0) map.delete(ref.name ?? '');
        return;
      }
      default:
        return;
    }
  }

  /**
   * Visits the policies selecting `inbound`, strongest first, until `visit` returns true.
   */
  visitSelecting(inbound: Tags, visit: (policy: TargetRefPolicy) => boolean): void {
    const service = inbound[serviceTag];
    if (service !== undefined) {
      if (visitBucket(this.serviceSubsets.get(service), inbound, visit)) return;
      if (visitBucket(this.services.get(service), inbound, visit)) return;
    }
    const subsets: TargetRefPolicy[] = [];
    for (const bucket of this.subsets.bucketsFor(inbound)) {
      for (const policy of bucket.entries) {
        if (selectsInbound(policy.targetRef, inbound)) subsets.push(policy);
      }
    }
    subsets.sort(strongestFirst);
    for (const policy of subsets) if (visit(policy)) return;
    visitBucket(this.mesh, inbound, visit);
  }

  private byServiceMap(kind: TargetRefKind): Map<string, SortedBucket<TargetRefPolicy>> {
    return kind === 'MeshService' ? this.services : this.serviceSubsets;
  }
}

function bucketOf(
  map: Map<string, SortedBucket<TargetRefPolicy>>,
  service: string,
): SortedBucket<TargetRefPolicy> {
  let bucket = map.get(service);
  if (bucket === undefined) {
    bucket = new SortedBucket(strongestFirst);
    map.set(service, bucket);
  }
  return bucket;
}

function visitBucket(
  bucket: SortedBucket<TargetRefPolicy> | undefined,
  inbound: Tags,
  visit: (policy: TargetRefPolicy) => boolean,
): boolean {
  if (bucket === undefined) return false;
  for (const policy of bucket.entries) {
    if (selectsInbound(policy.targetRef, inbound) && visit(policy)) return true;
  }
  return false;
}
