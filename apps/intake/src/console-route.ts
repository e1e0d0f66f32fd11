import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import express, { type Router } from "express";

/** The console's built files in this repository (apps/console/dist), next to the intake's own dist. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL("../../console/dist/", import.meta.url));

/**
 * No inline script or style, nothing from elsewhere: the console talks only to this intake's
 * public API, with the key its operator typed.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** What the console reads of this intake's settings (public: no secret in it). */
export interface ConsoleSettings {
  /** A batch's trace link, `{traceId}` replaced; null: no link. */
  traceUrl: string | null;
}

/**
 * GET /console: the operator console's static files, and its settings at /console/settings.json
 * (public: every call it makes needs a key).
 */
export function consoleRouter(dir: string, settings: ConsoleSettings): Router {
  const router = express.Router();
  router.use((_req, res, next) => {
    res.setHeader("content-security-policy", CONTENT_SECURITY_POLICY);
    res.setHeader("x-content-type-options", "nosniff");
    res.setHeader("referrer-policy", "no-referrer");
    next();
  });
  router.get("/settings.json", (_req, res) => {
    res.json(settings);
  });
  if (existsSync(dir)) router.use(express.static(dir, { index: "index.html", redirect: true }));
  else
    router.use((_req, res) => res.status(404).type("text").send("The console is not built (npm run build)."));
  return router;
}
