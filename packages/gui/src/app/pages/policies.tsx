/** `#/meshes/{mesh}/policies[?kind=plural]` and `#/meshes/{mesh}/policies/{plural}/{name}`: policies per kind, each as Kuma YAML. */
import { getAll, getJson, segment } from '../api-client.ts';
import { EmptyState, ErrorNotice, Loading, PageHeader, Pill, Section } from '../components/ui.tsx';
import { YamlView } from '../components/yaml-view.tsx';
import { absolute, ago, plural } from '../format.ts';
import { href, withQuery } from '../hash-route.ts';
import { type Polled, useNow, usePolled } from '../live-data.ts';
import { kindByPlural, type MeshOverview, policyKinds, readList, readResource } from '../models.ts';

function Origin(props: { labels: Readonly<Record<string, string>> }) {
  const origin = props.labels['kuma.io/origin'];
  if (origin === 'zone') return <Pill tone="neutral">zone {props.labels['kuma.io/zone'] ?? ''}</Pill>;
  if (origin === 'global') return <Pill tone="neutral">global</Pill>;
  return <span class="muted">local</span>;
}

/** The list of one kind, with a tab per kind. */
export function PoliciesPage(props: {
  mesh: string;
  plural: string;
  meshes: Polled<readonly MeshOverview[]>;
}) {
  const now = useNow();
  const kind = kindByPlural(props.plural) ?? policyKinds[0];
  const counts = props.meshes.data?.find((mesh) => mesh.name === props.mesh)?.policies ?? {};
  const policies = usePolled(`policies:${props.mesh}/${kind.plural}`, async () =>
    readList(await getAll(`/meshes/${segment(props.mesh)}/${kind.plural}`), readResource),
  );
  const list = policies.data ?? [];
  return (
    <>
      <PageHeader
        eyebrow={`Mesh ${props.mesh}`}
        title="Policies"
        lede="Every policy of the mesh by kind. Open one to read it as Kuma YAML."
      />
      <nav class="tabs" aria-label="Policy kinds">
        {policyKinds.map((entry) => (
          <a
            key={entry.type}
            class={entry.type === kind.type ? 'tab active' : 'tab'}
            href={withQuery(href('meshes', props.mesh, 'policies'), { kind: entry.plural })}
          >
            {entry.type}
            <span class="tab-count">{counts[entry.type] ?? '·'}</span>
          </a>
        ))}
      </nav>
      <Section
        title={kind.type}
        aside={policies.data === undefined ? null : plural(list.length, 'policy', 'policies')}
        flush
      >
        {policies.error !== undefined && policies.data === undefined ? (
          <ErrorNotice error={policies.error} what="the policies" />
        ) : null}
        {policies.loading ? (
          <Loading what="policies" />
        ) : policies.data === undefined ? null : list.length === 0 ? (
          <EmptyState title={`No ${kind.type} in mesh ${props.mesh}`}>
            Policies are written on the global control plane (<code>zmctl apply -f FILE</code>) and reach
            every zone.
          </EmptyState>
        ) : (
          <table class="table table-clickable" data-testid="policies-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Origin</th>
                <th>Created</th>
                <th>Modified</th>
              </tr>
            </thead>
            <tbody>
              {list.map((policy) => (
                <tr key={policy.name} data-policy={policy.name}>
                  <td>
                    <a
                      class="strong row-link"
                      href={href('meshes', props.mesh, 'policies', kind.plural, policy.name)}
                    >
                      {policy.name}
                    </a>
                  </td>
                  <td>
                    <Origin labels={policy.labels} />
                  </td>
                  <td title={absolute(policy.creationTime)}>{ago(policy.creationTime, now)}</td>
                  <td title={absolute(policy.modificationTime)}>{ago(policy.modificationTime, now)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </>
  );
}

/** One policy as YAML. */
export function PolicyDetailPage(props: { mesh: string; plural: string; name: string }) {
  const kind = kindByPlural(props.plural);
  const path = `/meshes/${segment(props.mesh)}/${segment(props.plural)}/${segment(props.name)}`;
  const policy = usePolled(`policy:${path}`, async () => getJson(path));
  return (
    <>
      <PageHeader eyebrow={`${kind?.type ?? props.plural} in mesh ${props.mesh}`} title={props.name}>
        <a
          class="button button-quiet"
          href={withQuery(href('meshes', props.mesh, 'policies'), { kind: props.plural })}
        >
          {kind === undefined ? 'All policies' : `All ${kind.type}s`}
        </a>
      </PageHeader>
      {policy.error !== undefined ? <ErrorNotice error={policy.error} what="this policy" /> : null}
      {policy.loading ? <Loading what="the policy" /> : null}
      {policy.data === undefined ? null : (
        <Section title="Kuma YAML">
          <YamlView document={policy.data} />
        </Section>
      )}
    </>
  );
}
