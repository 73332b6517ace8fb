import type { Scenario } from "../scenario.js";
import { clearLargeScenario } from "./clear-large.js";
import { clusterFailoverScenario } from "./cluster-failover.js";
import { clusterNodeHalfOpenScenario } from "./cluster-node-half-open.js";
import { corruptValuesScenario } from "./corrupt-values.js";
import { demoBusSubscriberKilledScenario } from "./demo-bus-subscriber-killed.js";
import { demoKillRestartScenario } from "./demo-kill-restart.js";
import { demoProxyHalfOpenScenario } from "./demo-proxy-half-open.js";
import { demoSigstopScenario } from "./demo-sigstop.js";
import { eventLoopStallScenario } from "./event-loop-stall.js";
import { keyFloodScenario } from "./key-flood.js";
import { killRestartScenario } from "./kill-restart.js";
import { pauseScenario } from "./pause.js";
import { proxyFaultsScenario } from "./proxy-faults.js";
import { pubsubKillScenario } from "./pubsub-kill.js";
import { seedNodeKilledScenario } from "./seed-node-killed.js";
import { sentinelFailoverScenario } from "./sentinel-failover.js";
import { tombstoneEvictionScenario } from "./tombstone-eviction.js";

/** In the order they run and appear in the report. */
export const SCENARIOS: readonly Scenario[] = [
  killRestartScenario,
  pauseScenario,
  proxyFaultsScenario,
  pubsubKillScenario,
  clusterFailoverScenario,
  clusterNodeHalfOpenScenario,
  sentinelFailoverScenario,
  seedNodeKilledScenario,
  eventLoopStallScenario,
  tombstoneEvictionScenario,
  keyFloodScenario,
  corruptValuesScenario,
  clearLargeScenario,
  demoKillRestartScenario,
  demoSigstopScenario,
  demoProxyHalfOpenScenario,
  demoBusSubscriberKilledScenario,
];
