import { describe, expect, it } from 'vitest';
import { namespace, pod, service } from './kube-test-objects.test-suite.js';
import { dataplaneForPod, outboundsForPod, protocolOf } from './workload-dataplane.js';

describe('dataplaneForPod', () => {
  const ns = namespace('shop');
  const web = service('web', 'shop', { app: 'web' }, [{ port: 80, targetPort: 'http' }]);

  it('says why a pod has no Dataplane', () => {
    const reason = (input: Parameters<typeof dataplaneForPod>[0]) => {
      const outcome = dataplaneForPod(input);
      return outcome.kind === 'none' ? outcome.reason : 'dataplane';
    };
    const ready = pod({
      name: 'w',
      namespace: 'shop',
      labels: { app: 'web' },
      ip: '10.0.0.1',
      ports: [{ name: 'http', containerPort: 8080 }],
    });
    expect(reason({ pod: ready, namespace: namespace('shop', false), services: [web], zone: 'z' })).toBe(
      'sidecar injection is not enabled',
    );
    expect(
      reason({ pod: { ...ready, status: { phase: 'Pending' } }, namespace: ns, services: [web], zone: 'z' }),
    ).toBe('the pod is not running and ready');
    expect(reason({ pod: ready, namespace: ns, services: [], zone: 'z' })).toBe('no service selects the pod');
    // A named target port the pod does not have gives no inbound.
    const unnamed = pod({ name: 'w', namespace: 'shop', labels: { app: 'web' }, ip: '10.0.0.1' });
    expect(reason({ pod: unnamed, namespace: ns, services: [web], zone: 'z' })).toBe(
      'no service selects the pod',
    );
    expect(reason({ pod: ready, namespace: ns, services: [web], zone: 'z' })).toBe('dataplane');
    const invalid = pod({
      name: 'w',
      namespace: 'shop',
      labels: { app: 'web', 'bad key!': 'x' },
      ip: '10.0.0.1',
      ports: [{ name: 'http', containerPort: 8080 }],
    });
    expect(reason({ pod: invalid, namespace: ns, services: [web], zone: 'z' })).toMatch(
      /^the derived Dataplane is invalid: networking\.inbound\[0\]\.tags/,
    );
  });

  it('adds the outbounds the pod annotates, skipping malformed entries', () => {
    const caller = pod({
      name: 'c',
      namespace: 'shop',
      labels: { app: 'web' },
      ip: '10.0.0.2',
      ports: [{ name: 'http', containerPort: 8080 }],
      annotations: {
        'zonemesh.io/outbounds': 'backend_shop_svc_80=10080, vm-api = 10081,broken,x=0,y=70000',
      },
    });
    expect(outboundsForPod(caller)).toEqual([
      { port: 10080, tags: { 'kuma.io/service': 'backend_shop_svc_80' } },
      { port: 10081, tags: { 'kuma.io/service': 'vm-api' } },
    ]);
    const outcome = dataplaneForPod({ pod: caller, namespace: ns, services: [web], zone: 'z' });
    expect(outcome.kind === 'dataplane' ? outcome.resource.spec : undefined).toMatchObject({
      networking: { outbound: [{ port: 10080 }, { port: 10081 }] },
    });
  });

  it('maps appProtocol to kuma.io/protocol, tcp when Kuma does not know it', () => {
    expect(protocolOf({ appProtocol: 'HTTP' })).toBe('http');
    expect(protocolOf({ appProtocol: 'grpc' })).toBe('grpc');
    expect(protocolOf({ appProtocol: 'kubernetes.io/h2c' })).toBe('http2');
    expect(protocolOf({ appProtocol: 'mysql' })).toBe('tcp');
    expect(protocolOf({})).toBe('tcp');
  });
});
