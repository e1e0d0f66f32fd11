/**
 * Whether a callback URL may be called: http(s), and its host in the allow-list (`WEBHOOK_ALLOWED_HOSTS`).
 * An entry `host` allows that host on any port; `host:port` only on that port. Hosts compare
 * without case; an IP address must be listed as such. Nothing else is ever called: deliveries do not
 * follow redirects.
 */
export function isAllowedCallback(url: string, allowedHosts: readonly string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return false;
  const host = parsed.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  const port = parsed.port || (parsed.protocol === "https:" ? "443" : "80");
  return allowedHosts.some((entry) => {
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry.trim().toLowerCase());
    if (!match?.[1]) return false;
    const allowedHost = match[1].replace(/^\[|\]$/g, "");
    return allowedHost === host && (match[2] === undefined || match[2] === port);
  });
}
