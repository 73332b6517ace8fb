/**
 * The IPC messages behind cluster-wide `/metrics`: a worker asks the primary (`request`), the
 * primary asks every worker for its snapshot (`collect` → `snapshot`), renders, and answers the
 * asking worker (`reply`). Messages are plain JSON over `node:cluster`'s channel.
 */
import type { MetricsSnapshot, MetricsView } from "./metrics-aggregation.js";

/** Worker → primary: render `view` for me. */
export interface MetricsRequestMessage {
  type: "demo:metrics-request";
  requestId: number;
  view: MetricsView;
}

/** Primary → every worker: send your snapshot. */
export interface MetricsCollectMessage {
  type: "demo:metrics-collect";
  collectId: number;
}

/** Worker → primary: my snapshot. */
export interface MetricsSnapshotMessage {
  type: "demo:metrics-snapshot";
  collectId: number;
  pid: number;
  metrics: MetricsSnapshot;
}

/** Primary → the asking worker: the rendered text. */
export interface MetricsReplyMessage {
  type: "demo:metrics-reply";
  requestId: number;
  text: string;
}

/** Whether `message` is the message of type `type`. */
export function isMessage<T extends { type: string }>(
  message: unknown,
  type: T["type"],
): message is T {
  return (
    typeof message === "object" && message !== null && (message as { type?: unknown }).type === type
  );
}
