/**
 * Who may call an inbound: the control plane's permission rules evaluated against the client's
 * mesh identity (its certificate's SANs). Pure; the inbound listener acts on the decision.
 */
import type { InboundPermissions } from '@zonemesh/api';
import type { MeshIdentity } from '@zonemesh/pki';

/** A policy a decision comes from, for logs and metrics. */
export interface PolicyRef {
  readonly type: string;
  readonly name: string;
}

/** What to do with one client, and why. */
export interface PermissionDecision {
  /** Whether the connection may reach the app. */
  readonly allowed: boolean;
  /** An `AllowWithShadowDeny` rule decided: allowed now, but it would be denied (log and count it). */
  readonly shadowDenied: boolean;
  /** The deciding policy: the winning rule's, else the inbound's; null when none selects the inbound. */
  readonly policy: PolicyRef | null;
  /** Index of the winning rule; -1 when no rule matched (default deny) or there are no rules. */
  readonly rule: number;
}

const allowAll: PermissionDecision = { allowed: true, shadowDenied: false, policy: null, rule: -1 };

/**
 * Decides for one client. `permissions` null (mTLS off) allows everyone. Otherwise the client
 * must be of `mesh`, and the LAST rule whose `match` the client satisfies wins: every tag of
 * `match` must be among the client's values for that tag (`'*'` imposes no condition, `{}`
 * matches everyone). No matching rule denies.
 */
export function decidePermission(
  permissions: InboundPermissions | null,
  mesh: string,
  client: MeshIdentity,
): PermissionDecision {
  if (permissions === null) return allowAll;
  const deny = (rule: number, policy: PolicyRef | null): PermissionDecision => ({
    allowed: false,
    shadowDenied: false,
    policy,
    rule,
  });
  if (client.mesh !== mesh) return deny(-1, permissions.policy);
  for (let i = permissions.rules.length - 1; i >= 0; i--) {
    const rule = permissions.rules[i];
    if (rule === undefined || !matches(rule.match, client)) continue;
    const policy = rule.policy ?? permissions.policy;
    if (rule.action === 'Deny') return deny(i, policy);
    return { allowed: true, shadowDenied: rule.action === 'AllowWithShadowDeny', policy, rule: i };
  }
  return deny(-1, permissions.policy);
}

function matches(match: Readonly<Record<string, string>>, client: MeshIdentity): boolean {
  for (const [tag, value] of Object.entries(match)) {
    if (value === '*') continue;
    if (!(client.tags[tag] ?? []).includes(value)) return false;
  }
  return true;
}

/** The client's `kuma.io/service` values as one label (`a,b`), `""` when it has none. */
export function sourceServiceOf(client: MeshIdentity | undefined): string {
  return client?.services.join(',') ?? '';
}
