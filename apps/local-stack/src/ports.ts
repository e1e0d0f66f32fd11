import { createServer } from "node:net";

function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(undefined));
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      const bound = typeof address === "object" && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/** The preferred port when it is free, else any free port (0 means any). */
export async function pickPort(preferred: number, taken: ReadonlySet<number> = new Set()): Promise<number> {
  if (preferred !== 0 && !taken.has(preferred)) {
    const port = await tryListen(preferred);
    if (port !== undefined) return port;
  }
  for (;;) {
    const port = await tryListen(0);
    if (port !== undefined && !taken.has(port)) return port;
  }
}
