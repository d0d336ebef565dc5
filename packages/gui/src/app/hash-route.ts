/**
 * Hash routing: the page is always `/gui/`, the view is in the fragment
 * (`#/meshes/default/services`), so every link survives a reload and the server needs one route.
 */
import { useEffect, useState } from 'preact/hooks';

/** The current view: path segments (decoded) and query parameters. */
export interface Route {
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
}

/** Parses a fragment like `#/meshes/default/traffic?source=a%3Db`. */
export function parseHash(hash: string): Route {
  const body = hash.replace(/^#/, '');
  const at = body.indexOf('?');
  const path = at < 0 ? body : body.slice(0, at);
  const query = new URLSearchParams(at < 0 ? '' : body.slice(at + 1));
  const segments = path
    .split('/')
    .filter((part) => part !== '')
    .map((part) => {
      try {
        return decodeURIComponent(part);
      } catch {
        return part;
      }
    });
  return { segments, query };
}

/** Builds a link: `href('meshes', 'default', 'services')` -> `#/meshes/default/services`. */
export function href(...parts: readonly string[]): string {
  return `#/${parts.map((part) => encodeURIComponent(part)).join('/')}`;
}

/** Adds a query to a link made by {@link href}; empty values are left out. */
export function withQuery(link: string, query: Readonly<Record<string, string>>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== '') params.set(name, value);
  const text = params.toString();
  return text === '' ? link : `${link}?${text}`;
}

/** The current route, re-rendering on navigation. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const onChange = (): void => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** Goes to a link made by {@link href} (adds a history entry, like clicking it). */
export function navigate(link: string): void {
  window.location.hash = link.replace(/^#/, '');
}
