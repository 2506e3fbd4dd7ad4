/** A throwaway HTTP server on 127.0.0.1 (port 0) that counts the connections it accepts. */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface LocalServer {
  readonly port: number;
  readonly origin: string;
  readonly hostPort: string;
  /** Connections accepted so far. */
  connections(): number;
  /** Request paths served so far, in order. */
  readonly requests: { path: string; headers: http.IncomingHttpHeaders }[];
  close(): Promise<void>;
}

export async function startServer(handler: http.RequestListener): Promise<LocalServer> {
  let connections = 0;
  const requests: { path: string; headers: http.IncomingHttpHeaders }[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ path: req.url ?? "", headers: req.headers });
    handler(req, res);
  });
  server.on("connection", () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    hostPort: `127.0.0.1:${port}`,
    connections: () => connections,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
