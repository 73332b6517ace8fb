/**
 * A loopback TCP proxy in front of a real Redis that can hold back one command: when a chunk
 * from the client contains the armed command name, that chunk (and everything after it) waits
 * until `release()`. Tests use it to slip a write in between two commands of the backend,
 * deterministically and without mocking Redis.
 */
import { once } from "node:events";
import { createConnection, createServer, type Server, type Socket } from "node:net";

/** A running proxy. */
export interface CommandHoldProxy {
  /** `redis://127.0.0.1:<port>` of the proxy. */
  readonly url: string;
  /** Hold the next client chunk that sends `command` (e.g. `"eval"`). */
  holdNext(command: string): void;
  /** Resolves once an armed command has been caught (rejects after `timeoutMs`). */
  held(timeoutMs?: number): Promise<void>;
  /** Forward what was held and stop holding. */
  release(): void;
  close(): Promise<void>;
}

/** Start a proxy to `target` (`host:port` of a Redis server). */
export async function startCommandHoldProxy(target: {
  host: string;
  port: number;
}): Promise<CommandHoldProxy> {
  let armed: string | undefined;
  let holding: { upstream: Socket; chunks: Buffer[] } | undefined;
  let onHeld: (() => void) | undefined;
  const sockets = new Set<Socket>();

  const server: Server = createServer((client) => {
    const upstream = createConnection(target);
    sockets.add(client);
    sockets.add(upstream);
    upstream.on("data", (chunk) => client.write(chunk));
    client.on("data", (chunk: Buffer) => {
      if (holding?.upstream === upstream) {
        holding.chunks.push(chunk);
        return;
      }
      if (
        armed !== undefined &&
        chunk.toString("latin1").toLowerCase().includes(`\r\n${armed}\r\n`)
      ) {
        armed = undefined;
        holding = { upstream, chunks: [chunk] };
        onHeld?.();
        return;
      }
      upstream.write(chunk);
    });
    const closeBoth = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on("close", closeBoth);
    upstream.on("close", closeBoth);
    client.on("error", closeBoth);
    upstream.on("error", closeBoth);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy has no port");

  return {
    url: `redis://127.0.0.1:${address.port}`,
    holdNext(command: string): void {
      armed = command.toLowerCase();
    },
    held(timeoutMs = 5000): Promise<void> {
      if (holding !== undefined) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no armed command was sent")), timeoutMs);
        onHeld = () => {
          clearTimeout(timer);
          onHeld = undefined;
          resolve();
        };
      });
    },
    release(): void {
      const current = holding;
      holding = undefined;
      if (current === undefined) return;
      for (const chunk of current.chunks) current.upstream.write(chunk);
    },
    async close(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
