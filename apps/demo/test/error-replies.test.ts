/**
 * The body of `POST /admin/keys` means exactly what its schema says (no coercion, no silent
 * dropping), and every 4xx and 5xx reply has the one documented shape `{ error, message }`.
 * In process (`startDemoServer`) over real HTTP on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoServer, startDemoServer } from "../src/server.js";
import { tempDataDir } from "./helpers.js";

interface Reply {
  status: number;
  body: unknown;
  text: string;
}

describe("POST /admin/keys body and error replies", () => {
  const dataDir = tempDataDir();
  let server: DemoServer;
  let adminKey: string;

  beforeAll(async () => {
    server = await startDemoServer({ env: {}, overrides: { port: 0, dataDir: dataDir.path } });
    adminKey = server.adminKey ?? "";
  });
  afterAll(async () => {
    await server?.close();
    dataDir.remove();
  });

  async function send(
    method: string,
    path: string,
    body: string | undefined,
    headers: Record<string, string> = { "content-type": "application/json" },
  ): Promise<Reply> {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { "x-api-key": adminKey, ...headers },
      body,
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, text };
  }

  async function keyCount(): Promise<number> {
    const listed = await send("GET", "/admin/keys", undefined, {});
    return (listed.body as { keys: unknown[] }).keys.length;
  }

  /** The one shape: exactly `error` and `message`, both strings. */
  function expectErrorShape(reply: Reply, status: number, error: string): string {
    expect(reply.status, reply.text).toBe(status);
    expect(Object.keys(reply.body as object).sort()).toEqual(["error", "message"]);
    expect(reply.body).toMatchObject({ error });
    const { message } = reply.body as { message: unknown };
    expect(typeof message).toBe("string");
    return message as string;
  }

  it.each([
    ['{"admin":"true"}', "admin", "boolean"],
    ['{"admin":1}', "admin", "boolean"],
    ['{"admin":"yes"}', "admin", "boolean"],
    ['{"name":5}', "name", "string"],
    ['{"name":true}', "name", "string"],
    ['{"name":""}', "name", "at least 1"],
    ["[]", "body", "JSON object"],
    ['"admin"', "body", "JSON object"],
  ])("refuses %s with 400 invalid_body and creates no key", async (body, field, expected) => {
    const before = await keyCount();
    const reply = await send("POST", "/admin/keys", body);
    const message = expectErrorShape(reply, 400, "invalid_body");
    expect(message).toContain(field === "body" ? "The body" : `"${field}"`);
    expect(message).toContain(expected);
    expect(await keyCount()).toBe(before);
  });

  it("refuses an unknown field with 400 and names it, instead of dropping it", async () => {
    const before = await keyCount();
    const reply = await send("POST", "/admin/keys", '{"name":"ok","adimn":true}');
    const message = expectErrorShape(reply, 400, "invalid_body");
    expect(message).toContain('Field "adimn" is not allowed');
    expect(await keyCount()).toBe(before);
  });

  it.each([
    ["markup", "<img src=x onerror=alert(1)>"],
    ["a long name", "a".repeat(40)],
    ["a key-shaped name", `ak_${"Z".repeat(43)}`],
    ["a newline", "x\ny"],
  ])("never echoes an unknown field name that is %s", async (_what, name) => {
    const reply = await send("POST", "/admin/keys", JSON.stringify({ [name]: 1 }));
    const message = expectErrorShape(reply, 400, "invalid_body");
    expect(message).toContain("a field that is not allowed");
    expect(reply.text).not.toContain(name);
    expect(reply.text).not.toContain(JSON.stringify(name).slice(1, -1));
  });

  it("accepts real booleans and strings, and documents the defaults: name unnamed, admin false, a note", async () => {
    const admin = await send("POST", "/admin/keys", '{"name":"ops","admin":true}');
    expect(admin.status).toBe(201);
    expect(admin.body).toMatchObject({ name: "ops", admin: true });
    for (const body of [undefined, "{}", "null"]) {
      const headers: Record<string, string> =
        body === undefined ? {} : { "content-type": "application/json" };
      const reply = await send("POST", "/admin/keys", body, headers);
      expect(reply.status, `${body}: ${reply.text}`).toBe(201);
      expect(Object.keys(reply.body as object).sort()).toEqual([
        "admin",
        "createdAt",
        "id",
        "key",
        "name",
        "note",
      ]);
      expect(reply.body).toMatchObject({
        name: "unnamed",
        admin: false,
        note: "The key is shown once; store it now.",
      });
    }
  });

  it("answers bad JSON, other media types, big bodies and unknown routes in the same shape", async () => {
    expectErrorShape(await send("POST", "/admin/keys", '{"name":'), 400, "invalid_json");
    expectErrorShape(await send("POST", "/admin/keys", ""), 400, "invalid_json");
    expectErrorShape(
      await send("POST", "/admin/keys", "name=x", { "content-type": "text/plain" }),
      415,
      "unsupported_media_type",
    );
    expectErrorShape(
      await send("POST", "/admin/keys", "<name/>", { "content-type": "application/xml" }),
      415,
      "unsupported_media_type",
    );
    expectErrorShape(
      await send("POST", "/admin/keys", JSON.stringify({ name: "x".repeat(20_000) })),
      413,
      "body_too_large",
    );
    const unknown = await send("GET", "/admin/nothing-here?<b>", undefined, {});
    expect(expectErrorShape(unknown, 404, "not_found")).not.toContain("nothing-here");
    expectErrorShape(await send("PUT", "/v1/whoami", undefined, {}), 404, "not_found");
    expectErrorShape(
      await send("DELETE", "/admin/keys/key_nothere", undefined, {}),
      404,
      "not_found",
    );
  });

  it("answers the auth refusals in the same shape", async () => {
    const missing = await fetch(`${server.url}/v1/whoami`);
    expectErrorShape(
      { status: missing.status, text: "", body: await missing.json() },
      401,
      "missing_api_key",
    );
    const { key } = await server.createApiKey("plain");
    const forbidden = await fetch(`${server.url}/admin/keys`, { headers: { "x-api-key": key } });
    expectErrorShape(
      { status: forbidden.status, text: "", body: await forbidden.json() },
      403,
      "forbidden",
    );
  });

  it("answers a failure inside a handler with 500 internal_error, without the error's text", async () => {
    // The admin key is cached by now; with the database closed, creating a key fails.
    expect((await send("GET", "/admin/keys", undefined, {})).status).toBe(200);
    await server.container.store.close();
    const reply = await send("POST", "/admin/keys", "{}");
    const message = expectErrorShape(reply, 500, "internal_error");
    expect(message).not.toMatch(/database|connection|sqlite/i);
    expect(reply.text).not.toContain("    at ");
  });
});
