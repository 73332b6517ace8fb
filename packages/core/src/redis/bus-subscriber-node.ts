/**
 * Where a bus's dedicated subscriber connection goes next on a cluster. Classic pub/sub is
 * broadcast to every node, so any node serves; the point is not to keep reconnecting to the
 * one that just died (the seed's master, in a failover). The adapters read the candidates
 * from their cluster client's current node list; the choice is made here, once.
 */

/** A node of the cluster as the client currently knows it. */
export interface BusNodeCandidate {
  readonly host: string;
  readonly port: number;
  /** The client's own connection to it is up now. */
  readonly ready: boolean;
}

/**
 * The node the subscriber should connect to after losing `current`: a random ready node other
 * than `current`; else any other node; else `undefined` (stay).
 */
export function nextSubscriberNode(
  candidates: readonly BusNodeCandidate[],
  current: { readonly host: string; readonly port: number } | undefined,
  random: () => number = Math.random,
): BusNodeCandidate | undefined {
  const others = candidates.filter(
    (node) => current === undefined || node.host !== current.host || node.port !== current.port,
  );
  const ready = others.filter((node) => node.ready);
  const pool = ready.length > 0 ? ready : others;
  if (pool.length === 0) return undefined;
  return pool[Math.min(pool.length - 1, Math.floor(random() * pool.length))];
}
