/**
 * Closing a client we own: QUIT lets replies in flight arrive, but against a hung or
 * unreachable server it may never complete, so it gets a bounded wait and then the socket is
 * dropped with `disconnect()` (which also stops any reconnect timer).
 */
import type { IoredisClient } from "./ioredis-client.js";

/** QUIT and wait for "end" at most `waitMs`, then disconnect and wait once more. Never rejects. */
export async function closeClientWithin(client: IoredisClient, waitMs: number): Promise<void> {
  if (client.status === "end") return;
  let onEnd: () => void = noop;
  const ended = new Promise<void>((resolve) => {
    onEnd = resolve;
    client.once("end", onEnd);
  });
  try {
    if (client.status === "wait") {
      // Never connected (lazyConnect): QUIT would open a connection just to close it.
      client.disconnect();
    } else {
      // QUIT refused (not connected, no offline queue): nothing to flush, drop it now.
      client.quit().catch(() => client.disconnect());
    }
    if (await settlesWithin(ended, waitMs)) return;
    client.disconnect();
    // A client between reconnect attempts has no socket to close and emits no "end".
    await settlesWithin(ended, Math.min(waitMs, 200));
  } finally {
    client.off("end", onEnd);
  }
}

async function settlesWithin(promise: Promise<void>, waitMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    // Not unref()'d: a close in progress keeps the process alive (for at most `waitMs`), or a
    // script whose last act is `await backend.close()` exits (code 13) before it settles.
    timer = setTimeout(() => resolve(false), waitMs);
  });
  try {
    return await Promise.race([promise.then(() => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function noop(): void {}
