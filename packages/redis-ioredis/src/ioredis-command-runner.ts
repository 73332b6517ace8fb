/**
 * Used by the invalidation bus (the backend runs on core's engine through `ioredis-connection`).
 * Runs ioredis commands under a client-independent deadline (core's `DeadlineQueue`) and turns
 * every failure into `ApiKeyCacheError` `E_BACKEND_UNAVAILABLE`. The tricky point is the first
 * connection: owned clients run without an offline queue (a queued command could land long
 * after its caller gave up), so a call made while the client is not ready waits for "ready"
 * inside its own deadline, and is never sent at all if that deadline has already passed.
 */
import { ApiKeyCacheError } from "@apikey/core";
import { assertCommandTimeout, DeadlineQueue } from "@apikey/core/redis";
import type { IoredisClient } from "./ioredis-client.js";

/** Thrown by the deadline queue; mapped to a message naming the command and connection state. */
class CallDeadlineError extends Error {}

/** Runs commands on one client with one deadline. */
export class IoredisCommandRunner {
  readonly timeoutMs: number;
  readonly #client: IoredisClient;
  readonly #owner: string;
  readonly #deadlines: DeadlineQueue;
  /** One error mapper per command name, made once: no closure per call on the hot path. */
  readonly #errorMappers = new Map<string, (error: unknown) => ApiKeyCacheError>();
  #readyWaiter: Promise<void> | undefined;
  #detachReadyWaiter: (() => void) | undefined;

  /**
   * @param client the client every command goes to (cluster node clients are reached through
   * `send`, but readiness is always the one of this client)
   * @param owner the name used in error messages, e.g. `"IoredisApiKeyCacheBackend"`
   * @throws ApiKeyCacheError `E_CONFIG` unless `timeoutMs` is a positive finite number.
   */
  constructor(client: IoredisClient, timeoutMs: number, owner: string) {
    assertCommandTimeout(timeoutMs, owner);
    this.#client = client;
    this.#owner = owner;
    this.timeoutMs = timeoutMs;
    this.#deadlines = new DeadlineQueue(timeoutMs, () => new CallDeadlineError());
  }

  /**
   * Send a command (`send` is called at most once, and only while the client is ready) and
   * settle within `timeoutMs`.
   * @throws ApiKeyCacheError `E_BACKEND_UNAVAILABLE` on any client error or on the deadline.
   */
  run<T>(command: string, send: () => Promise<T>): Promise<T> {
    const work =
      this.#client.status === "ready"
        ? sendSafely(send)
        : this.#sendWhenReady(send, performance.now());
    return this.#deadlines.run(work, this.#errorMapper(command));
  }

  #errorMapper(command: string): (error: unknown) => ApiKeyCacheError {
    let mapper = this.#errorMappers.get(command);
    if (mapper === undefined) {
      mapper = (error) => this.#toUnavailable(command, error);
      this.#errorMappers.set(command, mapper);
    }
    return mapper;
  }

  /** Stop waiting for "ready": calls still waiting reject with `E_CLOSED`. */
  dispose(): void {
    this.#detachReadyWaiter?.();
  }

  async #sendWhenReady<T>(send: () => Promise<T>, startedAt: number): Promise<T> {
    await this.#whenReady();
    // The caller has already been told "unavailable": sending now could land a stale write.
    if (performance.now() - startedAt >= this.timeoutMs) throw new CallDeadlineError();
    return send();
  }

  #whenReady(): Promise<void> {
    const client = this.#client;
    if (client.status === "ready") return Promise.resolve();
    if (client.status === "end") {
      return Promise.reject(
        new Error("the ioredis client is closed (status end) and will not reconnect"),
      );
    }
    if (this.#readyWaiter !== undefined) return this.#readyWaiter;
    // A caller's client built with lazyConnect waits for a first command that, without an
    // offline queue, would fail at once: start its connection instead.
    if (client.status === "wait") client.connect().catch(() => {});
    this.#readyWaiter = new Promise<void>((resolve, reject) => {
      const onReady = (): void => {
        detach();
        resolve();
      };
      const onEnd = (): void => {
        detach();
        reject(new Error("the ioredis client closed before it became ready"));
      };
      const detach = (): void => {
        client.off("ready", onReady);
        client.off("end", onEnd);
        this.#readyWaiter = undefined;
        this.#detachReadyWaiter = undefined;
      };
      this.#detachReadyWaiter = () => {
        detach();
        reject(new ApiKeyCacheError("E_CLOSED", `${this.#owner} was closed`));
      };
      client.on("ready", onReady);
      client.on("end", onEnd);
    });
    return this.#readyWaiter;
  }

  #toUnavailable(command: string, error: unknown): ApiKeyCacheError {
    if (error instanceof ApiKeyCacheError) return error;
    if (error instanceof CallDeadlineError) {
      return new ApiKeyCacheError(
        "E_BACKEND_UNAVAILABLE",
        `${this.#owner}: Redis ${command} got no answer within ${this.timeoutMs} ms (connection ${this.#client.status}); is Redis reachable?`,
        { cause: error },
      );
    }
    const reason = error instanceof Error ? error.message : String(error);
    return new ApiKeyCacheError(
      "E_BACKEND_UNAVAILABLE",
      `${this.#owner}: Redis ${command} failed: ${reason}`,
      { cause: error },
    );
  }
}

function sendSafely<T>(send: () => Promise<T>): Promise<T> {
  try {
    return send();
  } catch (error) {
    return Promise.reject(error);
  }
}
