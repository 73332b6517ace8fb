/**
 * Every demo worker's Redis connections half-open: the demos' `REDIS_URL` is the loopback fault
 * proxy of the in-process proxy scenario (`startTcpFaultProxy`), which for half the fault time (as in-process) keeps
 * every connection up and forwards nothing, then forwards again for new connections while the
 * hung ones stay silent until the engine replaces them. The tiered demo's subscriber is among
 * them: afterwards a revoke through one worker must still reach every worker.
 */
import { startRedisServer, startTcpFaultProxy } from "@apikey/redis-test-server";
import { DEMO_VARIANTS, runDemoFault } from "../demo-fault-run.js";
import {
  type DemoRevocationOutcome,
  demoRevocationCheck,
  describeDemoRevocations,
  probeDemoRevocation,
} from "../demo-revocation-probe.js";
import type { Scenario } from "../scenario.js";
import { sleep } from "../sleep.js";

export const demoProxyHalfOpenScenario: Scenario = {
  name: "demo-http-proxy-half-open",
  description:
    "through the demo over HTTP (several workers), REDIS_URL at the loopback TCP proxy: every connection half-open for half the fault time (nothing forwarded, nothing closed, as in-process), then healthy for new connections",
  async run(profile) {
    const server = await startRedisServer();
    const proxy = await startTcpFaultProxy({ target: { host: server.host, port: server.port } });
    try {
      let acceptedBeforeHalfOpen = 0;
      const probes: DemoRevocationOutcome[] = [];
      const { rows, note } = await runDemoFault({
        profile,
        tag: "proxy",
        redisUrl: proxy.url,
        variants: DEMO_VARIANTS,
        spareKeys: 1,
        fault: async (faultEnded, demos) => {
          acceptedBeforeHalfOpen = proxy.acceptedCount;
          proxy.setMode("half-open");
          await sleep(profile.faultMs / 2);
          proxy.setMode("forward");
          faultEnded();
          const tiered = demos.filter((demo) => demo.variant.backend === "tiered");
          for (const demo of tiered) {
            const key = demo.spareKeys[0];
            if (key !== undefined) probes.push(await probeDemoRevocation(demo, key));
          }
        },
      });
      const reconnects = proxy.acceptedCount - acceptedBeforeHalfOpen;
      const label = probes[0]?.label ?? "tiered demo";
      return {
        rows,
        checks: [demoRevocationCheck(label, probes)],
        notes: [
          `half-open for ${profile.faultMs / 2} ms; recovery timed from the end of half-open, when new connections work but the hung ones stay silent until replaced; after it, one revoke through one worker of the tiered demo, once its L1 is on in every worker again`,
          `connections opened after the half-open phase began (replacements of hung sockets, bus connections included): ${reconnects}`,
          describeDemoRevocations(probes),
          note,
        ],
      };
    } finally {
      await proxy.close();
      await server.stop();
    }
  },
};
