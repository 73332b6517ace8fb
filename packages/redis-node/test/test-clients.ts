/**
 * Test plumbing shared by this package's tests: connected node-redis clients on a test server
 * (closed after the file) and random key prefixes, so tests never see each other's keys.
 */
import { randomBytes } from "node:crypto";
import { createClient, createCluster, type RedisClientType, type RedisClusterType } from "redis";
import { afterAll } from "vitest";

/** A fresh prefix for one backend: `t:<random>:`. */
export function randomPrefix(tag = "t"): string {
  return `${tag}:${randomBytes(6).toString("hex")}:`;
}

const opened: Array<RedisClientType | RedisClusterType> = [];

afterAll(async () => {
  await Promise.all(opened.splice(0).map((client) => client.close().catch(() => client.destroy())));
});

/** A connected standalone client, closed after the test file. */
export async function connectedClient(url: string): Promise<RedisClientType> {
  const client: RedisClientType = createClient({ url });
  client.on("error", () => {});
  opened.push(client);
  await client.connect();
  return client;
}

/** A connected cluster client, closed after the test file. */
export async function connectedCluster(urls: readonly string[]): Promise<RedisClusterType> {
  const cluster: RedisClusterType = createCluster({ rootNodes: urls.map((url) => ({ url })) });
  cluster.on("error", () => {});
  opened.push(cluster);
  await cluster.connect();
  return cluster;
}
