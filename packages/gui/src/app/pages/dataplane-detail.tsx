/** `#/meshes/{mesh}/dataplanes/{name}`: one proxy, and which policies apply to each inbound and outbound. */
import { getJson, segment } from '../api-client.ts';
import {
  EmptyState,
  ErrorNotice,
  Loading,
  PageHeader,
  Pill,
  ProxyState,
  Section,
  Tags,
} from '../components/ui.tsx';
import { YamlView } from '../components/yaml-view.tsx';
import { extraTags } from '../format.ts';
import { href } from '../hash-route.ts';
import { usePolled } from '../live-data.ts';
import {
  type DataplanePolicies,
  type DataplaneStatus,
  type PolicyAttachment,
  pluralOf,
  readDataplane,
  readDataplanePolicies,
} from '../models.ts';

/** Kinds in the order a reader thinks about them: who may connect, then where calls go, then checks. */
const kindOrder = [
  'MeshTrafficPermission',
  'TrafficPermission',
  'TrafficRoute',
  'HealthCheck',
  'MeshHealthCheck',
];

function Attachment(props: { mesh: string; item: PolicyAttachment; healthy?: boolean }) {
  const { item, mesh } = props;
  const kinds = kindOrder.filter((kind) => kind in item.reasons || (item.matched[kind]?.length ?? 0) > 0);
  return (
    <div class="attachment" data-attachment={item.name}>
      <div class="attachment-head">
        <div>
          <span class="attachment-type">{item.type === 'inbound' ? 'Inbound' : 'Outbound'}</span>
          <span class="mono attachment-name">{item.name}</span>
          <span class="attachment-service">{item.service}</span>
        </div>
        <div class="attachment-meta">
          {extraTags(item.tags, ['kuma.io/service']).length === 0 ? null : (
            <Tags tags={extraTags(item.tags, ['kuma.io/service'])} />
          )}
          {props.healthy === undefined ? null : props.healthy ? (
            <Pill tone="good">Healthy</Pill>
          ) : (
            <Pill tone="bad">Unhealthy</Pill>
          )}
        </div>
      </div>
      <table class="policy-table">
        <tbody>
          {kinds.map((kind) => {
            const names = item.matched[kind] ?? [];
            const plural = pluralOf(kind);
            return (
              <tr key={kind} data-kind={kind}>
                <th scope="row">{kind}</th>
                <td class="policy-names">
                  {names.length === 0 ? (
                    <span class="muted">none</span>
                  ) : (
                    names.map((name) =>
                      plural === undefined ? (
                        <span key={name} class="policy-name">
                          {name}
                        </span>
                      ) : (
                        <a
                          key={name}
                          class="policy-name"
                          href={href('meshes', mesh, 'policies', plural, name)}
                        >
                          {name}
                        </a>
                      ),
                    )
                  )}
                </td>
                <td class="reason">{item.reasons[kind] ?? ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

interface Detail {
  readonly status: DataplaneStatus | undefined;
  readonly policies: DataplanePolicies | undefined;
  readonly document: unknown;
}

/** The dataplane page. */
export function DataplaneDetailPage(props: { mesh: string; name: string }) {
  const base = `/meshes/${segment(props.mesh)}/dataplanes/${segment(props.name)}`;
  const detail = usePolled<Detail>(`dataplane:${props.mesh}/${props.name}`, async () => {
    const [status, policies, document] = await Promise.all([
      getJson(`${base}/_overview`),
      getJson(`${base}/policies`),
      getJson(base),
    ]);
    return { status: readDataplane(status), policies: readDataplanePolicies(policies), document };
  });
  const status = detail.data?.status;
  const policies = detail.data?.policies;
  const inbounds = policies?.items.filter((item) => item.type === 'inbound') ?? [];
  const outbounds = policies?.items.filter((item) => item.type === 'outbound') ?? [];
  const healthOf = (name: string): boolean | undefined =>
    status?.inbounds.find((inbound) => inbound.name === name)?.healthy;
  return (
    <>
      <PageHeader
        eyebrow={`Dataplane in mesh ${props.mesh}`}
        title={props.name}
        lede={
          status === undefined ? undefined : (
            <span class="header-facts">
              <span>
                Zone <strong>{status.zone}</strong>
              </span>
              <span class="mono">{status.address}</span>
              <ProxyState online={status.online} />
            </span>
          )
        }
      >
        <a class="button button-quiet" href={href('meshes', props.mesh, 'dataplanes')}>
          All dataplanes
        </a>
      </PageHeader>
      {detail.error !== undefined && detail.data === undefined ? (
        <ErrorNotice error={detail.error} what="this dataplane" />
      ) : null}
      {detail.loading ? <Loading what="the dataplane" /> : null}
      {policies !== undefined && !policies.mtls ? (
        <div class="notice notice-warn">
          mTLS is off in mesh {props.mesh}: the permissions below are what would apply, but traffic is not
          checked until mTLS is on.
        </div>
      ) : null}
      {policies === undefined ? null : (
        <>
          <Section title="Inbounds" aside="who may connect to this proxy">
            {inbounds.length === 0 ? (
              <EmptyState title="No inbounds">
                This proxy serves nothing; it only calls other services.
              </EmptyState>
            ) : (
              inbounds.map((item) => {
                const healthy = healthOf(item.name);
                return (
                  <Attachment
                    key={item.name}
                    mesh={props.mesh}
                    item={item}
                    {...(healthy === undefined ? {} : { healthy })}
                  />
                );
              })
            )}
          </Section>
          <Section title="Outbounds" aside="where its calls go and how they are checked">
            {outbounds.length === 0 ? (
              <EmptyState title="No outbounds">
                The app behind this proxy calls no mesh service through it.
              </EmptyState>
            ) : (
              outbounds.map((item) => <Attachment key={item.name} mesh={props.mesh} item={item} />)
            )}
          </Section>
        </>
      )}
      {detail.data === undefined ? null : (
        <Section title="Resource">
          <YamlView document={detail.data.document} />
        </Section>
      )}
    </>
  );
}
