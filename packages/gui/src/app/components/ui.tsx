/** Small building blocks every page uses: status pills, tags, empty and error states, tiles. */
import type { ComponentChildren } from 'preact';
import type { ApiError } from '../api-client.ts';

/** A coloured pill with a dot: `Online`, `Offline`, `Healthy`... */
export function Pill(props: {
  tone: 'good' | 'bad' | 'warn' | 'neutral';
  children: ComponentChildren;
  title?: string;
}) {
  return (
    <span class={`pill pill-${props.tone}`} title={props.title}>
      <span class="pill-dot" aria-hidden="true" />
      {props.children}
    </span>
  );
}

/** A proxy's connection state as reported by its zone control plane. */
export function ProxyState(props: { online: boolean | null }) {
  if (props.online === true) return <Pill tone="good">Online</Pill>;
  if (props.online === false) return <Pill tone="bad">Offline</Pill>;
  return (
    <Pill
      tone="neutral"
      title="No proxy has reported for this Dataplane (registered through the API, or its zone does not report proxy state)"
    >
      Not reported
    </Pill>
  );
}

/** One tag as `name=value`, the service tag emphasised. */
export function Tag(props: { name: string; value: string }) {
  const short = props.name.startsWith('kuma.io/') ? props.name.slice('kuma.io/'.length) : props.name;
  return (
    <span class="tag" title={`${props.name}=${props.value}`}>
      <span class="tag-name">{short}</span>
      <span class="tag-value">{props.value}</span>
    </span>
  );
}

/** A row of tags. */
export function Tags(props: { tags: readonly [string, string][] }) {
  if (props.tags.length === 0) return <span class="muted">—</span>;
  return (
    <span class="tags">
      {props.tags.map(([name, value]) => (
        <Tag key={name} name={name} value={value} />
      ))}
    </span>
  );
}

/** What a page shows when there is nothing to list yet: what it is and how to get some. */
export function EmptyState(props: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty" role="status">
      <svg class="empty-art" viewBox="0 0 64 64" aria-hidden="true">
        <path d="M20 22 32 44 44 22Z" />
        <circle cx="20" cy="22" r="7" />
        <circle cx="44" cy="22" r="7" />
        <circle cx="32" cy="44" r="7" />
      </svg>
      <h3>{props.title}</h3>
      {props.children === undefined ? null : <div class="empty-body">{props.children}</div>}
    </div>
  );
}

/** A request failed: the server's sentence and field causes, or "cannot reach". */
export function ErrorNotice(props: { error: ApiError; what: string }) {
  const { error } = props;
  if (error.kind === 'unreachable') {
    return (
      <div class="notice notice-bad" role="alert">
        <strong>Cannot load {props.what}.</strong> The control plane is not answering; this page retries every
        few seconds.
      </div>
    );
  }
  return (
    <div class="notice notice-bad" role="alert">
      <strong>{error.message}</strong>
      {error.causes.length > 0 ? (
        <ul class="causes">
          {error.causes.map((cause) => (
            <li key={cause.field}>
              <code>{cause.field}</code>: {cause.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** Shown while the first read of a page is under way. */
export function Loading(props: { what: string }) {
  return (
    <div class="loading" aria-busy="true">
      <span class="spinner" aria-hidden="true" /> Loading {props.what}…
    </div>
  );
}

/** A big number with a label, for the overview. */
export function Tile(props: {
  label: string;
  value: ComponentChildren;
  detail?: ComponentChildren;
  href?: string;
}) {
  const body = (
    <>
      <div class="tile-label">{props.label}</div>
      <div class="tile-value">{props.value}</div>
      {props.detail === undefined ? null : <div class="tile-detail">{props.detail}</div>}
    </>
  );
  return props.href === undefined ? (
    <div class="tile">{body}</div>
  ) : (
    <a class="tile tile-link" href={props.href}>
      {body}
    </a>
  );
}

/** A page's title block. */
export function PageHeader(props: {
  eyebrow?: string;
  title: string;
  lede?: ComponentChildren;
  children?: ComponentChildren;
}) {
  return (
    <header class="page-header">
      <div>
        {props.eyebrow === undefined ? null : <p class="eyebrow">{props.eyebrow}</p>}
        <h1>{props.title}</h1>
        {props.lede === undefined ? null : <p class="lede">{props.lede}</p>}
      </div>
      {props.children === undefined ? null : <div class="page-actions">{props.children}</div>}
    </header>
  );
}

/** A titled white card around a table or text. */
export function Section(props: {
  title?: string;
  aside?: ComponentChildren;
  children: ComponentChildren;
  flush?: boolean;
}) {
  return (
    <section class={props.flush === true ? 'card card-flush' : 'card'}>
      {props.title === undefined ? null : (
        <div class="card-head">
          <h2>{props.title}</h2>
          {props.aside === undefined ? null : <div class="card-aside">{props.aside}</div>}
        </div>
      )}
      {props.children}
    </section>
  );
}

/** `healthy / total` with a thin bar. */
export function HealthBar(props: { healthy: number; total: number }) {
  const share = props.total === 0 ? 0 : props.healthy / props.total;
  const tone = props.total === 0 ? 'neutral' : share === 1 ? 'good' : share === 0 ? 'bad' : 'warn';
  return (
    <span class="health">
      <span class="health-text">
        {props.healthy}
        <span class="muted"> / {props.total}</span>
      </span>
      <span class={`health-bar health-${tone}`} aria-hidden="true">
        <span style={{ width: `${Math.round(share * 100)}%` }} />
      </span>
    </span>
  );
}
