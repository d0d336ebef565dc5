/**
 * @zonemesh/gui — the read-only web GUI. The browser app lives in `src/app/` and is built by Vite
 * into static files under `dist/app/`; a control plane serves them at `/gui/` (no CDN, no network
 * access beyond its own REST API). This entry tells a server where those files are.
 */
import { fileURLToPath } from 'node:url';

/** The URL path the app is built for: every asset URL starts with it. */
export const guiBasePath = '/gui/';

/** Absolute path of the built app (`index.html`, `assets/*`); empty until `pnpm build` ran. */
export const guiAssetsDirectory: string = fileURLToPath(new URL('./app/', import.meta.url));
