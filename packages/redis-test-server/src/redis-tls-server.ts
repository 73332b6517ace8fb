/**
 * A throwaway redis-server that speaks TLS on a second port, with certificates made for it
 * (see `test-certificates`). Its plain port stays open on loopback: the start-up check and the
 * raw RESP helpers use it, the client under test uses `tlsUrl`.
 */
import { findFreePort } from "./free-port.js";
import { type RedisServerHandle, startRedisServer } from "./redis-server.js";
import { createTestCertificates, type TestCertificates } from "./test-certificates.js";

/** Options of {@link startRedisTlsServer}. */
export interface StartRedisTlsServerOptions {
  /** `tls-auth-clients yes`: clients must present a certificate signed by the CA. @default false */
  requireClientCertificate?: boolean;
  /** Extra redis.conf directives. */
  config?: readonly string[];
}

/** A running TLS redis-server. */
export interface RedisTlsServerHandle {
  /** The server (its `url` is the plain port). */
  readonly server: RedisServerHandle;
  readonly tlsPort: number;
  /** `rediss://127.0.0.1:<tlsPort>` */
  readonly tlsUrl: string;
  readonly certificates: TestCertificates;
  /** Stop the server and delete the certificates. Idempotent. */
  stop(): Promise<void>;
}

/** Start a redis-server with `tls-port` and fresh certificates. */
export async function startRedisTlsServer(
  options: StartRedisTlsServerOptions = {},
): Promise<RedisTlsServerHandle> {
  const certificates = await createTestCertificates();
  try {
    const tlsPort = await findFreePort();
    const server = await startRedisServer({
      config: [
        `tls-port ${tlsPort}`,
        `tls-cert-file ${certificates.serverCertFile}`,
        `tls-key-file ${certificates.serverKeyFile}`,
        `tls-ca-cert-file ${certificates.caCertFile}`,
        `tls-auth-clients ${options.requireClientCertificate === true ? "yes" : "no"}`,
        ...(options.config ?? []),
      ],
    });
    let stopped = false;
    return {
      server,
      tlsPort,
      tlsUrl: `rediss://127.0.0.1:${tlsPort}`,
      certificates,
      async stop() {
        if (stopped) return;
        stopped = true;
        try {
          await server.stop();
        } finally {
          certificates.remove();
        }
      },
    };
  } catch (error) {
    certificates.remove();
    throw error;
  }
}
