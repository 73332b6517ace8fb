/**
 * Free loopback ports, asked of the kernel (listen on port 0). A port is only free at the
 * moment it is returned: callers retry with a new one when the bind later fails.
 */
import { createServer } from "node:net";

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : undefined;
      server.close(() => {
        if (port === undefined) reject(new Error("The kernel did not report a free port."));
        else resolve(port);
      });
    });
  });
}
