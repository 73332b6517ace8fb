/**
 * The primary's part of cluster-wide `/metrics`: on a worker's request it asks every connected
 * worker for its snapshot, waits up to {@link COLLECT_TIMEOUT_MS}, renders what arrived (summed
 * or per worker) and answers the asking worker. A worker that does not answer in time is left
 * out and counted as missing, so a stuck worker cannot stall every scrape.
 */
import cluster, { type Worker } from "node:cluster";
import { renderMetrics, type WorkerSnapshot } from "./metrics-aggregation.js";
import {
  isMessage,
  type MetricsCollectMessage,
  type MetricsReplyMessage,
  type MetricsRequestMessage,
  type MetricsSnapshotMessage,
} from "./metrics-messages.js";

/** How long the primary waits for the workers' snapshots. */
export const COLLECT_TIMEOUT_MS = 1_000;

interface Collection {
  readonly snapshots: WorkerSnapshot[];
  readonly waitingFor: Set<number>;
  finish(): void;
}

/** Start answering the workers' metrics requests (call once, in the primary). */
export function serveClusterMetrics(): void {
  const collections = new Map<number, Collection>();
  let nextCollectId = 0;

  cluster.on("message", (worker, message: unknown) => {
    if (isMessage<MetricsSnapshotMessage>(message, "demo:metrics-snapshot")) {
      const collection = collections.get(message.collectId);
      if (collection === undefined || !collection.waitingFor.delete(worker.id)) return;
      collection.snapshots.push({ pid: message.pid, metrics: message.metrics });
      if (collection.waitingFor.size === 0) collection.finish();
      return;
    }
    if (!isMessage<MetricsRequestMessage>(message, "demo:metrics-request")) return;
    const collectId = nextCollectId++;
    const workers = Object.values(cluster.workers ?? {}).filter(
      (each): each is Worker => each?.isConnected() === true,
    );
    const snapshots: WorkerSnapshot[] = [];
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      collections.delete(collectId);
      void renderMetrics(snapshots, message.view, workers.length).then((text) => {
        if (!worker.isConnected()) return;
        const reply: MetricsReplyMessage = {
          type: "demo:metrics-reply",
          requestId: message.requestId,
          text,
        };
        worker.send(reply, undefined, () => {});
      });
    };
    const timer = setTimeout(finish, COLLECT_TIMEOUT_MS);
    collections.set(collectId, {
      snapshots,
      waitingFor: new Set(workers.map((w) => w.id)),
      finish,
    });
    const collect: MetricsCollectMessage = { type: "demo:metrics-collect", collectId };
    for (const each of workers) each.send(collect, undefined, () => {});
    if (workers.length === 0) finish();
  });
}
