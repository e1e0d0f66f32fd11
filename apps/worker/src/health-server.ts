import { createServer, type Server } from "node:http";
import type { Redis } from "ioredis";
import type { Registry } from "prom-client";

/** `/healthz` (alive), `/readyz` (Redis answers), `/metrics`. */
export function createHealthServer(redis: Redis, registry: Registry): Server {
  return createServer((req, res) => {
    const send = (status: number, body: string, type = "application/json") => {
      res.writeHead(status, { "content-type": type }).end(body);
    };
    const path = (req.url ?? "").split("?")[0];
    if (req.method !== "GET") return send(405, JSON.stringify({ error: "GET only" }));
    if (path === "/healthz") return send(200, JSON.stringify({ status: "ok" }));
    if (path === "/readyz") {
      redis.ping().then(
        () => send(200, JSON.stringify({ status: "ready" })),
        () => send(503, JSON.stringify({ status: "redis unreachable" })),
      );
      return;
    }
    if (path === "/metrics") {
      registry.metrics().then(
        (text) => send(200, text, registry.contentType),
        () => send(500, "metrics failed", "text/plain"),
      );
      return;
    }
    send(404, JSON.stringify({ error: "not found" }));
  });
}
