/**
 * A loopback TCP proxy in front of a Redis server that injects network faults a process signal
 * cannot: added latency, dropped connections, and half-open connections (the proxy keeps the
 * client's socket open and reads what it sends, but forwards nothing either way, as a dead
 * middlebox or a peer whose host vanished would). The tricky point is the half-open mode: the
 * client sees no close, no error and no backpressure, so only a deadline of its own (or a
 * liveness check) can notice that nothing answers, and it must replace the socket: one that
 * went half-open stays dead even once the proxy forwards again.
 */
import { once } from "node:events";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { ApiKeyCacheError } from "@apikey/core";

/** What the proxy does with traffic. */
export type TcpFaultMode =
  /** Forward both ways, after `latencyMs` if set. */
  | "forward"
  /** Close every open connection at once, and every new one as soon as it is accepted. */
  | "drop"
  /**
   * Keep connections open, swallow what the client sends, forward nothing. A connection that
   * was half-open stays so for good (a hung socket does not heal); connections accepted after
   * a switch back to `"forward"` work.
   */
  | "half-open";

/** A running proxy. */
export interface TcpFaultProxy {
  /** `redis://127.0.0.1:<port>` of the proxy. */
  readonly url: string;
  readonly port: number;
  /** The current mode. */
  readonly mode: TcpFaultMode;
  /** Connections accepted so far (a reconnect shows as one more). */
  readonly acceptedCount: number;
  /** Connections open now, client side. */
  readonly openCount: number;
  /**
   * Switch the mode; `"drop"` closes the open connections at once, `"half-open"` silences them
   * for good.
   */
  setMode(mode: TcpFaultMode): void;
  /** Delay added to every chunk, each way, while forwarding. 0 turns it off. */
  setLatency(latencyMs: number): void;
  /** Close every connection and stop listening. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link startTcpFaultProxy}. */
export interface StartTcpFaultProxyOptions {
  /** The Redis server behind the proxy (loopback). */
  target: { host: string; port: number };
  /** Port to listen on. @default a free loopback port */
  port?: number;
  /** @default 0 */
  latencyMs?: number;
}

interface ProxiedPair {
  readonly client: Socket;
  readonly upstream: Socket;
  /** Half-open for good: forwards nothing, never closed by the proxy. */
  silent: boolean;
}

/** Start a proxy listening on 127.0.0.1. */
export async function startTcpFaultProxy(
  options: StartTcpFaultProxyOptions,
): Promise<TcpFaultProxy> {
  const target = options.target;
  if (target.host !== "127.0.0.1" && target.host !== "localhost" && target.host !== "::1") {
    throw new ApiKeyCacheError(
      "E_CONFIG",
      `startTcpFaultProxy: the target must be a loopback address, got ${target.host}`,
    );
  }
  let mode: TcpFaultMode = "forward";
  let latencyMs = checkedLatency(options.latencyMs ?? 0);
  let accepted = 0;
  const pairs = new Set<ProxiedPair>();

  const relay = (pair: ProxiedPair, from: Socket, to: Socket): void => {
    from.on("data", (chunk: Buffer) => {
      if (pair.silent || mode !== "forward") return; // half-open: read and swallow
      if (latencyMs === 0) {
        to.write(chunk);
        return;
      }
      // Equal delays fire in creation order, so chunks stay in order.
      const timer = setTimeout(() => {
        if (!pair.silent && mode === "forward" && !to.destroyed) to.write(chunk);
      }, latencyMs);
      timer.unref();
    });
  };

  const server: Server = createServer((client) => {
    accepted++;
    if (mode === "drop") {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: target.host, port: target.port });
    const pair: ProxiedPair = { client, upstream, silent: mode === "half-open" };
    pairs.add(pair);
    relay(pair, client, upstream);
    relay(pair, upstream, client);
    const closeBoth = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    // A half-open link never tells the client its peer went away.
    const closeUnlessSilent = (): void => {
      if (!pair.silent) closeBoth();
    };
    upstream.on("close", closeUnlessSilent);
    upstream.on("error", closeUnlessSilent);
    client.on("close", closeBoth);
    client.on("error", closeBoth);
  });
  server.listen(options.port ?? 0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy has no port");
  const port = address.port;
  let closed = false;

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get mode() {
      return mode;
    },
    get acceptedCount() {
      return accepted;
    },
    get openCount() {
      return pairs.size;
    },
    setMode(next: TcpFaultMode): void {
      mode = next;
      if (next === "half-open") for (const pair of pairs) pair.silent = true;
      if (next === "drop") {
        for (const pair of [...pairs]) {
          pair.client.destroy();
          pair.upstream.destroy();
          pairs.delete(pair);
        }
      }
    },
    setLatency(next: number): void {
      latencyMs = checkedLatency(next);
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function checkedLatency(latencyMs: number): number {
  if (!Number.isFinite(latencyMs) || latencyMs < 0 || latencyMs > 60_000) {
    throw new ApiKeyCacheError(
      "E_CONFIG",
      `TcpFaultProxy latencyMs must be a number between 0 and 60000, got ${latencyMs}`,
    );
  }
  return latencyMs;
}
