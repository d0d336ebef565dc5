/**
 * Serves the read-only GUI (`@zonemesh/gui`'s built files) at `/gui/`: the page, its hashed
 * assets (cached for a year) and nothing else. The app talks only to this API (its CSP says so);
 * pages are hash routes (`/gui/#/meshes/default/services`), so every link survives a reload.
 * Files are read once, on first request, and kept in memory (they are small and never change
 * while the process runs).
 */
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { MeshError } from '@zonemesh/api';
import { guiAssetsDirectory, guiBasePath } from '@zonemesh/gui';
import type { HttpRequest, HttpResponse, Router } from '@zonemesh/runtime';

/** Content types of the files the GUI build emits (text only: the build inlines nothing binary). */
const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** The page may load only its own files and call only this API: no CDN, no other host. */
const contentSecurityPolicy =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

interface Asset {
  readonly body: string;
  readonly contentType: string;
}

/** Registers `/gui`, `/gui/`, `/gui/{file}` and `/gui/assets/{file}`. */
export function addGuiRoutes(router: Router, options: { readonly directory?: string } = {}): void {
  const directory = options.directory ?? guiAssetsDirectory;
  let loading: Promise<ReadonlyMap<string, Asset>> | undefined;
  const assets = (): Promise<ReadonlyMap<string, Asset>> => {
    loading ??= loadAssets(directory).catch((err: unknown) => {
      loading = undefined; // not built yet: try again on the next request
      throw err;
    });
    return loading;
  };
  const serve = async (path: string, cacheForever: boolean): Promise<HttpResponse> => {
    const asset = (await assets()).get(path);
    if (asset === undefined) throw new MeshError('NotFound', `no such GUI file: ${guiBasePath}${path}`);
    return {
      body: asset.body,
      contentType: asset.contentType,
      headers: {
        'cache-control': cacheForever ? 'public, max-age=31536000, immutable' : 'no-cache',
        'content-security-policy': contentSecurityPolicy,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      },
    };
  };
  router
    .get('/gui', (req: HttpRequest) =>
      req.path.endsWith('/')
        ? serve('index.html', false)
        : { status: 308, headers: { location: guiBasePath }, body: `see ${guiBasePath}\n` },
    )
    .get('/gui/:file', (req) => serve(req.params.file ?? '', false))
    .get('/gui/assets/:file', (req) => serve(`assets/${req.params.file ?? ''}`, true));
}

async function loadAssets(directory: string): Promise<ReadonlyMap<string, Asset>> {
  const assets = new Map<string, Asset>();
  const add = async (relative: string): Promise<void> => {
    const contentType = contentTypes[extname(relative)];
    if (contentType !== undefined) {
      assets.set(relative, { body: await readFile(join(directory, relative), 'utf8'), contentType });
    }
  };
  let top: string[];
  try {
    top = await readdir(directory);
  } catch (err) {
    throw new MeshError(
      'Unavailable',
      'the GUI is not built in this installation: run `pnpm build` and reload',
      {
        cause: err,
      },
    );
  }
  for (const name of top) {
    if (name === 'assets') {
      for (const file of await readdir(join(directory, 'assets'))) await add(`assets/${file}`);
    } else {
      await add(name);
    }
  }
  if (!assets.has('index.html')) {
    throw new MeshError(
      'Unavailable',
      'the GUI build is incomplete (no index.html): run `pnpm build` and reload',
    );
  }
  return assets;
}
