/**
 * The bus's publisher over a client's command connection: PUBLISH goes through core's
 * `RedisCommandRunner`, like every backend command, so it follows what that connection
 * follows (a cluster client's slot map and failovers; PUBLISH works on any node of a cluster
 * and is propagated to all of them), waits for readiness within its deadline, is never sent
 * late, and fails with a typed error. An adapter needs no publisher code of its own.
 */
import { assertCommandTimeout } from "./redis-backend-options.js";
import type { RedisCommandConnection } from "./redis-command-connection.js";
import { RedisCommandRunner } from "./redis-command-runner.js";
import type { RedisPublishConnection } from "./redis-publish-connection.js";

/** A {@link RedisPublishConnection} on any {@link RedisCommandConnection}. */
export class RedisCommandPublishConnection implements RedisPublishConnection {
  readonly #connection: RedisCommandConnection;
  readonly #runner: RedisCommandRunner;

  /**
   * @param owner the name in error messages, e.g. `"IoredisInvalidationBus"`
   * @throws ApiKeyCacheError `E_CONFIG` unless `timeoutMs` is a positive number.
   */
  constructor(connection: RedisCommandConnection, timeoutMs: number, owner: string) {
    assertCommandTimeout(timeoutMs, owner);
    this.#connection = connection;
    this.#runner = new RedisCommandRunner(connection, timeoutMs, owner);
  }

  /** Start a lazy client; a connected one (or one its adapter connects) is left as it is. */
  connect(): void {
    this.#connection.requestConnect();
  }

  /** PUBLISH, routed by the channel on a cluster (any node would do). */
  publish(channel: string, payload: string): Promise<unknown> {
    return this.#runner.send(channel, ["PUBLISH", channel, payload], "PUBLISH");
  }

  /** Calls waiting for readiness reject `E_CLOSED`; an owned client is closed. */
  close(owned: boolean, timeoutMs: number): Promise<void> {
    this.#runner.close();
    return this.#connection.close(owned, timeoutMs);
  }
}
