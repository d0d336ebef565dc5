/** `#/meshes/{mesh}/dataplanes`: every Dataplane with its zone, tags, proxy state and inbound health. */
import { useState } from 'preact/hooks';
import { getAll, segment } from '../api-client.ts';
import {
  EmptyState,
  ErrorNotice,
  HealthBar,
  Loading,
  PageHeader,
  ProxyState,
  Section,
  Tags,
} from '../components/ui.tsx';
import { extraTags, plural } from '../format.ts';
import { href } from '../hash-route.ts';
import { usePolled } from '../live-data.ts';
import { type DataplaneStatus, readDataplane, readList } from '../models.ts';

function matches(dataplane: DataplaneStatus, filter: string): boolean {
  if (filter === '') return true;
  const needle = filter.toLowerCase();
  const haystack = [
    dataplane.name,
    dataplane.zone,
    ...dataplane.inbounds.flatMap((inbound) =>
      Object.entries(inbound.tags).map(([name, value]) => `${name}=${value}`),
    ),
  ];
  return haystack.some((text) => text.toLowerCase().includes(needle));
}

/** The dataplanes page. */
export function DataplanesPage(props: { mesh: string }) {
  const [filter, setFilter] = useState('');
  const dataplanes = usePolled(`dataplanes:${props.mesh}`, async () =>
    readList(await getAll(`/meshes/${segment(props.mesh)}/dataplanes/_overview`), readDataplane),
  );
  const all = dataplanes.data ?? [];
  const shown = all.filter((dataplane) => matches(dataplane, filter.trim()));
  return (
    <>
      <PageHeader
        eyebrow={`Mesh ${props.mesh}`}
        title="Dataplanes"
        lede="Every proxy registered in this mesh, with the zone it lives in. Open one to see which policies apply to each of its inbounds and outbounds."
      >
        <input
          class="search"
          type="search"
          placeholder="Filter by name, zone or tag"
          value={filter}
          onInput={(event) => setFilter(event.currentTarget.value)}
          aria-label="Filter dataplanes"
        />
      </PageHeader>
      <Section
        title="Dataplanes"
        aside={
          dataplanes.data === undefined
            ? null
            : filter === ''
              ? plural(all.length, 'dataplane')
              : `${shown.length} of ${all.length}`
        }
        flush
      >
        {dataplanes.error !== undefined && dataplanes.data === undefined ? (
          <ErrorNotice error={dataplanes.error} what="the dataplanes" />
        ) : null}
        {dataplanes.loading ? (
          <Loading what="dataplanes" />
        ) : dataplanes.data === undefined ? null : all.length === 0 ? (
          <EmptyState title={`No dataplanes in mesh ${props.mesh}`}>
            Proxies register with their zone control plane when they start (
            <code>zonemesh-dp run --dataplane-file FILE</code>), and appear here within seconds.
          </EmptyState>
        ) : shown.length === 0 ? (
          <EmptyState title="Nothing matches the filter" />
        ) : (
          <table class="table table-clickable" data-testid="dataplanes-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Zone</th>
                <th>Service</th>
                <th>Tags</th>
                <th>Proxy</th>
                <th>Inbounds healthy</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((dataplane) => {
                const services = [...new Set(dataplane.inbounds.map((inbound) => inbound.service))].filter(
                  (service) => service !== '',
                );
                const tags = extraTags(
                  Object.assign({}, ...dataplane.inbounds.map((inbound) => inbound.tags)) as Record<
                    string,
                    string
                  >,
                  ['kuma.io/service', 'kuma.io/zone'],
                );
                return (
                  <tr key={dataplane.name} data-dataplane={dataplane.name}>
                    <td>
                      <a
                        class="strong row-link"
                        href={href('meshes', props.mesh, 'dataplanes', dataplane.name)}
                      >
                        {dataplane.name}
                      </a>
                      <div class="sub mono">{dataplane.address}</div>
                    </td>
                    <td>{dataplane.zone}</td>
                    <td>
                      {services.length === 0 ? <span class="muted">gateway</span> : services.join(', ')}
                    </td>
                    <td>
                      <Tags tags={tags} />
                    </td>
                    <td>
                      <ProxyState online={dataplane.online} />
                    </td>
                    <td>
                      <HealthBar
                        healthy={dataplane.inbounds.filter((inbound) => inbound.healthy).length}
                        total={dataplane.inbounds.length}
                      />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Section>
    </>
  );
}
