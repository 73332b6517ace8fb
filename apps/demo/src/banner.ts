/**
 * What `pnpm demo` prints: the admin key line as soon as the key exists, and the banner once
 * every worker listens. The `ready at` and `admin key` lines are also what the tests and the
 * revocation walkthrough read, so keep their shape.
 */
import type { DemoConfig } from "./config.js";
import { describeDatabase, effectiveBackend } from "./config.js";

/**
 * The line with a newly created admin key. Printed before the workers start: the key's hash is
 * already stored, so a start that fails later must not lose the only copy of the plaintext.
 */
export function renderAdminKeyLine(adminKey: string): string {
  return `demo: admin key (shown once, store it now): ${adminKey}\n`;
}

/**
 * The banner text. `adminKey` is set only on the start that created it (its line is already
 * printed by then, see {@link renderAdminKeyLine}); it fills in the curl line.
 */
export function renderBanner(
  config: DemoConfig,
  url: string,
  pids: readonly number[],
  adminKey: string | undefined,
): string {
  const backend = effectiveBackend(config);
  const client = backend === "memory" ? "" : ` over ${config.redisClient}`;
  const admin = adminKey ?? "$ADMIN_KEY";
  const lines = [
    `demo: ready at ${url} (workers: ${pids.join(", ")}; backend: ${backend}${client}; database: ${describeDatabase(config)})`,
  ];
  if (!config.auth) lines.push("demo: WARNING APIKEY_AUTH=off: /v1 routes answer without a key");
  if (adminKey !== undefined) {
    lines.push("demo: the new admin key is printed above; store it now, it is not kept.");
  } else {
    lines.push("demo: admin key was printed on the first start; set ADMIN_KEY to it.");
  }
  lines.push(
    "demo: try it (create a key with the admin key, then call whoami with it):",
    `KEY=$(curl -s -X POST ${url}/admin/keys -H "X-API-Key: ${admin}" -H 'content-type: application/json' -d '{"name":"my-app"}' | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).key') && curl -s ${url}/v1/whoami -H "Authorization: Bearer $KEY"; echo`,
  );
  return `${lines.join("\n")}\n`;
}
