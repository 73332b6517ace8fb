/**
 * A worker's part of cluster-wide `/metrics`: it answers the primary's `collect` with its own
 * snapshot, and asks the primary for the rendered text when a scrape arrives. Outside a
 * cluster (the in-process server) there is no primary: the text is rendered from this process
 * alone, in the same format.
 */
import cluster from "node:cluster";
import { type MetricsView, renderMetrics } from "./metrics-aggregation.js";
import {
  isMessage,
  type MetricsCollectMessage,
  type MetricsReplyMessage,
  type MetricsRequestMessage,
  type MetricsSnapshotMessage,
} from "./metrics-messages.js";
import type { ProcessMetrics } from "./process-metrics.js";

/** Longest a scrape waits for the primary (which waits up to 1 s for the workers). */
export const METRICS_REPLY_TIMEOUT_MS = 3_000;

/** Renders the metrics of the whole cluster (or of this process outside one). */
export interface MetricsLink {
  /** The text for `view`; rejects if the primary does not answer in time. */
  render(view: MetricsView): Promise<string>;
  /** Stop answering the primary (idempotent). */
  close(): void;
}

/** Link this process's metrics to the primary, if there is one. */
export function linkWorkerMetrics(metrics: ProcessMetrics): MetricsLink {
  const local = async (view: MetricsView): Promise<string> =>
    renderMetrics(
      [{ pid: process.pid, metrics: await metrics.registry.getMetricsAsJSON() }],
      view,
      1,
    );
  const send = process.send?.bind(process);
  if (!cluster.isWorker || send === undefined) return { render: local, close: () => {} };

  const pending = new Map<number, (text: string) => void>();
  let nextRequestId = 0;
  const onMessage = (message: unknown): void => {
    if (isMessage<MetricsCollectMessage>(message, "demo:metrics-collect")) {
      void metrics.registry.getMetricsAsJSON().then((snapshot) => {
        const reply: MetricsSnapshotMessage = {
          type: "demo:metrics-snapshot",
          collectId: message.collectId,
          pid: process.pid,
          metrics: snapshot,
        };
        send(reply, undefined, {}, () => {});
      });
    } else if (isMessage<MetricsReplyMessage>(message, "demo:metrics-reply")) {
      pending.get(message.requestId)?.(message.text);
    }
  };
  process.on("message", onMessage);

  return {
    render: (view) =>
      new Promise<string>((resolve, reject) => {
        const requestId = nextRequestId++;
        const timer = setTimeout(() => {
          pending.delete(requestId);
          reject(new Error(`the primary did not answer within ${METRICS_REPLY_TIMEOUT_MS} ms`));
        }, METRICS_REPLY_TIMEOUT_MS);
        pending.set(requestId, (text) => {
          clearTimeout(timer);
          pending.delete(requestId);
          resolve(text);
        });
        const request: MetricsRequestMessage = { type: "demo:metrics-request", requestId, view };
        send(request, undefined, {}, (error: Error | null) => {
          if (error === null) return;
          clearTimeout(timer);
          pending.delete(requestId);
          reject(error);
        });
      }),
    close: () => {
      process.off("message", onMessage);
    },
  };
}
