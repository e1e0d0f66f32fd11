import { BlockList, isIP } from "node:net";

/** An allow-list entry: a host (or IP), and its port if it names one. */
function parseEntry(entry: string): { host: string; port: string | undefined } | undefined {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry.trim().toLowerCase());
  if (!match?.[1]) return undefined;
  return { host: match[1].replace(/^\[|\]$/g, ""), port: match[2] };
}

/**
 * Whether a callback URL may be called: http(s), and its host in the allow-list (`WEBHOOK_ALLOWED_HOSTS`).
 * An entry `host:port` allows that port only; `host` alone allows the scheme's standard port (443
 * for https, 80 for http), never another. Hosts compare without case; an IP address must be listed
 * as such. Nothing else is ever called: deliveries do not follow redirects.
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
  const standard = parsed.protocol === "https:" ? "443" : "80";
  const port = parsed.port || standard;
  return allowedHosts.some((entry) => {
    const allowed = parseEntry(entry);
    return allowed?.host === host && (allowed.port ?? standard) === port;
  });
}

/**
 * Addresses a delivery never connects to through a host name: loopback,
 * link-local (cloud metadata services live there: 169.254.169.254, Tencent Cloud's 169.254.0.23),
 * "this network", and Alibaba Cloud's metadata address.
 */
const FORBIDDEN = new BlockList();
FORBIDDEN.addSubnet("127.0.0.0", 8, "ipv4");
FORBIDDEN.addSubnet("169.254.0.0", 16, "ipv4");
FORBIDDEN.addSubnet("0.0.0.0", 8, "ipv4");
FORBIDDEN.addAddress("100.100.100.200", "ipv4");
FORBIDDEN.addAddress("::1", "ipv6");
FORBIDDEN.addAddress("::", "ipv6");
FORBIDDEN.addSubnet("fe80::", 10, "ipv6");

/** An IPv4 address written as IPv6 (`::ffff:127.0.0.1`) is the IPv4 address. */
function normalized(address: string): { address: string; family: "ipv4" | "ipv6" } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return { address: mapped[1], family: "ipv4" };
  return { address: address.toLowerCase(), family: isIP(address) === 6 ? "ipv6" : "ipv4" };
}

/**
 * Whether `address` is one a delivery never reaches through a host name: loopback, link-local
 * (metadata services), "this network", a metadata address. A callback URL that names such an IP
 * itself is called if the allow-list names that IP (isAllowedCallback): listing the IP is the
 * operator saying so; a name that resolves there is not.
 */
export function isForbiddenAddress(address: string): boolean {
  const { address: ip, family } = normalized(address);
  return FORBIDDEN.check(ip, family);
}
