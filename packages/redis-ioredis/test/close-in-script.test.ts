/**
 * A script whose last act is `await backend.close()` must see the close settle: nothing may
 * leave the process with only unref()'d timers while the close is still waiting for the client
 * (Node then exits with code 13, "unsettled top-level await"). Run in a child process, since
 * vitest's own handles would keep the event loop alive.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { useRedisCluster, useRedisServer } from "@apikey/redis-test-server/vitest";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL("..", import.meta.url));

const script = `
import { ioredisDriver } from "@apikey/redis-ioredis";
const backend = ioredisDriver.createBackend({
  url: process.env.SEED_URL,
  cluster: process.env.CLUSTER === "1",
  keyPrefix: "close-in-script:",
});
await backend.close();
console.log("closed");
`;

async function closeInScript(url: string, cluster: boolean): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ["--conditions=@apikey/source", "--import", "tsx", "--input-type=module", "-e", script],
    {
      cwd: packageDir,
      env: { ...process.env, SEED_URL: url, CLUSTER: cluster ? "1" : "0" },
      timeout: 20_000,
    },
  );
  return stdout.trim();
}

describe("closing a driver-built backend as a script's last act", () => {
  const cluster = useRedisCluster({ masters: 3 });
  const server = useRedisServer();

  it("a Cluster backend closed right after it was built: the script runs to its end", async () => {
    expect(await closeInScript(cluster.seedUrl, true)).toBe("closed");
  }, 30_000);

  it("a standalone backend likewise", async () => {
    expect(await closeInScript(server.url, false)).toBe("closed");
  }, 30_000);
});
