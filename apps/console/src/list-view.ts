import type { BatchSummary, TatBulkClient } from "@tat-bulk/client/http";
import { age, coloured, h, present } from "./dom.js";

const PAGE = 20;
/** The filter's choices: any, then the API's batch statuses. */
const STATUSES = ["", ..."QUEUED RUNNING CANCELLING SUCCEEDED PARTIALLY_FAILED FAILED CANCELLED".split(" ")];

/** Instances with an outcome, of all: what the progress bar shows. */
export const done = (b: Pick<BatchSummary, "InstanceCount" | "Instances">) =>
  b.InstanceCount - b.Instances.Pending;

/** The caller's batches, newest first, a page at a time, filtered by status (within the page). */
export async function listView(client: TatBulkClient, root: HTMLElement, query: URLSearchParams) {
  const offset = Math.max(0, Number(query.get("offset") ?? 0) || 0);
  const status = query.get("status") ?? "";
  const page = await client.list(offset, PAGE);
  const shown = page.Batches.filter((b) => !status || b.Status === status);
  const filter = h(
    "select",
    { id: "status-filter" },
    ...STATUSES.map((s) => h("option", { value: s }, s || "any")),
  );
  filter.value = status;
  filter.addEventListener("change", () => {
    location.hash = `#/?status=${filter.value}&offset=${offset}`;
  });
  const rows = shown.map((b) =>
    h(
      "tr",
      {},
      h("td", {}, h("a", { href: `#/batches/${b.BatchId}` }, b.BatchId)),
      coloured(h("td", { class: "status" }, b.Status), b.Status),
      h(
        "td",
        {},
        h("progress", {
          max: String(b.InstanceCount),
          value: String(done(b)),
          "aria-label": `${b.BatchId} progress`,
        }),
      ),
      h(
        "td",
        {},
        `${b.Instances.Succeeded} ok · ${b.Instances.Failed} failed · ${b.Instances.Pending} pending`,
      ),
      h("td", {}, b.Caller ?? "—"),
      h("td", {}, age(b.CreatedAt)),
    ),
  );
  const pager = h(
    "nav",
    { class: "actions", "aria-label": "pages" },
    offset > 0 && h("a", { href: `#/?status=${status}&offset=${Math.max(0, offset - PAGE)}` }, "← newer"),
    h("span", {}, `${offset + 1}–${Math.min(offset + PAGE, page.TotalCount)} of ${page.TotalCount}`),
    offset + PAGE < page.TotalCount &&
      h("a", { href: `#/?status=${status}&offset=${offset + PAGE}` }, "older →"),
  );
  root.replaceChildren(
    ...present(
      h("h1", {}, "Batches"),
      h("label", { for: "status-filter" }, "Status "),
      filter,
      h(
        "table",
        {},
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ...["Batch", "Status", "Progress", "Instances", "Caller", "Age"].map((t) =>
              h("th", { scope: "col" }, t),
            ),
          ),
        ),
        h("tbody", {}, ...rows),
      ),
      shown.length === 0 && h("p", {}, "No batch here."),
      pager,
    ),
  );
}
