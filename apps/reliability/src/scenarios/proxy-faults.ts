/**
 * Redis behind the loopback fault proxy: added latency (past the resolver's read deadline),
 * then every connection dropped, then every connection half-open (kept up, nothing answered:
 * the hung-socket case, which the engine must notice under this steady traffic), then back.
 */
import { startRedisServer, startTcpFaultProxy } from "@apikey/redis-test-server";
import { runWithFault, type Scenario } from "../scenario.js";
import { sleep } from "../sleep.js";
import { REDIS_KINDS } from "../subjects.js";

const LATENCY_MS = 150;

export const proxyFaultsScenario: Scenario = {
  name: "proxy-latency-drop-half-open",
  description: `through a TCP proxy: +${LATENCY_MS} ms each way, then connections dropped, then half-open (nothing forwarded, nothing closed), then healthy`,
  async run(profile) {
    const server = await startRedisServer();
    const proxy = await startTcpFaultProxy({ target: { host: server.host, port: server.port } });
    try {
      let acceptedBeforeHalfOpen = 0;
      const rows = await runWithFault({
        profile,
        kinds: REDIS_KINDS,
        redisUrl: proxy.url,
        tag: "proxy",
        fault: async (faultEnded) => {
          proxy.setLatency(LATENCY_MS);
          await sleep(profile.faultMs);
          proxy.setLatency(0);
          proxy.setMode("drop");
          await sleep(profile.faultMs / 2);
          proxy.setMode("forward");
          await sleep(profile.faultMs / 2);
          acceptedBeforeHalfOpen = proxy.acceptedCount;
          proxy.setMode("half-open");
          await sleep(profile.faultMs / 2);
          // New connections work again; the half-open ones stay silent until replaced.
          proxy.setMode("forward");
          faultEnded();
        },
      });
      const reconnects = proxy.acceptedCount - acceptedBeforeHalfOpen;
      return {
        rows,
        checks: [],
        notes: [
          `each phase ${profile.faultMs} ms (drop and half-open ${profile.faultMs / 2} ms); recovery timed from the end of half-open, when new connections work but the hung ones stay silent`,
          `connections opened after the half-open phase began (replacements of hung sockets, bus connections included): ${reconnects}`,
        ],
      };
    } finally {
      await proxy.close();
      await server.stop();
    }
  },
};
