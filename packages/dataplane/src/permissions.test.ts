import type { InboundPermissions } from '@zonemesh/api';
import type { MeshIdentity } from '@zonemesh/pki';
import { describe, expect, it } from 'vitest';
import { decidePermission, sourceServiceOf } from './permissions.js';

const client = (services: string[], tags: Record<string, string[]> = {}, mesh = 'default'): MeshIdentity => ({
  mesh,
  services,
  tags: { 'kuma.io/service': services, ...tags },
});
const tp = { type: 'TrafficPermission', name: 'frontend-to-backend' };
const allowFrontend: InboundPermissions = {
  policy: tp,
  rules: [{ match: { 'kuma.io/service': 'frontend' }, action: 'Allow' }],
};

describe('decidePermission', () => {
  it('allows everyone when there are no rules to apply (mTLS off)', () => {
    expect(decidePermission(null, 'default', client(['anyone']))).toEqual({
      allowed: true,
      shadowDenied: false,
      policy: null,
      rule: -1,
    });
  });

  it('allows a client matching a rule and names the inbound policy', () => {
    expect(decidePermission(allowFrontend, 'default', client(['frontend']))).toMatchObject({
      allowed: true,
      policy: tp,
      rule: 0,
    });
  });

  it('denies a client no rule matches, and when no policy selects the inbound', () => {
    expect(decidePermission(allowFrontend, 'default', client(['intruder']))).toMatchObject({
      allowed: false,
      policy: tp,
      rule: -1,
    });
    expect(decidePermission({ policy: null, rules: [] }, 'default', client(['frontend']))).toMatchObject({
      allowed: false,
      policy: null,
    });
  });

  it('lets the last matching rule win and attributes it to its own policy', () => {
    const deny = { type: 'MeshTrafficPermission', name: 'deny-v1' };
    const permissions: InboundPermissions = {
      policy: { type: 'MeshTrafficPermission', name: 'allow-all' },
      rules: [
        { match: {}, action: 'Allow' },
        { match: { 'kuma.io/service': 'frontend', version: 'v1' }, action: 'Deny', policy: deny },
        { match: { 'kuma.io/service': 'frontend', version: 'v2' }, action: 'Allow' },
      ],
    };
    expect(decidePermission(permissions, 'default', client(['frontend'], { version: ['v1'] }))).toMatchObject(
      {
        allowed: false,
        policy: deny,
        rule: 1,
      },
    );
    expect(decidePermission(permissions, 'default', client(['frontend'], { version: ['v2'] }))).toMatchObject(
      {
        allowed: true,
        rule: 2,
      },
    );
    expect(decidePermission(permissions, 'default', client(['other']))).toMatchObject({
      allowed: true,
      rule: 0,
    });
  });

  it("requires every tag of a match (ANDed), any of the client's values, '*' imposing nothing", () => {
    const permissions: InboundPermissions = {
      policy: tp,
      rules: [
        { match: { 'kuma.io/service': 'frontend', 'kuma.io/zone': 'zone-1', team: '*' }, action: 'Allow' },
      ],
    };
    const zone1 = { 'kuma.io/zone': ['zone-1'] };
    expect(decidePermission(permissions, 'default', client(['frontend'], zone1)).allowed).toBe(true);
    expect(
      decidePermission(permissions, 'default', client(['frontend'], { 'kuma.io/zone': ['zone-2'] })).allowed,
    ).toBe(false);
    expect(decidePermission(permissions, 'default', client(['frontend'])).allowed).toBe(false);
    expect(decidePermission(permissions, 'default', client(['web', 'frontend'], zone1)).allowed).toBe(true);
  });

  it('marks an AllowWithShadowDeny decision: allowed, to be logged and counted', () => {
    const shadow: InboundPermissions = { policy: tp, rules: [{ match: {}, action: 'AllowWithShadowDeny' }] };
    expect(decidePermission(shadow, 'default', client(['x']))).toMatchObject({
      allowed: true,
      shadowDenied: true,
    });
  });

  it('denies a client of another mesh whatever the rules say', () => {
    const all: InboundPermissions = { policy: tp, rules: [{ match: {}, action: 'Allow' }] };
    expect(decidePermission(all, 'default', client(['frontend'], {}, 'other')).allowed).toBe(false);
  });

  it('labels the source with all its services', () => {
    expect(sourceServiceOf(client(['a', 'b']))).toBe('a,b');
    expect(sourceServiceOf(undefined)).toBe('');
  });
});
