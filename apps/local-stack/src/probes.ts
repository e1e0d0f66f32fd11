import { connect } from "node:net";

/** Ready when the service's /readyz answers 200 (the intake and workers: Redis reachable). */
export function httpReady(baseUrl: string): () => Promise<boolean> {
  return async () => {
    const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return res.ok;
  };
}

/** Ready when the Redis on this port answers PING (one inline command; no client library needed). */
export function redisReady(port: number): () => Promise<boolean> {
  return () =>
    new Promise((resolve) => {
      const socket = connect(port, "127.0.0.1");
      const done = (ready: boolean) => {
        socket.destroy();
        resolve(ready);
      };
      socket.setTimeout(1000, () => done(false));
      socket.once("error", () => done(false));
      socket.once("connect", () => socket.write("PING\r\n"));
      socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
    });
}
