import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { authenticate, revokeKey } from "../examples/resolve-api-key.js";

const packageRoot = new URL("../", import.meta.url);

describe("README examples", () => {
  it("the README shows each example file exactly as it is type-checked", async () => {
    const readme = await readFile(new URL("README.md", packageRoot), "utf8");
    for (const name of [
      "resolve-api-key.ts",
      "memory-backend.ts",
      "tiered-backend.ts",
      "in-process-bus.ts",
    ]) {
      const code = (await readFile(new URL(`examples/${name}`, packageRoot), "utf8")).trimEnd();
      expect(readme.includes(`\`\`\`ts\n${code}\n\`\`\``), name).toBe(true);
    }
  });

  it("the usage example authenticates, then stops authenticating a revoked key", async () => {
    expect(await authenticate("sk_live_example")).toMatchObject({ active: true, tenant: "acme" });
    expect(await authenticate("sk_live_unknown")).toBeUndefined();
    expect(await authenticate(undefined)).toBeUndefined();
    await revokeKey("sk_live_example");
    expect(await authenticate("sk_live_example")).toBeUndefined();
  });
});
