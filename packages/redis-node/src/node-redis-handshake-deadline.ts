/**
 * A deadline on node-redis's connection setup. node-redis bounds a new socket's TCP (or TLS)
 * connect by `connectTimeout`, but not the commands it then sends before the client is ready
 * (HELLO, CLIENT SETINFO, SELECT, resubscribes): only the socket idle timeout (3 s with this
 * package's options) ends a setup the server never answers. That is what a socket opened over
 * a link that is still half-open does (the engine replaced a silent socket, or node-redis
 * reconnected by itself): it connects, then hangs. Meanwhile every call fails at once (the
 * client is offline), so no call deadline is missed and the engine's watch does not look
 * again; once the link heals, the client sits in the hung setup for the rest of the idle
 * timeout. So from a socket's connect until the client is ready, its idle timeout is the call
 * deadline instead: a setup silent that long is given up, and node-redis's own reconnect loop
 * (its reconnect strategy, spaced) connects again; once ready, the usual idle timeout is back.
 *
 * node-redis has no public call for a socket's idle timeout; its `_maintenanceUpdate` (the
 * hook of its maintenance notifications, whose `relaxedSocketTimeout` sets the current
 * socket's idle timeout and `undefined` restores `socketTimeout`) is used, and a client
 * without it is left as it is. The error node-redis reports for a setup given up says
 * "during maintenance"; it is reworded here before any other listener reads it.
 */
import type { NodeRedisClientOrCluster, NodeRedisEvents } from "./node-redis-client.js";

/** The internal node-redis hook used (see the file comment). */
interface SocketTimeoutHook {
  _maintenanceUpdate(update: { relaxedSocketTimeout?: number }): void;
}

/** What a node-redis client that can be bounded offers. */
type BoundableClient = NodeRedisEvents &
  SocketTimeoutHook & {
    readonly isReady: boolean;
    prependListener(event: string, listener: (error: unknown) => void): unknown;
  };

/** A cluster node as node-redis's cluster lists it (`masters`, `replicas`). */
interface ClusterNodeLike {
  readonly host?: unknown;
  readonly port?: unknown;
  readonly client?: unknown;
}

/** node-redis's message for a socket idle timeout while a relaxed timeout is set. */
const RELAXED_TIMEOUT_MESSAGE = /^Socket timeout during maintenance/;

/** Clients already bounded (a cluster node client is met again on every reconnect). */
const bounded = new WeakSet<object>();

function isBoundable(client: unknown): client is BoundableClient {
  const candidate = client as Partial<BoundableClient> | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate._maintenanceUpdate === "function" &&
    typeof candidate.prependListener === "function" &&
    typeof candidate.on === "function"
  );
}

/**
 * Bound `client`'s connection setup by `deadlineMs` (see the file comment), now and on every
 * reconnect. `inSetupNow`: the client has just emitted `connect` (a cluster node client met
 * through its cluster's `node-connect`), so the current socket is bounded at once.
 */
function boundClient(client: unknown, deadlineMs: number, inSetupNow: boolean): void {
  if (!isBoundable(client) || bounded.has(client)) return;
  bounded.add(client);
  let inSetup = false;
  const setIdleTimeout = (ms: number | undefined): void => {
    try {
      client._maintenanceUpdate({ relaxedSocketTimeout: ms });
    } catch {
      // An internal hook changed shape: the socket keeps node-redis's own idle timeout.
    }
  };
  const onConnect = (): void => {
    // node-redis skips a timeout it believes set already; a new socket starts at socketTimeout.
    setIdleTimeout(undefined);
    setIdleTimeout(deadlineMs);
    inSetup = true;
  };
  const onReady = (): void => {
    if (!inSetup) return;
    inSetup = false;
    setIdleTimeout(undefined);
  };
  const onError = (error: unknown): void => {
    if (!inSetup || !(error instanceof Error) || !RELAXED_TIMEOUT_MESSAGE.test(error.message)) {
      return;
    }
    try {
      Object.defineProperty(error, "message", {
        value: `Redis did not answer the connection setup (HELLO, CLIENT SETINFO) within ${deadlineMs} ms of connecting; connecting again`,
        writable: true,
        configurable: true,
      });
    } catch {
      // A frozen error keeps node-redis's wording.
    }
  };
  client.on("connect", onConnect);
  client.on("ready", onReady);
  // First, so the log and the engine read the reworded message.
  client.prependListener("error", onError);
  if (inSetupNow && !client.isReady) onConnect();
}

/**
 * Bound the connection setup of `target` by `deadlineMs`: a standalone client's own sockets,
 * or, for a cluster, every node client's, each bounded when it first connects.
 */
export function boundNodeRedisConnectionSetup(
  target: NodeRedisClientOrCluster,
  deadlineMs: number,
): void {
  const cluster = target as Partial<{
    masters: readonly ClusterNodeLike[];
    replicas: readonly ClusterNodeLike[];
  }>;
  if (!Array.isArray(cluster.masters)) {
    boundClient(target, deadlineMs, false);
    return;
  }
  // A node client is created by the cluster and first seen here, while in its setup.
  target.on("node-connect", (node: { host?: unknown; port?: unknown } | undefined) => {
    const nodes = [...(cluster.masters ?? []), ...(cluster.replicas ?? [])];
    for (const candidate of nodes) {
      if (candidate.host === node?.host && candidate.port === node?.port) {
        boundClient(candidate.client, deadlineMs, true);
      }
    }
  });
}
