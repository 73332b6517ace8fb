/**
 * Throwaway TLS certificates for tests, made with the `openssl` command line in a temp dir: a
 * CA, a server certificate for 127.0.0.1 and localhost, and a client certificate (for
 * `tls-auth-clients yes`), all signed by that CA, EC P-256 keys (fast to make), valid 2 days.
 * Each openssl run has a deadline; a missing openssl is one clear error naming the fix.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiKeyCacheError } from "@apikey/core";

/** PEM files and their contents. */
export interface TestCertificates {
  /** The directory that holds the files; removed by `remove()`. */
  readonly dir: string;
  readonly caCertFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** The client certificate and key as files (a server's own outgoing TLS: cluster bus, replication). */
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /** PEM text of the CA certificate, the client certificate and its key. */
  readonly ca: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** Delete the directory. Idempotent. */
  remove(): void;
}

const OPENSSL_TIMEOUT_MS = 15_000;
const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

function openssl(args: readonly string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("openssl", args, { cwd, timeout: OPENSSL_TIMEOUT_MS }, (error, _stdout, stderr) => {
      if (error === null) {
        resolve();
        return;
      }
      const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
      reject(
        new ApiKeyCacheError(
          "E_CONFIG",
          missing
            ? "The TLS test helpers need the openssl command on PATH (Debian: apt-get install openssl)."
            : `openssl ${args[0]} failed: ${String(stderr).trim() || error.message}`,
        ),
      );
    });
  });
}

/** Make a CA, a server certificate (127.0.0.1, localhost) and a client certificate. */
export async function createTestCertificates(): Promise<TestCertificates> {
  const dir = mkdtempSync(join(tmpdir(), "apikey-tls-"));
  try {
    await openssl(
      [
        "req",
        "-x509",
        "-new",
        ...EC_KEY,
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=apikey test CA",
      ],
      dir,
    );
    writeFileSync(
      join(dir, "server.ext"),
      "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
    );
    writeFileSync(join(dir, "client.ext"), "extendedKeyUsage=clientAuth\n");
    for (const [name, subject] of [
      ["server", "/CN=localhost"],
      ["client", "/CN=apikey test client"],
    ] as const) {
      await openssl(
        [
          "req",
          "-new",
          ...EC_KEY,
          "-keyout",
          `${name}.key`,
          "-out",
          `${name}.csr`,
          "-subj",
          subject,
        ],
        dir,
      );
      await openssl(
        [
          "x509",
          "-req",
          "-in",
          `${name}.csr`,
          "-CA",
          "ca.crt",
          "-CAkey",
          "ca.key",
          "-CAcreateserial",
          "-out",
          `${name}.crt`,
          "-days",
          "2",
          "-extfile",
          `${name}.ext`,
        ],
        dir,
      );
    }
    const read = (file: string): string => readFileSync(join(dir, file), "utf8");
    return {
      dir,
      caCertFile: join(dir, "ca.crt"),
      serverCertFile: join(dir, "server.crt"),
      serverKeyFile: join(dir, "server.key"),
      clientCertFile: join(dir, "client.crt"),
      clientKeyFile: join(dir, "client.key"),
      ca: read("ca.crt"),
      clientCert: read("client.crt"),
      clientKey: read("client.key"),
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
