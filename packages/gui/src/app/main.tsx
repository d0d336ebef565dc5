/** The GUI's entry: reads which control plane this is and its meshes, and shows the page the link names. */
import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import { getAll, getJson } from './api-client.ts';
import { Layout, type Section } from './components/layout.tsx';
import { EmptyState } from './components/ui.tsx';
import { href, type Route, useRoute } from './hash-route.ts';
import { usePolled } from './live-data.ts';
import { readIndex, readList, readMesh } from './models.ts';
import { DataplaneDetailPage } from './pages/dataplane-detail.tsx';
import { DataplanesPage } from './pages/dataplanes.tsx';
import { OverviewPage } from './pages/overview.tsx';
import { PoliciesPage, PolicyDetailPage } from './pages/policies.tsx';
import { ServicesPage } from './pages/services.tsx';
import { TrafficPage } from './pages/traffic.tsx';
import './styles.css';

const lastMeshKey = 'zonemesh.gui.mesh';

function sectionOf(route: Route): Section {
  const [first, , third] = route.segments;
  if (first !== 'meshes') return 'overview';
  if (third === 'dataplanes' || third === 'policies' || third === 'traffic') return third;
  return 'services';
}

function App() {
  const route = useRoute();
  const index = usePolled('index', async () => readIndex(await getJson('/')));
  const meshes = usePolled('meshes', async () => readList(await getAll('/meshes/_overview'), readMesh));
  const [first, meshInLink, page, ...rest] = route.segments;
  const remembered = window.localStorage.getItem(lastMeshKey);
  const known = meshes.data?.map((mesh) => mesh.name) ?? [];
  const mesh =
    first === 'meshes' && meshInLink !== undefined
      ? meshInLink
      : remembered !== null && (known.length === 0 || known.includes(remembered))
        ? remembered
        : (known[0] ?? 'default');
  useEffect(() => {
    if (first === 'meshes' && meshInLink !== undefined) window.localStorage.setItem(lastMeshKey, meshInLink);
  }, [first, meshInLink]);
  const section = sectionOf(route);
  useEffect(() => {
    const titles: Record<Section, string> = {
      overview: 'Overview',
      services: 'Services',
      dataplanes: 'Dataplanes',
      policies: 'Policies',
      traffic: 'Who may talk to whom',
    };
    document.title = section === 'overview' ? 'zonemesh' : `${titles[section]} · ${mesh} · zonemesh`;
  }, [section, mesh]);

  let body;
  if (first === undefined) {
    body = <OverviewPage index={index.data} meshes={meshes} />;
  } else if (first === 'meshes' && meshInLink !== undefined && (page === undefined || page === 'services')) {
    body = <ServicesPage key={mesh} mesh={mesh} />;
  } else if (first === 'meshes' && page === 'dataplanes' && rest[0] !== undefined) {
    body = <DataplaneDetailPage key={`${mesh}/${rest[0]}`} mesh={mesh} name={rest[0]} />;
  } else if (first === 'meshes' && page === 'dataplanes') {
    body = <DataplanesPage key={mesh} mesh={mesh} />;
  } else if (first === 'meshes' && page === 'policies' && rest[0] !== undefined && rest[1] !== undefined) {
    body = (
      <PolicyDetailPage key={`${mesh}/${rest[0]}/${rest[1]}`} mesh={mesh} plural={rest[0]} name={rest[1]} />
    );
  } else if (first === 'meshes' && page === 'policies') {
    body = <PoliciesPage mesh={mesh} plural={route.query.get('kind') ?? ''} meshes={meshes} />;
  } else if (first === 'meshes' && page === 'traffic') {
    body = <TrafficPage key={mesh} mesh={mesh} query={route.query} />;
  } else {
    body = (
      <EmptyState title="There is no such page">
        <a href={href()}>Go to the overview</a>
      </EmptyState>
    );
  }
  return (
    <Layout index={index.data} meshes={meshes.data} mesh={mesh} section={section}>
      {body}
    </Layout>
  );
}

const root = document.getElementById('app');
if (root !== null) render(<App />, root);
