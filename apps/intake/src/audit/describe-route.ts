/** The audit's name for a /v1 request, and the batch it is about, from its method and path. */
export interface RouteAction {
  action: string;
  batchId: string | null;
}

const BATCH = "([^/]+)";
const ROUTES: ReadonlyArray<[string, RegExp, string]> = [
  ["POST", /^\/invoker-batches\/?$/, "submit"],
  ["GET", /^\/invoker-batches\/?$/, "list"],
  ["GET", new RegExp(`^/invoker-batches/${BATCH}/?$`), "read"],
  ["DELETE", new RegExp(`^/invoker-batches/${BATCH}/?$`), "cancel"],
  ["GET", new RegExp(`^/invoker-batches/${BATCH}/instances/?$`), "instances"],
  ["POST", new RegExp(`^/invoker-batches/${BATCH}/retry/?$`), "retry"],
  ["POST", new RegExp(`^/invoker-batches/${BATCH}/disable/?$`), "disable"],
  ["POST", new RegExp(`^/invoker-batches/${BATCH}/enable/?$`), "enable"],
  ["POST", new RegExp(`^/invoker-batches/${BATCH}/delete-invokers/?$`), "delete-invokers"],
  ["GET", new RegExp(`^/invoker-batches/${BATCH}/runs/?$`), "runs"],
  ["GET", new RegExp(`^/invoker-batches/${BATCH}/runs/[^/]+/?$`), "run"],
  ["GET", new RegExp(`^/invoker-batches/${BATCH}/runs/[^/]+/instances/?$`), "run-instances"],
  ["POST", new RegExp(`^/invoker-batches/${BATCH}/runs/[^/]+/rerun/?$`), "rerun"],
  ["GET", /^\/audit\/?$/, "audit"],
  ["GET", /^\/admin\/dead-letters\/?$/, "dead-letters"],
  ["POST", /^\/admin\/dead-letters\/[^/]+\/[^/]+\/retry\/?$/, "dead-letter-retry"],
];

/** Whatever a client sends stays short and printable in the trail. */
export const cleanAuditText = (text: string) => text.replace(/[^\x21-\x7e]/g, "?").slice(0, 64);

/** A path segment as the router decodes it; as sent when it is not valid percent-encoding. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** `path`: the request's path under /v1, without its query. */
export function describeRoute(method: string, path: string): RouteAction {
  for (const [routeMethod, pattern, action] of ROUTES) {
    if (routeMethod !== method) continue;
    const match = pattern.exec(path);
    if (match)
      return { action, batchId: match[1] === undefined ? null : cleanAuditText(decodeSegment(match[1])) };
  }
  return { action: "unknown", batchId: null };
}
