/**
 * The fallback for machines without a server binary: a container through testcontainers, when a
 * container runtime answers. testcontainers is not a dependency of this package; it is imported
 * only when needed, so machines without Docker never install it.
 */
import { connect } from 'node:net';

/** Whether a Docker-compatible runtime accepts connections (DOCKER_HOST or /var/run/docker.sock). */
export async function containerRuntimeAnswers(): Promise<boolean> {
  const dockerHost = process.env['DOCKER_HOST'];
  if (dockerHost !== undefined && dockerHost !== '') {
    if (dockerHost.startsWith('unix://')) return socketAnswers({ path: dockerHost.slice('unix://'.length) });
    const url = URL.canParse(dockerHost) ? new URL(dockerHost) : undefined;
    if (url !== undefined && url.hostname !== '') {
      return socketAnswers({ host: url.hostname, port: Number(url.port || '2375') });
    }
    return false;
  }
  return socketAnswers({ path: '/var/run/docker.sock' });
}

function socketAnswers(target: { path: string } | { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(target);
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The part of a testcontainers `StartedTestContainer` the testkit uses. */
export interface StartedContainer {
  getHost(): string;
  getMappedPort(port: number): number;
  restart(): Promise<void>;
  stop(options?: { timeout?: number; remove?: boolean }): Promise<unknown>;
}

interface GenericContainerBuilder {
  withExposedPorts(...ports: number[]): GenericContainerBuilder;
  withCommand(command: string[]): GenericContainerBuilder;
  start(): Promise<StartedContainer>;
}

interface TestcontainersModule {
  GenericContainer: new (image: string) => GenericContainerBuilder;
}

/**
 * Starts `image` exposing `port` with testcontainers (imported dynamically). Fails with one
 * sentence when testcontainers is not installed.
 */
export async function startContainer(
  image: string,
  port: number,
  command: string[],
): Promise<StartedContainer> {
  // A variable, not a literal, so TypeScript does not demand the optional module's types.
  const moduleName = 'testcontainers';
  let testcontainers: TestcontainersModule;
  try {
    testcontainers = (await import(moduleName)) as TestcontainersModule;
  } catch (err) {
    throw new Error(
      'a container runtime answers but testcontainers is not installed: add it with `pnpm add -D testcontainers@11.14.0`',
      { cause: err },
    );
  }
  return new testcontainers.GenericContainer(image).withExposedPorts(port).withCommand(command).start();
}
