import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ServiceRegistry } from "./service-registry.js";

export interface HealthOptions {
  registry: ServiceRegistry;
  /** What /readyz checks (Redis answering, for the intake and the workers). */
  ready: () => Promise<boolean>;
  /** The reason /readyz gives when not ready. */
  notReadyReason?: string;
}

const send = (res: ServerResponse, status: number, body: string, type = "application/json") => {
  res.writeHead(status, { "content-type": type }).end(body);
};

/** `/healthz` (alive), `/readyz` (ready to serve) and `/metrics`, answered to GET. */
export const HEALTH_PATHS = ["/healthz", "/readyz", "/metrics"] as const;

/**
 * The health routes for any node:http server or Express app: answers true when it took the
 * request, false when the request is for someone else.
 */
export function serveHealth(options: HealthOptions, req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? "").split("?")[0];
  if (req.method !== "GET" || !HEALTH_PATHS.some((p) => p === path)) return false;
  if (path === "/healthz") send(res, 200, JSON.stringify({ status: "ok" }));
  else if (path === "/readyz") {
    options.ready().then(
      (ok) =>
        ok
          ? send(res, 200, JSON.stringify({ status: "ready" }))
          : send(res, 503, JSON.stringify({ status: options.notReadyReason ?? "not ready" })),
      () => send(res, 503, JSON.stringify({ status: options.notReadyReason ?? "not ready" })),
    );
  } else {
    options.registry.metrics().then(
      (text) => send(res, 200, text, options.registry.contentType),
      () => send(res, 500, "metrics failed", "text/plain"),
    );
  }
  return true;
}

/** A server with nothing but the health routes (the worker's). */
export function createHealthServer(options: HealthOptions): Server {
  return createServer((req, res) => {
    if (!serveHealth(options, req, res)) send(res, 404, JSON.stringify({ error: "not found" }));
  });
}

/** Listens and answers the URL to reach the server at (loopback when it listens on every interface). */
export function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const { port: bound } = server.address() as AddressInfo;
      const shown =
        host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
      resolve(`http://${shown}:${bound}`);
    });
  });
}

/** Stops accepting, drops idle keep-alive connections, and resolves once the server is closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/** What every process's app factory answers: its metrics, a start that answers its URL, and an idempotent close. */
export interface ServiceApp<Metrics> {
  metrics: Metrics;
  start(): Promise<string>;
  close(): Promise<void>;
}
