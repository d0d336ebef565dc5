/** `#/meshes/{mesh}/services`: every service with its zones, instances, healthy instances and ingresses. */
import { getAll, segment } from '../api-client.ts';
import { EmptyState, ErrorNotice, HealthBar, Loading, PageHeader, Section } from '../components/ui.tsx';
import { plural } from '../format.ts';
import { usePolled } from '../live-data.ts';
import { readList, readService, type ServiceSummary, type ServiceZone } from '../models.ts';

function ZoneChip(props: { zone: ServiceZone }) {
  const { zone } = props;
  const tone =
    zone.instances === 0
      ? 'neutral'
      : zone.healthy === zone.instances
        ? 'good'
        : zone.healthy === 0
          ? 'bad'
          : 'warn';
  const via = zone.source === 'ingress' ? ' (as its ingress publishes them)' : '';
  return (
    <span
      class={`zone-chip zone-chip-${tone}`}
      title={`${zone.healthy} of ${zone.instances} instances healthy in ${zone.zone}${via}`}
      data-zone={zone.zone}
    >
      <span class="zone-chip-name">{zone.zone}</span>
      <span class="zone-chip-count">
        {zone.healthy}/{zone.instances}
      </span>
    </span>
  );
}

function ServiceRow(props: { service: ServiceSummary }) {
  const { service } = props;
  return (
    <tr data-service={service.name}>
      <td>
        <div class="strong">{service.name}</div>
        {service.protocol === undefined ? null : <div class="sub">{service.protocol}</div>}
      </td>
      <td>
        <span class="zone-chips">
          {service.zones.map((zone) => (
            <ZoneChip key={zone.zone} zone={zone} />
          ))}
        </span>
      </td>
      <td class="num" data-testid="instances">
        {service.instances}
      </td>
      <td data-testid="healthy">
        <HealthBar healthy={service.healthy} total={service.instances} />
      </td>
      <td>
        {service.ingresses.length === 0 ? (
          <span class="muted">—</span>
        ) : (
          <ul class="plain-list">
            {service.ingresses.map((ingress) => (
              <li key={ingress.name}>
                <span class="strong">{ingress.name}</span>
                <span class="sub">
                  {' '}
                  {ingress.zone}
                  {ingress.address === undefined
                    ? ''
                    : ` · ${ingress.address}${ingress.port === undefined ? '' : `:${ingress.port}`}`}
                </span>
              </li>
            ))}
          </ul>
        )}
      </td>
    </tr>
  );
}

/** The services page. */
export function ServicesPage(props: { mesh: string }) {
  const services = usePolled(`services:${props.mesh}`, async () =>
    readList(await getAll(`/meshes/${segment(props.mesh)}/services`), readService),
  );
  const list = services.data ?? [];
  const zones = new Set(list.flatMap((service) => service.zones.map((zone) => zone.zone)));
  return (
    <>
      <PageHeader
        eyebrow={`Mesh ${props.mesh}`}
        title="Services"
        lede="Each service with the zones it runs in. Counts are healthy / all instances; zones known only through their ingress show what the ingress publishes."
      />
      <Section
        title="Services"
        aside={
          services.data === undefined || list.length === 0
            ? null
            : `${plural(list.length, 'service')} in ${plural(zones.size, 'zone')}`
        }
        flush
      >
        {services.error !== undefined && services.data === undefined ? (
          <ErrorNotice error={services.error} what="the services" />
        ) : null}
        {services.loading ? (
          <Loading what="services" />
        ) : services.data === undefined ? null : list.length === 0 ? (
          <EmptyState title={`No services in mesh ${props.mesh} yet`}>
            A service appears when a Dataplane with an inbound tagged <code>kuma.io/service</code> registers
            in a zone (a sidecar starting with <code>zonemesh-dp run</code>, or <code>zmctl apply</code> on
            the zone).
          </EmptyState>
        ) : (
          <table class="table" data-testid="services-table">
            <thead>
              <tr>
                <th>Service</th>
                <th>Zones · healthy/instances</th>
                <th class="num">Instances</th>
                <th>Healthy</th>
                <th>Zone ingresses</th>
              </tr>
            </thead>
            <tbody>
              {list.map((service) => (
                <ServiceRow key={service.name} service={service} />
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </>
  );
}
