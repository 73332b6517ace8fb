/** Listen on a free loopback port and close cleanly (open keep-alive sockets included). */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { AuthTestServer } from "./describe-server-auth.js";

export async function listenOnLoopback(server: Server): Promise<AuthTestServer> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
