/**
 * Runs the batched-read scripts (`redis-read-script`) on one connection: `EVALSHA_RO` with the
 * flagged form, so a read is never held back like a write (`CLIENT PAUSE WRITE`, `maxmemory`);
 * on NOSCRIPT (a restart, `SCRIPT FLUSH`, a new node) `EVAL_RO` sends and caches it. The
 * tricky point is a server without the `_RO` commands (Redis 6, or renamed away with
 * `rename-command`): it answers "ERR unknown command"; from then on this sender uses
 * `EVALSHA` / `EVAL` with the plain form (no shebang, which Redis 6 cannot parse), and
 * remembers it, so the detection costs one failed command per connection, once.
 */
import type { RedisCommandRunner } from "./redis-command-runner.js";
import { isNoScriptError, isUnknownCommandError, type ReadScript } from "./redis-read-script.js";

/** Sends read scripts, falling back from `EVALSHA_RO` to `EVALSHA` once the server refuses it. */
export class RedisReadScriptSender {
  /** False once the server said it does not know `EVALSHA_RO` (or `EVAL_RO`). */
  #readOnlyCommands = true;

  /** Whether the `_RO` commands are still in use (false after the fallback; for tests). */
  get usesReadOnlyCommands(): boolean {
    return this.#readOnlyCommands;
  }

  /**
   * Run `script` with `args` (`numkeys`, the keys, then any `ARGV`), routed by `routingKey`.
   * Rejects with the server's or client's error; the caller bounds it by its deadline.
   */
  send(
    runner: RedisCommandRunner,
    script: ReadScript,
    routingKey: string,
    args: string[],
  ): Promise<unknown> {
    if (!this.#readOnlyCommands) return sendPlain(runner, script, routingKey, args);
    return runner
      .start(routingKey, ["EVALSHA_RO", script.flaggedSha, ...args])
      .catch((error: unknown) => {
        if (isNoScriptError(error)) {
          return runner.start(routingKey, ["EVAL_RO", script.flagged, ...args]);
        }
        throw error;
      })
      .catch((error: unknown) => {
        if (
          !isUnknownCommandError(error, "EVALSHA_RO") &&
          !isUnknownCommandError(error, "EVAL_RO")
        ) {
          throw error;
        }
        this.#readOnlyCommands = false;
        return sendPlain(runner, script, routingKey, args);
      });
  }
}

function sendPlain(
  runner: RedisCommandRunner,
  script: ReadScript,
  routingKey: string,
  args: string[],
): Promise<unknown> {
  return runner.start(routingKey, ["EVALSHA", script.plainSha, ...args]).catch((error: unknown) => {
    if (!isNoScriptError(error)) throw error;
    return runner.start(routingKey, ["EVAL", script.plain, ...args]);
  });
}
