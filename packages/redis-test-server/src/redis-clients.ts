/**
 * Inspect and drop a server's client connections, the precise way to break one subscriber
 * (a bus's reconnect test) without touching the other connections of the same test.
 */
import { type RedisTarget, redisCommand } from "./resp-connection.js";

/** One line of `CLIENT LIST`, as its `field=value` pairs (`id`, `addr`, `name`, `sub`, `cmd`, ...). */
export type RedisClientInfo = Readonly<Record<string, string>>;

/** Parse `CLIENT LIST` output. */
export function parseClientList(raw: string): RedisClientInfo[] {
  return raw
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => {
      const info: Record<string, string> = {};
      for (const pair of line.split(" ")) {
        const eq = pair.indexOf("=");
        if (eq > 0) info[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      return info;
    });
}

/** The server's client connections (the connection asking is among them, `cmd=client|list`). */
export async function listRedisClients(target: RedisTarget): Promise<RedisClientInfo[]> {
  return parseClientList(String(await redisCommand(target, "CLIENT", "LIST")));
}

/**
 * Kill every client connection `select` picks (e.g. `(c) => c.addr === "127.0.0.1:51234"`, or
 * `(c) => Number(c.sub) > 0` for subscribers); resolves to how many were killed.
 */
export async function killRedisClients(
  target: RedisTarget,
  select: (client: RedisClientInfo) => boolean,
): Promise<number> {
  const clients = (await listRedisClients(target)).filter(
    (client) => client.cmd !== "client|list" && select(client),
  );
  let killed = 0;
  for (const client of clients) {
    if (client.id === undefined) continue;
    killed += Number(await redisCommand(target, "CLIENT", "KILL", "ID", client.id));
  }
  return killed;
}
