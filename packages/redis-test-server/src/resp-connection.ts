/**
 * One raw RESP connection to a Redis server, for tests that must inspect or poke a server
 * without a client library. Every connect and command has a deadline; a command that misses
 * it destroys the connection, because the replies after it could no longer be matched.
 */
import { connect, type Socket } from "node:net";
import { type ConnectionOptions, connect as connectTls } from "node:tls";
import {
  encodeRespCommand,
  RedisReplyError,
  type RespArgument,
  RespParser,
  type RespReply,
} from "./resp-codec.js";

/** Where a server listens. */
export interface RedisEndpoint {
  readonly host: string;
  readonly port: number;
  /** Connect with TLS, with these options (a server that speaks only TLS). @default plain TCP */
  readonly tls?: ConnectionOptions | undefined;
}

/** A `redis://[user:password@]host:port[/db]` URL or an endpoint. */
export type RedisTarget = string | RedisEndpoint;

/** Options of {@link RespConnection.open} and {@link redisCommand}. */
export interface RespConnectionOptions {
  /** Deadline of the connect and of each command, in milliseconds. @default 2000 */
  timeoutMs?: number;
  /**
   * TLS options (CA, client certificate...): connect with TLS. Needed for a `rediss://` URL;
   * an endpoint's own `tls` is used when this is not given. @default plain TCP
   */
  tls?: ConnectionOptions;
}

interface PendingReply {
  readonly resolve: (reply: RespReply) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

interface ParsedTarget extends RedisEndpoint {
  readonly username?: string;
  readonly password?: string;
  readonly db?: number;
}

const DEFAULT_TIMEOUT_MS = 2_000;

function parseTarget(target: RedisTarget, tls: ConnectionOptions | undefined): ParsedTarget {
  if (typeof target !== "string") {
    const endpointTls = tls ?? target.tls;
    return { host: target.host, port: target.port, ...(endpointTls ? { tls: endpointTls } : {}) };
  }
  const url = new URL(target);
  if (url.protocol === "rediss:" && tls === undefined) {
    throw new Error(
      "A rediss:// URL needs the tls option of the raw RESP helper (its CA at least)",
    );
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new Error(
      `Only redis:// and rediss:// URLs are supported by the raw RESP helper, got ${target}`,
    );
  }
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : undefined;
  return {
    host: url.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1",
    port: url.port === "" ? 6379 : Number(url.port),
    ...(url.username === "" ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.password === "" ? {} : { password: decodeURIComponent(url.password) }),
    ...(db === undefined || !Number.isInteger(db) ? {} : { db }),
    ...(url.protocol === "rediss:" ? { tls } : {}),
  };
}

/** A raw RESP2 connection: commands are pipelined and answered in order. */
export class RespConnection {
  readonly #socket: Socket;
  readonly #timeoutMs: number;
  readonly #parser = new RespParser();
  readonly #pending: PendingReply[] = [];
  readonly #pushListeners = new Set<(reply: RespReply) => void>();
  readonly #closeListeners = new Set<(error: Error) => void>();
  readonly #localAddress: string;
  #failure: Error | undefined;

  private constructor(socket: Socket, timeoutMs: number) {
    this.#socket = socket;
    this.#timeoutMs = timeoutMs;
    // Read now: a destroyed socket no longer reports it.
    this.#localAddress = `${socket.localAddress}:${socket.localPort}`;
    socket.on("data", (chunk: Buffer) => {
      let replies: RespReply[];
      try {
        replies = this.#parser.push(chunk);
      } catch (error) {
        this.#fail(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      for (const reply of replies) this.#dispatch(reply);
    });
    socket.on("error", (error) => this.#fail(error));
    socket.on("close", () => this.#fail(new Error("The Redis connection closed.")));
  }

  /** Connect (authenticating and selecting the database a URL names), within the deadline. */
  static async open(
    target: RedisTarget,
    options: RespConnectionOptions = {},
  ): Promise<RespConnection> {
    const parsed = parseTarget(target, options.tls);
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const tls = parsed.tls;
      const socket: Socket =
        tls === undefined
          ? connect({ host: parsed.host, port: parsed.port })
          : connectTls({ ...tls, host: parsed.host, port: parsed.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new Error(
            `Connecting to Redis at ${parsed.host}:${parsed.port} took over ${timeoutMs} ms.`,
          ),
        );
      }, timeoutMs);
      socket.once(tls === undefined ? "connect" : "secureConnect", () => {
        clearTimeout(timer);
        socket.removeAllListeners("error");
        resolve(socket);
      });
      socket.once("error", (error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      });
    });
    socket.setNoDelay(true);
    const connection = new RespConnection(socket, timeoutMs);
    try {
      if (parsed.password !== undefined) {
        await connection.command(
          parsed.username === undefined
            ? ["AUTH", parsed.password]
            : ["AUTH", parsed.username, parsed.password],
        );
      }
      if (parsed.db !== undefined) await connection.command(["SELECT", parsed.db]);
    } catch (error) {
      connection.close();
      throw error;
    }
    return connection;
  }

  /**
   * Send one command; resolves to its reply, rejects with a {@link RedisReplyError} for an
   * error reply, or with a timeout error (closing the connection) after the deadline.
   */
  command(args: readonly RespArgument[], options: RespConnectionOptions = {}): Promise<RespReply> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    return new Promise<RespReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#fail(new Error(`Redis did not answer ${String(args[0])} within ${timeoutMs} ms.`));
      }, timeoutMs);
      this.#pending.push({ resolve, reject, timer });
      this.#socket.write(encodeRespCommand(args));
    });
  }

  /** Listen to replies no command is waiting for (pub/sub messages after SUBSCRIBE). */
  onPush(listener: (reply: RespReply) => void): () => void {
    this.#pushListeners.add(listener);
    return () => this.#pushListeners.delete(listener);
  }

  /** Called once when the connection fails or is closed, with the reason. */
  onClose(listener: (error: Error) => void): () => void {
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  /**
   * This end's `host:port`, as the server's `CLIENT LIST` shows it in `addr` (to kill exactly
   * this connection with `killRedisClients`).
   */
  get localAddress(): string {
    return this.#localAddress;
  }

  /** True once the connection failed or was closed. */
  get closed(): boolean {
    return this.#failure !== undefined;
  }

  /** Close the connection; pending commands reject. Idempotent. */
  close(): void {
    this.#fail(new Error("The Redis connection was closed by the test."));
  }

  #dispatch(reply: RespReply): void {
    const pending = this.#pending.shift();
    if (pending === undefined) {
      for (const listener of this.#pushListeners) listener(reply);
      return;
    }
    clearTimeout(pending.timer);
    if (reply instanceof RedisReplyError) pending.reject(reply);
    else pending.resolve(reply);
  }

  #fail(error: Error): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    this.#socket.destroy();
    for (const pending of this.#pending.splice(0)) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    for (const listener of this.#closeListeners) listener(error);
  }
}

/**
 * Run one command on a fresh connection and close it: `await redisCommand(server.url, "PING")`.
 * The connect and the command each have a 2 s deadline.
 */
export async function redisCommand(
  target: RedisTarget,
  ...args: RespArgument[]
): Promise<RespReply> {
  return redisCommandWithOptions(target, args, {});
}

/** {@link redisCommand} with options: `redisCommandWithOptions(url, ["PING"], { timeoutMs: 300 })`. */
export async function redisCommandWithOptions(
  target: RedisTarget,
  args: readonly RespArgument[],
  options: RespConnectionOptions,
): Promise<RespReply> {
  const connection = await RespConnection.open(target, options);
  try {
    return await connection.command(args);
  } finally {
    connection.close();
  }
}
