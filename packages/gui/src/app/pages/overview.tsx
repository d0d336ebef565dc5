/** The federation at a glance: totals, every zone's sync state, every mesh's mTLS state and counts. */
import { getAll } from '../api-client.ts';
import { EmptyState, ErrorNotice, Loading, PageHeader, Pill, Section, Tile } from '../components/ui.tsx';
import { absolute, ago, plural } from '../format.ts';
import { href } from '../hash-route.ts';
import { type Polled, useNow, usePolled } from '../live-data.ts';
import {
  type ControlPlaneIndex,
  type MeshOverview,
  readList,
  readZone,
  type ZoneOverview,
} from '../models.ts';

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

function ZoneStatus(props: { zone: ZoneOverview }) {
  const { zone } = props;
  if (zone.problem !== undefined)
    return (
      <Pill tone="warn" title={zone.problem}>
        {zone.online ? 'Online' : 'Offline'} · refused
      </Pill>
    );
  return zone.online ? <Pill tone="good">Online</Pill> : <Pill tone="bad">Offline</Pill>;
}

function Lag(props: { zone: ZoneOverview }) {
  const { lag } = props.zone;
  if (lag === undefined) return <span class="muted">—</span>;
  if (lag === 0) return <span class="muted">in sync</span>;
  return <span class="lag">{plural(lag, 'revision')} behind</span>;
}

function Resources(props: { counts: Readonly<Record<string, number>> }) {
  const entries = Object.entries(props.counts).filter(([, count]) => count > 0);
  if (entries.length === 0) return <span class="muted">none</span>;
  return (
    <span class="counts">
      {entries.map(([kind, count]) => (
        <span key={kind} class="count">
          <span class="count-value">{count}</span> {kind}
        </span>
      ))}
    </span>
  );
}

function ZonesTable(props: {
  zones: readonly ZoneOverview[];
  index: ControlPlaneIndex | undefined;
  now: number;
}) {
  const { zones, index, now } = props;
  if (zones.length === 0) {
    return (
      <EmptyState title="No zone has connected yet">
        Start a zone control plane with <code>zonemesh-cp run --mode zone --zone NAME --nats-url URL</code>{' '}
        pointing at the same NATS as this global control plane; it shows up here within seconds.
      </EmptyState>
    );
  }
  const zoneSide = index?.mode === 'zone';
  return (
    <table class="table" data-testid="zones-table">
      <thead>
        <tr>
          <th>Zone</th>
          <th>Status</th>
          <th>{zoneSide ? 'Link to global' : 'Last seen'}</th>
          <th>{zoneSide ? 'Applied revision' : 'Revision lag'}</th>
          <th>Resources</th>
        </tr>
      </thead>
      <tbody>
        {zones.map((zone) => (
          <tr key={zone.name} data-zone={zone.name}>
            <td class="strong">{zone.name}</td>
            <td>
              <ZoneStatus zone={zone} />
            </td>
            <td title={absolute(zone.lastSeen)}>
              {zoneSide ? (
                zone.federated === false ? (
                  <span class="muted">standalone</span>
                ) : zone.online ? (
                  'connected'
                ) : (
                  'disconnected'
                )
              ) : (
                ago(zone.lastSeen, now)
              )}
            </td>
            <td>{zoneSide ? <span class="num">{zone.appliedRevision ?? '—'}</span> : <Lag zone={zone} />}</td>
            <td>
              <Resources counts={zone.resources} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function MeshCard(props: { mesh: MeshOverview }) {
  const { mesh } = props;
  const policies = sum(Object.values(mesh.policies));
  return (
    <a class="mesh-card" href={href('meshes', mesh.name, 'services')} data-mesh={mesh.name}>
      <div class="mesh-card-head">
        <span class="mesh-name">{mesh.name}</span>
        {mesh.mtls.enabled ? (
          <Pill tone="good" title={`mTLS backend: ${mesh.mtls.backend ?? ''}`}>
            mTLS on
          </Pill>
        ) : (
          <Pill
            tone="warn"
            title="Without mTLS traffic is not checked: every call is allowed, and calls stay within their zone"
          >
            mTLS off
          </Pill>
        )}
      </div>
      <dl class="mesh-stats">
        <div>
          <dt>Services</dt>
          <dd>{mesh.services}</dd>
        </div>
        <div>
          <dt>Dataplanes</dt>
          <dd>{mesh.dataplanes.total}</dd>
        </div>
        <div>
          <dt>Policies</dt>
          <dd>{policies}</dd>
        </div>
      </dl>
      <div class="mesh-foot">
        {mesh.mtls.enabled
          ? `Permissions enforced · ${mesh.mtls.backend ?? ''} CA`
          : 'Traffic is not checked while mTLS is off'}
      </div>
    </a>
  );
}

/** `#/` */
export function OverviewPage(props: {
  index: ControlPlaneIndex | undefined;
  meshes: Polled<readonly MeshOverview[]>;
}) {
  const now = useNow();
  const zones = usePolled('zones', async () => readList(await getAll('/zones/_overview'), readZone));
  const meshes = props.meshes.data ?? [];
  const zoneList = zones.data ?? [];
  const online = zoneList.filter((zone) => zone.online).length;
  const global = props.index?.mode !== 'zone';
  return (
    <>
      <PageHeader
        eyebrow={global ? 'Global control plane' : 'Zone control plane'}
        title={global ? 'Federation overview' : `Zone ${props.index?.zone ?? ''}`}
        lede={
          global
            ? 'Every zone connected to this global control plane, and every mesh it governs.'
            : 'This zone, its link to the global control plane, and the meshes it serves.'
        }
      />
      <div class="tiles" data-testid="totals">
        <Tile
          label={global ? 'Zones online' : 'Zone'}
          value={
            zones.data === undefined ? (
              '…'
            ) : global ? (
              <>
                {online}
                <span class="tile-of"> / {zoneList.length}</span>
              </>
            ) : online === 1 ? (
              'Online'
            ) : (
              'Offline'
            )
          }
          detail={
            global
              ? zoneList.length - online > 0
                ? `${zoneList.length - online} offline`
                : 'all reporting'
              : undefined
          }
        />
        <Tile
          label="Meshes"
          value={props.meshes.data === undefined ? '…' : meshes.length}
          detail={`${meshes.filter((mesh) => mesh.mtls.enabled).length} with mTLS`}
        />
        <Tile
          label="Services"
          value={props.meshes.data === undefined ? '…' : sum(meshes.map((mesh) => mesh.services))}
        />
        <Tile
          label="Dataplanes"
          value={props.meshes.data === undefined ? '…' : sum(meshes.map((mesh) => mesh.dataplanes.total))}
          detail={(() => {
            const offline = sum(meshes.map((mesh) => mesh.dataplanes.offline));
            return offline > 0 ? `${offline} offline` : undefined;
          })()}
        />
        <Tile
          label="Policies"
          value={
            props.meshes.data === undefined
              ? '…'
              : sum(meshes.map((mesh) => sum(Object.values(mesh.policies))))
          }
        />
      </div>

      <Section title="Zones" aside={zones.data === undefined ? null : plural(zoneList.length, 'zone')} flush>
        {zones.error !== undefined && zones.data === undefined ? (
          <ErrorNotice error={zones.error} what="the zones" />
        ) : null}
        {zones.loading ? (
          <Loading what="zones" />
        ) : zones.data === undefined ? null : (
          <ZonesTable zones={zoneList} index={props.index} now={now} />
        )}
      </Section>

      <Section
        title="Meshes"
        aside={props.meshes.data === undefined ? null : plural(meshes.length, 'mesh', 'meshes')}
      >
        {props.meshes.error !== undefined && props.meshes.data === undefined ? (
          <ErrorNotice error={props.meshes.error} what="the meshes" />
        ) : null}
        {props.meshes.loading ? (
          <Loading what="meshes" />
        ) : meshes.length === 0 && props.meshes.data !== undefined ? (
          <EmptyState title="No mesh yet">
            Apply one on the global control plane: <code>zmctl apply -f mesh.yaml</code> with{' '}
            <code>type: Mesh</code>.
          </EmptyState>
        ) : (
          <div class="mesh-grid">
            {meshes.map((mesh) => (
              <MeshCard key={mesh.name} mesh={mesh} />
            ))}
          </div>
        )}
      </Section>
    </>
  );
}
