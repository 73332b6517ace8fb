/**
 * One Redis Cluster master hung under steady traffic: 3 masters, no replicas, the backends
 * built from the seed with `cluster: true`; master 2 announces the port of a loopback fault
 * proxy in front of it (`announcePort`), so clients reach it only through the proxy while the
 * cluster bus stays direct (the cluster sees no fault and fails nothing over). Mid-run the
 * proxy adds latency (the master slow but live), then goes half-open for the fault time
 * (nothing forwarded, nothing closed: the sockets stay up and silent), then healthy again.
 * The engine's unresponsive-socket watch must replace the hung master's sockets under this
 * traffic (a socket opened while the proxy was half-open is silent too, and needs replacing
 * again once it is healthy); the other masters must keep answering throughout. Recovery is
 * timed from the proxy being healthy, by the probe writing a key on the hung master's slots.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { ioredisDriver } from "@apikey/redis-ioredis";
import {
  listRedisClients,
  type RedisClusterNode,
  startRedisCluster,
  startTcpFaultProxy,
  type TcpFaultProxy,
} from "@apikey/redis-test-server";
import {
  BUS_DROP_BOUND_MS,
  type BusDeliveryResult,
  probeBusDelivery,
} from "../bus-delivery-probe.js";
import { CLUSTER_MASTERS, probeKeyOnMaster } from "../cluster-topology.js";
import { findLostTombstones, type LostTombstones } from "../lost-tombstones.js";
import { type Check, runWithFault, type Scenario } from "../scenario.js";
import { sleep } from "../sleep.js";
import { REDIS_KINDS } from "../subjects.js";
import type { TrafficRun } from "../traffic.js";
import { startWriteProbe, type WriteProbeResult } from "../write-probe.js";

/** The hung master (not the seed, which the backends' URL names directly). */
const VICTIM = 1;
/** A master left alone: the seed. */
const BYSTANDER = 0;
const LATENCY_MS = 150;
const BUS_PROBES = 5;
const RECOVERY_POLL_MS = 25;
const RECOVERY_WAIT_POLLS = 400;
const DIRECT_CHECK_ATTEMPTS = 10;
interface SubjectFindings {
  readonly run: TrafficRun;
  bystander?: WriteProbeResult;
  bus?: BusDeliveryResult;
  tombstones?: LostTombstones;
}

/**
 * Connections the hung master has that do not come through the proxy (its own `CLIENT LIST`
 * against the proxy's open connections; retried, bounded, as connections come and go).
 */
async function directConnections(victim: RedisClusterNode, proxy: TcpFaultProxy): Promise<number> {
  let direct = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < DIRECT_CHECK_ATTEMPTS && direct > 0; attempt++) {
    const clients = (await listRedisClients(victim)).filter(
      (client) => client.cmd !== "client|list",
    );
    direct = Math.max(0, clients.length - proxy.openCount);
    if (direct > 0) await sleep(50);
  }
  return direct;
}

export const clusterNodeHalfOpenScenario: Scenario = {
  name: "cluster-node-half-open",
  description: `Redis Cluster of ${CLUSTER_MASTERS} masters, backends built from the seed with cluster: true; master ${VICTIM + 1} reached only through a TCP proxy (announced port; the cluster bus direct): +${LATENCY_MS} ms each way, then half-open (nothing forwarded, nothing closed), then healthy`,
  async run(profile) {
    const cluster = await startRedisCluster({ masters: CLUSTER_MASTERS });
    let proxy: TcpFaultProxy | undefined;
    try {
      const victim = cluster.nodes[VICTIM];
      if (victim === undefined) throw new Error(`no master ${VICTIM} in the cluster`);
      const hung = await startTcpFaultProxy({ target: { host: victim.host, port: victim.port } });
      proxy = hung;
      await cluster.announcePort(victim, hung.port);
      const findings: SubjectFindings[] = [];
      const accepted = { latency: 0, halfOpen: 0, afterHealthy: 0 };
      let openBeforeFault = 0;
      let direct = Number.NaN;
      let healthyAt = 0;
      let acceptedAtHealthy = 0;
      const latencyMs = profile.faultMs / 2;
      // A stall of this process (a loaded machine) shows in every latency; it is reported beside them.
      const loopDelay = monitorEventLoopDelay({ resolution: 10 });
      loopDelay.enable();
      const rows = await runWithFault({
        profile,
        kinds: REDIS_KINDS,
        redisUrl: cluster.seedUrl,
        cluster: true,
        tag: "cluster-half-open",
        probeKeyFor: probeKeyOnMaster(VICTIM),
        fault: async (faultEnded, runs) => {
          for (const run of runs) findings.push({ run });
          openBeforeFault = hung.openCount;
          direct = await directConnections(victim, hung);
          const bystanders = runs.map((run) => {
            const backend = run.subject.instances[1]?.backend;
            if (backend === undefined) throw new Error(`${run.subject.kind} has no instance B`);
            return startWriteProbe(backend, probeKeyOnMaster(BYSTANDER)(run.subject.keyPrefix));
          });
          let mark = hung.acceptedCount;
          hung.setLatency(LATENCY_MS);
          await sleep(latencyMs);
          accepted.latency = hung.acceptedCount - mark;
          mark = hung.acceptedCount;
          hung.setLatency(0);
          hung.setMode("half-open");
          await sleep(profile.faultMs);
          accepted.halfOpen = hung.acceptedCount - mark;
          // New connections work again; the ones opened so far stay silent until replaced.
          hung.setMode("forward");
          healthyAt = performance.now();
          acceptedAtHealthy = hung.acceptedCount;
          faultEnded();
          const bystanderResults = await Promise.all(bystanders.map((probe) => probe.stop()));
          bystanderResults.forEach((result, index) => {
            const finding = findings[index];
            if (finding !== undefined) finding.bystander = result;
          });
          await Promise.all(
            findings.map(async (finding) => {
              if (!finding.run.subject.kind.startsWith("tiered")) return;
              for (let i = 0; i < RECOVERY_WAIT_POLLS && !finding.run.hasRecovered(); i++) {
                await sleep(RECOVERY_POLL_MS);
              }
              const subject = finding.run.subject;
              finding.bus = await probeBusDelivery(
                subject,
                subject.database,
                healthyAt,
                BUS_PROBES,
              );
            }),
          );
        },
      });
      loopDelay.disable();
      accepted.afterHealthy = hung.acceptedCount - acceptedAtHealthy;
      for (const finding of findings) {
        finding.tombstones = await findLostTombstones({
          redisUrl: cluster.seedUrl,
          cluster: true,
          keyPrefix: finding.run.subject.keyPrefix,
          driver: ioredisDriver,
          revokes: finding.run.revokeReturnTimes(),
          // Nothing failed over: every acknowledged tombstone must be there.
          killedAt: Number.NEGATIVE_INFINITY,
        });
      }
      const checks: Check[] = [
        {
          label: `the hung master is reached only through the proxy`,
          passed: openBeforeFault > 0 && direct === 0,
          detail: `${openBeforeFault} connections through the proxy before the fault, ${direct} direct`,
        },
        {
          label: `no connection to the hung master replaced while it was only slow (+${LATENCY_MS} ms each way, under the 1000 ms command deadline)`,
          passed: accepted.latency === 0,
          detail: `${accepted.latency} connections opened during the latency phase`,
        },
        {
          label: "the hung master's silent sockets were replaced",
          passed: accepted.halfOpen + accepted.afterHealthy > 0,
          detail: `${accepted.halfOpen} connections opened while half-open, ${accepted.afterHealthy} after it`,
        },
      ];
      for (const finding of findings) {
        const kind = finding.run.subject.kind;
        const bystander = finding.bystander;
        checks.push({
          label: `${kind}: writes to another master's slots succeed throughout the fault`,
          passed: bystander !== undefined && bystander.succeeded > 0 && bystander.failed === 0,
          detail:
            bystander === undefined
              ? "not probed"
              : `${bystander.succeeded} succeeded, ${bystander.failed} failed`,
        });
        const tombstones = finding.tombstones;
        checks.push({
          label: `${kind}: every acknowledged tombstone read back (nothing failed over)`,
          passed:
            tombstones !== undefined && tombstones.lost.size === 0 && tombstones.unreadable === 0,
          detail:
            tombstones === undefined
              ? "not looked up"
              : `${tombstones.checked} looked up, ${tombstones.lost.size} missing, ${tombstones.unreadable} unreadable`,
        });
        const bus = finding.bus;
        if (bus !== undefined) {
          checks.push({
            label: `${kind}: after the fault a revoke on A drops B's L1 copy through the bus within ${BUS_DROP_BOUND_MS} ms`,
            passed:
              bus.attempted > 0 && bus.delivered === bus.attempted && bus.failures.length === 0,
            detail: `${bus.delivered} of ${bus.attempted} (max ${bus.maxDropMs.toFixed(0)} ms)${bus.failures.length === 0 ? "" : `; ${bus.failures.join("; ")}`}`,
          });
        }
      }
      const notes = [
        `master ${VICTIM + 1} of ${CLUSTER_MASTERS} (port ${victim.port}) announced at the proxy's port ${hung.port}; +${LATENCY_MS} ms for ${latencyMs} ms, then half-open for ${profile.faultMs} ms, then healthy; recovery timed from then, by the probe writing a key on that master's slots`,
        `connections to the hung master opened through the proxy (the engine replacing a silent socket, bus connections included): ${accepted.latency} during the latency phase, ${accepted.halfOpen} while half-open (silent at once), ${accepted.afterHealthy} after it was healthy; ${openBeforeFault} were open before the fault`,
        `event-loop delay of the driver process during the traffic: p99 ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms, max ${(loopDelay.max / 1e6).toFixed(0)} ms (a stall there adds to every latency above)`,
        `writes to the seed master's slots through instance B during the fault: ${findings.map((finding) => `${finding.run.subject.kind} ${finding.bystander?.succeeded ?? 0} ok / ${finding.bystander?.failed ?? 0} failed`).join("; ")}`,
        ...findings.flatMap((finding) =>
          finding.bus === undefined
            ? []
            : [
                `${finding.run.subject.kind}: L1 on in both instances ${finding.bus.l1OnAfterMs === undefined ? "never" : `${finding.bus.l1OnAfterMs.toFixed(0)} ms`} after the proxy was healthy; bus probes: ${finding.bus.delivered} of ${finding.bus.attempted} dropped B's copy, slowest ${finding.bus.maxDropMs.toFixed(0)} ms after the revoke returned${finding.bus.notFilled === 0 ? "" : ` (${finding.bus.notFilled} key(s) skipped: B's L1 did not take them)`}`,
              ],
        ),
      ];
      return {
        rows,
        checks,
        notes,
      };
    } finally {
      await proxy?.close();
      await cluster.stop();
    }
  },
};
