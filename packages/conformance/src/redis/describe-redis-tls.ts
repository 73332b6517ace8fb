/**
 * TLS through the driver's `tls` option, on a real redis-server with `tls-port` and
 * certificates made for the run (CA, server certificate for 127.0.0.1/localhost, client
 * certificate for `tls-auth-clients yes`): a backend and a bus work over it; a missing client
 * certificate, an unknown CA, and a `rediss://` URL to a plain port each fail within the
 * deadline with an error and a log line that say the TLS handshake failed; no key material
 * or password is ever logged.
 */
import type {
  ApiKeyCacheBackend,
  InvalidationBus,
  InvalidationMessage,
  RedisDriver,
  RedisTlsOptions,
} from "@apikey/core";
import { type RedisTlsServerHandle, startRedisTlsServer } from "@apikey/redis-test-server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type RecordingLogger, recordingLogger } from "./recording-logger.js";
import { redisTestPrefix } from "./redis-test-prefix.js";

const TIMEOUT_MS = 500;
const BOUND_MS = TIMEOUT_MS + 1500;
const record = { apiKey: "sk_tls", active: true };

/** Register the TLS checks for `driver`. */
export function describeRedisTls(name: string, driver: RedisDriver): void {
  describe(`${name}: TLS (rediss:// with the tls option)`, () => {
    let server: RedisTlsServerHandle;
    const open: Array<ApiKeyCacheBackend | InvalidationBus> = [];
    beforeAll(async () => {
      server = await startRedisTlsServer({ requireClientCertificate: true });
    }, 30_000);
    afterAll(() => server?.stop());
    afterEach(async () => {
      await Promise.all(open.splice(0).map((part) => part.close()));
    });

    const clientTls = (): RedisTlsOptions => ({
      ca: server.certificates.ca,
      cert: server.certificates.clientCert,
      key: server.certificates.clientKey,
      servername: "localhost",
    });
    const backendOn = (url: string, tls: RedisTlsOptions | undefined, logger: RecordingLogger) => {
      const backend = driver.createBackend({
        url,
        keyPrefix: redisTestPrefix("tls"),
        logger,
        commandTimeoutMs: TIMEOUT_MS,
        ...(tls === undefined ? {} : { tls }),
      });
      open.push(backend);
      return backend;
    };
    /** Nothing secret in any log line: no key or certificate body, no password. */
    const expectNoSecrets = (logger: RecordingLogger, error?: unknown): void => {
      const text = `${logger.lines.join("\n")}\n${error instanceof Error ? `${error.message} ${String(error.cause)}` : ""}`;
      const keyBody = server.certificates.clientKey.split("\n")[1] ?? "missing";
      expect(text).not.toContain(keyBody);
      expect(text).not.toContain("PRIVATE KEY");
      expect(text).not.toContain("BEGIN CERTIFICATE");
      expect(text).not.toContain("hunter2");
    };
    /** The error of the first call whose message says `pattern`, polling within 10 s. */
    const failureSaying = async (backend: ApiKeyCacheBackend, pattern: RegExp): Promise<Error> => {
      let last: unknown;
      await expect
        .poll(
          async () => {
            const started = performance.now();
            last = await backend.get("a").then(
              () => undefined,
              (e: unknown) => e,
            );
            expect(performance.now() - started).toBeLessThan(BOUND_MS);
            return last instanceof Error ? last.message : String(last);
          },
          { timeout: 10_000, interval: 100 },
        )
        .toMatch(pattern);
      expect(last).toMatchObject({ code: "E_BACKEND_UNAVAILABLE" });
      return last as Error;
    };

    it("a backend and a bus work over TLS with CA, client certificate and key, and server name", async () => {
      const logger = recordingLogger();
      const backend = backendOn(server.tlsUrl, clientTls(), logger);
      await backend.set("a", record, 60);
      expect(await backend.get("a")).toEqual(record);
      const channel = redisTestPrefix("tls-bus");
      const buses = [0, 1].map(() => {
        const bus = driver.createInvalidationBus({
          url: server.tlsUrl,
          channel,
          logger,
          commandTimeoutMs: TIMEOUT_MS,
          tls: clientTls(),
        });
        open.push(bus);
        return bus;
      });
      const [sender, receiver] = buses as [InvalidationBus, InvalidationBus];
      const received: InvalidationMessage[] = [];
      let subscribed!: () => void;
      const ready = new Promise<void>((resolve) => {
        subscribed = resolve;
      });
      await receiver.subscribe({
        message: (message) => received.push(message),
        ready: () => subscribed(),
        disconnected: () => {},
      });
      await ready;
      await sender.publish({ op: "delete", key: "a" });
      await expect.poll(() => received.length, { timeout: 5000 }).toBe(1);
      expectNoSecrets(logger);
    });

    it("without a client certificate: the error and the log say TLS and the client certificate", async () => {
      const logger = recordingLogger();
      const { ca, servername } = clientTls();
      const backend = backendOn(
        server.tlsUrl,
        { ca: ca as string, servername: servername as string },
        logger,
      );
      // TLS 1.3: the client finishes its side of the handshake, then the server resets it.
      const saysTls = /TLS (handshake with|connection to) 127\.0\.0\.1:\d+ .*(failed|certificate)/;
      const error = await failureSaying(backend, saysTls);
      expect(logger.at("warn").join("\n")).toMatch(saysTls);
      expectNoSecrets(logger, error);
    });

    it("with an unknown CA: the TLS handshake failed (the certificate does not verify)", async () => {
      const logger = recordingLogger();
      const { cert, key } = clientTls();
      const backend = backendOn(
        server.tlsUrl,
        { cert: cert as string, key: key as string },
        logger,
      );
      const error = await failureSaying(
        backend,
        /TLS handshake with 127\.0\.0\.1:\d+ failed: .*certificate/i,
      );
      expectNoSecrets(logger, error);
    });

    it("rediss:// to a plain port: the TLS handshake did not complete, not just a timeout", async () => {
      const logger = recordingLogger();
      const plain = `rediss://:hunter2@127.0.0.1:${server.server.port}`;
      const backend = backendOn(plain, clientTls(), logger);
      const error = await failureSaying(
        backend,
        /TLS handshake with 127\.0\.0\.1:\d+ did not complete/,
      );
      expect(logger.at("warn").join("\n")).toMatch(/TLS handshake .* did not complete/);
      expectNoSecrets(logger, error);
    });
  });
}
