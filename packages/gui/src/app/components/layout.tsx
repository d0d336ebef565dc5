/** The frame around every page: the sidebar (identity, navigation, mesh picker, live state) and the banner. */
import type { ComponentChildren } from 'preact';
import { absolute, ago } from '../format.ts';
import { href, navigate } from '../hash-route.ts';
import { useConnection, useNow } from '../live-data.ts';
import type { ControlPlaneIndex, MeshOverview } from '../models.ts';

/** Which navigation entry is current. */
export type Section = 'overview' | 'services' | 'dataplanes' | 'policies' | 'traffic';

const meshSections: readonly { id: Section; label: string; path: string }[] = [
  { id: 'services', label: 'Services', path: 'services' },
  { id: 'dataplanes', label: 'Dataplanes', path: 'dataplanes' },
  { id: 'policies', label: 'Policies', path: 'policies' },
  { id: 'traffic', label: 'Who may talk to whom', path: 'traffic' },
];

function Logo() {
  return (
    <svg class="logo" viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="8" />
      <circle cx="10" cy="11" r="3.2" class="logo-node" />
      <circle cx="22" cy="11" r="3.2" class="logo-node" />
      <circle cx="16" cy="22" r="3.2" class="logo-core" />
      <path d="M10 11 16 22 22 11Z" class="logo-edge" />
    </svg>
  );
}

function identity(index: ControlPlaneIndex | undefined): { name: string; role: string } {
  if (index === undefined) return { name: 'Control plane', role: '' };
  if (index.mode === 'global') return { name: 'Global', role: 'global control plane' };
  return {
    name: `Zone ${index.zone ?? ''}`.trim(),
    role: index.federated ? 'federated zone' : 'standalone zone',
  };
}

function LiveState() {
  const connection = useConnection();
  const now = useNow();
  if (connection.unreachableSince !== null) {
    return (
      <div class="live live-down" title={`No answer since ${absolute(connection.unreachableSince)}`}>
        <span class="live-dot" /> Not answering
      </div>
    );
  }
  const updated =
    connection.lastAnswerAt === null ? undefined : new Date(connection.lastAnswerAt).toISOString();
  return (
    <div class="live" title="Pages re-read the control plane every 3 seconds">
      <span class="live-dot" /> Live{updated === undefined ? '' : ` · updated ${ago(updated, now)}`}
    </div>
  );
}

/** The banner shown over every page while the control plane does not answer. */
function ConnectionBanner() {
  const connection = useConnection();
  const now = useNow();
  if (connection.unreachableSince === null) return null;
  const stale =
    connection.lastAnswerAt === null
      ? 'Nothing could be loaded yet.'
      : `What you see is from ${absolute(connection.lastAnswerAt)} (${ago(new Date(connection.lastAnswerAt).toISOString(), now)}).`;
  return (
    <div class="banner" role="alert" data-testid="unreachable-banner">
      <strong>Cannot reach the control plane at {window.location.host}.</strong> {stale} Retrying every 3
      seconds.
    </div>
  );
}

/** The page frame. */
export function Layout(props: {
  index: ControlPlaneIndex | undefined;
  meshes: readonly MeshOverview[] | undefined;
  mesh: string;
  section: Section;
  children: ComponentChildren;
}) {
  const { index, meshes, mesh, section } = props;
  const meshNames = meshes?.map((entry) => entry.name) ?? [];
  const choices = meshNames.includes(mesh) ? meshNames : [mesh, ...meshNames];
  const switchMesh = (next: string): void => {
    const path =
      section === 'overview'
        ? 'services'
        : (meshSections.find((entry) => entry.id === section)?.path ?? 'services');
    navigate(href('meshes', next, path));
  };
  return (
    <div class="shell">
      <aside class="sidebar">
        <a class="brand" href={href()}>
          <Logo />
          <span>zonemesh</span>
        </a>
        <div class="identity">
          <div class="identity-name">{identity(index).name}</div>
          <div class="identity-meta">
            {index === undefined ? '\u00a0' : `${identity(index).role} · v${index.version}`}
          </div>
        </div>
        <nav class="nav" aria-label="Pages">
          <a class={section === 'overview' ? 'nav-item active' : 'nav-item'} href={href()}>
            Overview
          </a>
          <div class="nav-group">
            <label class="nav-label" for="mesh-picker">
              Mesh
            </label>
            <select
              id="mesh-picker"
              class="mesh-picker"
              value={mesh}
              onChange={(event) => switchMesh(event.currentTarget.value)}
            >
              {choices.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </div>
          {meshSections.map((entry) => (
            <a
              key={entry.id}
              class={section === entry.id ? 'nav-item active' : 'nav-item'}
              href={href('meshes', mesh, entry.path)}
            >
              {entry.label}
            </a>
          ))}
        </nav>
        <div class="sidebar-foot">
          <LiveState />
        </div>
      </aside>
      <main class="content">
        <ConnectionBanner />
        {props.children}
      </main>
    </div>
  );
}
