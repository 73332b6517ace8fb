import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

const packageRoot = new URL("../", import.meta.url);

describe("README examples", () => {
  it("the README shows each example file exactly as it is type-checked", async () => {
    const readme = await readFile(new URL("README.md", packageRoot), "utf8");
    for (const name of ["core-backends.ts"]) {
      const code = (await readFile(new URL(`examples/${name}`, packageRoot), "utf8")).trimEnd();
      expect(readme.includes(`\`\`\`ts\n${code}\n\`\`\``), name).toBe(true);
    }
  });
});
