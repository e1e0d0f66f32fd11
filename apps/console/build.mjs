// Bundles the console (one ES module, no CDN) and copies its static files into dist/, which the
// intake serves at /console.
import { cp, mkdir } from "node:fs/promises";
import { build } from "esbuild";

const dist = new URL("./dist/", import.meta.url);
await mkdir(dist, { recursive: true });
await build({
  entryPoints: [new URL("./src/main.ts", import.meta.url).pathname],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  sourcemap: true,
  outfile: new URL("console.js", dist).pathname,
  logLevel: "warning",
});
await cp(new URL("./static/", import.meta.url), dist, { recursive: true });
