import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findBinary, natsInstallHint } from '@zonemesh/testkit';
import { describe, expect, it } from 'vitest';

const deploy = join(dirname(fileURLToPath(import.meta.url)), '../../../deploy/nats');
const env = {
  ...process.env,
  ZONEMESH_GLOBAL_PASSWORD: 'g',
  ZONEMESH_ZONE_1_PASSWORD: 'a',
  ZONEMESH_ZONE_2_PASSWORD: 'b',
  ZONEMESH_LEAF_REMOTE_URL: 'nats-leaf://zone-1:a@127.0.0.1:7422',
};

describe('deploy/nats', () => {
  it('ships accounts.conf exactly as render-accounts.mjs renders it from the built package', () => {
    const rendered = execFileSync(
      process.execPath,
      [join(deploy, 'render-accounts.mjs'), 'zone-1', 'zone-2'],
      {
        encoding: 'utf8',
      },
    );
    expect(readFileSync(join(deploy, 'accounts.conf'), 'utf8')).toBe(rendered);
  });

  it.each(['dev.conf', 'hub.conf', 'leaf-zone.conf'])('%s is a valid nats-server configuration', (file) => {
    const natsServer = findBinary('nats-server', natsInstallHint);
    // nats-server -t reports on stderr.
    const result = spawnSync(natsServer, ['-t', '-c', join(deploy, file)], { encoding: 'utf8', env });
    expect(result.stderr).toContain('is valid');
    expect(result.status).toBe(0);
  });

  it('refuses a zone name that is no DNS label', () => {
    expect(() =>
      execFileSync(process.execPath, [join(deploy, 'render-accounts.mjs'), 'Zone_1'], { stdio: 'pipe' }),
    ).toThrow(/usage/);
  });
});
