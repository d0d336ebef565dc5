/**
 * The open NDJSON config streams (`GET /v1/stream`). Each stream got the proxy's full config as
 * its first line; it gets a new line only when the config version changed, and a ping every
 * interval. A slow reader never queues configs: while its socket is full only the latest config
 * waits, and older ones are dropped (each line is a whole config).
 */
import type { ServerResponse } from 'node:http';
import type { DpProxyKind, IngressConfig, ProxyConfig } from '@zonemesh/api';
import type { ProxyRef } from '@zonemesh/discovery';

type AnyConfig = ProxyConfig | IngressConfig;

interface Stream {
  readonly kind: DpProxyKind;
  readonly id: string;
  readonly res: ServerResponse;
  lastVersion: string;
  pending: string | undefined;
  readonly ping: NodeJS.Timeout;
}

/** See the module comment. */
export interface ConfigStreams {
  /**
   * Starts a stream on `res` (headers flushed at once, first line `config`). `onClose` runs once
   * when the client goes away or the stream is ended.
   */
  open(kind: DpProxyKind, ref: ProxyRef, res: ServerResponse, config: AnyConfig, onClose: () => void): void;
  /** Sends `config` to the proxy's streams that do not have this version yet; returns lines written. */
  push(kind: DpProxyKind, ref: ProxyRef, config: AnyConfig): number;
  /** Ends every stream of a proxy (its resource is gone: it re-registers and reconnects). */
  end(kind: DpProxyKind, ref: ProxyRef): void;
  /** Ends every stream (shutdown). */
  endAll(): void;
}

/** Makes the registry of streams. */
export function createConfigStreams(options: { readonly pingIntervalMs: number }): ConfigStreams {
  const byProxy = new Map<string, Set<Stream>>();
  const key = (kind: DpProxyKind, ref: ProxyRef): string => `${kind}\u0000${ref.mesh}\u0000${ref.name}`;

  const write = (stream: Stream, line: string): void => {
    if (stream.res.writableNeedDrain) {
      stream.pending = line;
      return;
    }
    stream.res.write(line);
  };

  const send = (stream: Stream, config: AnyConfig): boolean => {
    if (stream.lastVersion === config.version) return false;
    stream.lastVersion = config.version;
    write(stream, `${JSON.stringify({ type: 'config', config })}\n`);
    return true;
  };

  return {
    open(kind, ref, res, config, onClose) {
      const id = key(kind, ref);
      res.writeHead(200, {
        'content-type': 'application/x-ndjson',
        'cache-control': 'no-cache',
        'x-accel-buffering': 'no',
      });
      res.flushHeaders();
      const ping = setInterval(() => write(stream, '{"type":"ping"}\n'), options.pingIntervalMs);
      ping.unref();
      const stream: Stream = { kind, id, res, lastVersion: '', pending: undefined, ping };
      let set = byProxy.get(id);
      if (set === undefined) {
        set = new Set();
        byProxy.set(id, set);
      }
      set.add(stream);
      res.on('drain', () => {
        const line = stream.pending;
        stream.pending = undefined;
        if (line !== undefined) stream.res.write(line);
      });
      res.once('close', () => {
        clearInterval(ping);
        const current = byProxy.get(id);
        current?.delete(stream);
        if (current?.size === 0) byProxy.delete(id);
        onClose();
      });
      send(stream, config);
    },
    push(kind, ref, config) {
      let written = 0;
      for (const stream of byProxy.get(key(kind, ref)) ?? []) if (send(stream, config)) written++;
      return written;
    },
    end(kind, ref) {
      for (const stream of byProxy.get(key(kind, ref)) ?? []) stream.res.end();
    },
    endAll() {
      for (const set of byProxy.values()) for (const stream of set) stream.res.end();
    },
  };
}
