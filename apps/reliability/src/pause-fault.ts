/** The SIGSTOP fault of the in-process and the demo scenarios: paused for `ms`, then SIGCONT. */
import { sleep } from "./sleep.js";

/** A server that can be paused (SIGSTOP) and resumed (SIGCONT). */
export interface PausableServer {
  pause(): void;
  resume(): void;
}

/** The fault: pause `server` for `ms` (resumed even if the wait throws), then `faultEnded()`. */
export function pauseFault(
  server: PausableServer,
  ms: number,
): (faultEnded: () => void) => Promise<void> {
  return async (faultEnded) => {
    server.pause();
    try {
      await sleep(ms);
    } finally {
      server.resume();
    }
    faultEnded();
  };
}
