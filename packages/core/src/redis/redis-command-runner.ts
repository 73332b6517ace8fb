/**
 * Every command of the engine goes through here: a deadline on each call (core's
 * `DeadlineQueue`, one timer for all), a wait for readiness inside that deadline, and the
 * mapping of failures to `ApiKeyCacheError`. The tricky points: a call that waited for the
 * connection is never sent once its deadline has passed (its caller was told "unavailable", a
 * late SET or UNLINK would land a write the caller believes failed); and an authentication
 * failure is told apart from an outage: calls fail at once with the server's reply as `cause`
 * instead of waiting out their deadline for a connection that cannot come. A command that got
 * no reply on a ready connection starts the unresponsive-socket watch, which has the adapter
 * replace a socket that stays silent (see `unresponsive-socket-watch.ts`).
 */
import { ApiKeyCacheError } from "../errors.js";
import { type DeadlineCall, DeadlineQueue } from "./deadline-queue.js";
import { ReadinessGate } from "./readiness-gate.js";
import type { RedisCommandConnection } from "./redis-command-connection.js";
import { errorMessage, isAuthError, safeCause } from "./redis-errors.js";
import { defaultProbeTimeoutMs, UnresponsiveSocketWatch } from "./unresponsive-socket-watch.js";

/** The deadline passed: mapped to a message naming the command and the connection state. */
class CallDeadlineError extends Error {
  override readonly name = "CallDeadlineError";
}

/** Options of {@link RedisCommandRunner}. */
export interface RedisCommandRunnerOptions {
  /**
   * After a command on the ready connection missed its deadline, how long a PING sent then
   * may go unanswered before the adapter is asked to replace the socket
   * (`RedisCommandConnection.replaceUnresponsiveSocket`). @default max(100, timeoutMs / 2)
   */
  unresponsiveProbeTimeoutMs?: number;
}

/** Sends commands on one connection, each within `timeoutMs`. */
export class RedisCommandRunner {
  readonly timeoutMs: number;
  readonly #connection: RedisCommandConnection;
  readonly #owner: string;
  readonly #deadlines: DeadlineQueue;
  readonly #gate = new ReadinessGate();
  readonly #watch: UnresponsiveSocketWatch;
  readonly #unlisten: () => void;
  /** One error mapper per command name, made once: no closure per call on the hot path. */
  readonly #errorMappers = new Map<string, (error: unknown) => ApiKeyCacheError>();
  /** The last error the connection reported since it was last ready. */
  #lastError: unknown;
  #closed = false;

  /** @param owner the name in error messages, e.g. `"IoredisApiKeyCacheBackend"` */
  constructor(
    connection: RedisCommandConnection,
    timeoutMs: number,
    owner: string,
    options: RedisCommandRunnerOptions = {},
  ) {
    this.#connection = connection;
    this.#owner = owner;
    this.timeoutMs = timeoutMs;
    this.#watch = new UnresponsiveSocketWatch(
      connection,
      options.unresponsiveProbeTimeoutMs ?? defaultProbeTimeoutMs(timeoutMs),
    );
    this.#deadlines = new DeadlineQueue(timeoutMs, () => new CallDeadlineError());
    this.#unlisten = connection.listen({
      ready: () => {
        this.#lastError = undefined;
        this.#watch.connectionReady();
        this.#gate.open();
      },
      lost: (error) => {
        if (error === undefined) return;
        this.#lastError = error;
        // No point waiting out the deadline: the next attempt will be refused the same way.
        if (isAuthError(error)) this.#gate.rejectWaiting(this.#authFailure(error));
      },
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** How many times a socket that answered nothing was replaced (diagnostics and tests). */
  get unresponsiveSocketsReplaced(): number {
    return this.#watch.replacedCount;
  }

  /** Send `argv` within the deadline. @throws ApiKeyCacheError on any failure. */
  send(routingKey: string, argv: string[], command: string): Promise<unknown> {
    return this.#deadlines.run(this.start(routingKey, argv), this.#errorMapper(command));
  }

  /**
   * Send `argv` once the connection is ready, without a deadline of its own: for commands
   * written together and bounded as one by {@link bound} (GET + PTTL).
   */
  start(routingKey: string, argv: string[]): Promise<unknown> {
    const connection = this.#connection;
    if (connection.isReady) return sendSafely(connection, routingKey, argv);
    return this.whenReady().then(() => connection.send(routingKey, argv));
  }

  /**
   * A call within the deadline that the caller settles itself (a batched read): its failure is
   * mapped like the one of {@link send}.
   */
  open<T>(command: string): DeadlineCall<T> {
    return this.#deadlines.open(this.#errorMapper(command));
  }

  /** Bound `work` by the deadline and map its failure. */
  bound<T>(work: Promise<T>, command: string): Promise<T> {
    return this.#deadlines.run(work, this.#errorMapper(command));
  }

  /**
   * Resolve once the connection is ready, within one deadline; a wait that ends after the
   * deadline rejects (the caller has moved on). Not bounded itself: use inside {@link bound}.
   */
  whenReady(): Promise<void> {
    if (this.#connection.isReady) return Promise.resolve();
    if (this.#closed) return Promise.reject(this.#closedError());
    if (isAuthError(this.#lastError)) return Promise.reject(this.#authFailure(this.#lastError));
    this.#connection.requestConnect();
    const startedAt = performance.now();
    return this.#gate.wait(this.timeoutMs).then(() => {
      if (performance.now() - startedAt >= this.timeoutMs) throw new CallDeadlineError();
    });
  }

  /** Stop: calls waiting for readiness, and later calls, reject `E_CLOSED`. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unlisten();
    this.#gate.fail(this.#closedError());
  }

  #errorMapper(command: string): (error: unknown) => ApiKeyCacheError {
    let mapper = this.#errorMappers.get(command);
    if (mapper === undefined) {
      mapper = (error) => this.#toCacheError(command, error);
      this.#errorMappers.set(command, mapper);
    }
    return mapper;
  }

  #toCacheError(command: string, error: unknown): ApiKeyCacheError {
    if (error instanceof ApiKeyCacheError) return error;
    if (this.#closed) {
      return new ApiKeyCacheError("E_CLOSED", `${this.#owner} was closed during ${command}`, {
        cause: safeCause(error),
      });
    }
    if (isAuthError(error)) return this.#authFailure(error);
    if (!(error instanceof CallDeadlineError)) {
      const cause = safeCause(error);
      return new ApiKeyCacheError(
        "E_BACKEND_UNAVAILABLE",
        `${this.#owner}: Redis ${command} failed: ${cause.message}`,
        { cause },
      );
    }
    if (this.#connection.isReady) {
      this.#watch.replyMissed();
      return new ApiKeyCacheError(
        "E_BACKEND_UNAVAILABLE",
        `${this.#owner}: Redis ${command} got no answer within ${this.timeoutMs} ms; is Redis reachable?`,
        { cause: error },
      );
    }
    const last = this.#lastError;
    if (isAuthError(last)) return this.#authFailure(last);
    const reason = last === undefined ? "" : ` (last connection error: ${safeCause(last).message})`;
    return new ApiKeyCacheError(
      "E_BACKEND_UNAVAILABLE",
      `${this.#owner}: Redis is not connected (waited ${this.timeoutMs} ms for ${command})${reason}; is Redis reachable?`,
      { cause: last === undefined ? error : safeCause(last) },
    );
  }

  #authFailure(error: unknown): ApiKeyCacheError {
    const cause = safeCause(error);
    return new ApiKeyCacheError(
      "E_BACKEND_UNAVAILABLE",
      `${this.#owner}: Redis authentication failed (${errorMessage(cause)}); check the username and password of the URL or client`,
      { cause },
    );
  }

  #closedError(): ApiKeyCacheError {
    return new ApiKeyCacheError("E_CLOSED", `${this.#owner} is closed`);
  }
}

function sendSafely(
  connection: RedisCommandConnection,
  routingKey: string,
  argv: string[],
): Promise<unknown> {
  try {
    return connection.send(routingKey, argv);
  } catch (error) {
    return Promise.reject(error);
  }
}
