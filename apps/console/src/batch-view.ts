import type { BatchDetail, TatBulkClient } from "@tat-bulk/client/http";
import { type ConsoleSettings, traceLink } from "./console-settings.js";
import { age, coloured, confirmAction, h, present } from "./dom.js";
import { done } from "./list-view.js";

/** The IDs of a batch's instances that failed with `code`: read only when a download asks for them. */
async function failedWith(client: TatBulkClient, batchId: string, code: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const instance of client.instances(batchId, { status: "FAILED", pageSize: 10_000 })) {
    if ((instance.Error?.Code ?? "Unknown") === code) ids.push(instance.InstanceId);
  }
  return ids;
}

function download(name: string, lines: string[]): void {
  const url = URL.createObjectURL(new Blob([`${lines.join("\n")}\n`], { type: "text/plain" }));
  const link = h("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** 1,000 cells in one append: a fragment, no layout per cell. */
function chunkGrid(batch: BatchDetail): HTMLElement {
  const grid = h("div", { class: "grid", role: "img", "aria-label": `${batch.ChunkCount} chunks by status` });
  const cells = document.createDocumentFragment();
  for (const chunk of batch.Chunks) {
    cells.append(
      coloured(h("span", { class: "cell", title: `chunk ${chunk.Index}: ${chunk.Status}` }), chunk.Status),
    );
  }
  grid.append(cells);
  return grid;
}

const ACTIONS = [
  ["cancel", "Cancel the batch", "Cancel this batch? Chunks not sent stop; created invokers are disabled."],
  ["retry", "Retry failed", "Send this batch's failed instances again?"],
  ["disable", "Disable invokers", "Disable every invoker this batch created?"],
  ["enable", "Enable invokers", "Enable every invoker this batch created?"],
  ["delete-invokers", "Delete invokers", "Delete every invoker this batch created? This cannot be undone."],
] as const;

async function act(client: TatBulkClient, batchId: string, action: (typeof ACTIONS)[number][0]) {
  if (action === "cancel") return client.cancel(batchId);
  if (action === "retry") return client.retry(batchId);
  return client.invokers(batchId, action);
}

/** One batch: progress and ETA, its chunks, failures by code, invokers, stop reason, actions. */
/** The batch's trace ID, linked to the trace UI when the intake names one. */
function traceCell(settings: ConsoleSettings, traceId: string): HTMLElement | string {
  const href = traceLink(settings, traceId);
  return href ? h("a", { href, target: "_blank", rel: "noopener noreferrer" }, traceId) : traceId;
}

export async function batchView(
  client: TatBulkClient,
  root: HTMLElement,
  batchId: string,
  rerender: () => void,
  settings: ConsoleSettings,
): Promise<{ refresh: boolean }> {
  const batch = await client.batch(batchId, { chunkLimit: 1000 });
  // Counted by the service as chunks are written: a refresh reads no failed instance.
  const failed = Object.entries(batch.FailedByCode).sort(([, a], [, b]) => b - a);
  const message = h("p", { role: "status", "aria-live": "polite" });
  const offered = ACTIONS.filter(
    ([action]) =>
      !(action === "cancel" && batch.FinishedAt) && !(action === "retry" && batch.Instances.Failed === 0),
  );
  const buttons = offered.map(([action, label, question]) => {
    const button = h("button", { type: "button", class: action === "cancel" ? "danger" : "" }, label);
    button.addEventListener("click", async () => {
      if (!(await confirmAction(question, label))) return;
      try {
        await act(client, batchId, action);
        message.textContent = `${label}: done`;
        rerender();
      } catch (error) {
        message.className = "error";
        message.textContent = error instanceof Error ? error.message : String(error);
      }
    });
    return button;
  });
  const eta = batch.FinishedAt
    ? `finished ${age(batch.FinishedAt)}`
    : batch.EstimatedCompletionAt
      ? `ETA ${new Date(batch.EstimatedCompletionAt).toLocaleTimeString()}`
      : "ETA unknown";
  root.replaceChildren(
    ...present(
      h("p", {}, h("a", { href: "#/" }, "← all batches")),
      h("h1", {}, batch.BatchId),
      h(
        "dl",
        {},
        h("dt", {}, "Status"),
        coloured(h("dd", { class: "status", id: "batch-status" }, batch.Status), batch.Status),
        h("dt", {}, "Progress"),
        h(
          "dd",
          {},
          h("progress", {
            max: String(batch.InstanceCount),
            value: String(done(batch)),
            "aria-label": "progress",
          }),
          ` ${done(batch)} of ${batch.InstanceCount} instances · ${eta}`,
        ),
        h("dt", {}, "Instances"),
        h(
          "dd",
          {},
          `${batch.Instances.Succeeded} succeeded · ${batch.Instances.Failed} failed · ` +
            `${batch.Instances.Cancelled} cancelled · ${batch.Instances.Pending} pending`,
        ),
        h("dt", {}, "Invokers"),
        h(
          "dd",
          {},
          `${batch.Invokers.Enabled} enabled · ${batch.Invokers.Disabled} disabled · ${batch.Invokers.Deleted} deleted`,
          batch.InvokerAction &&
            ` (becoming ${batch.InvokerAction.Target}: ${batch.InvokerAction.Pending} to go${batch.InvokerAction.Error ? `; ${batch.InvokerAction.Error}` : ""})`,
        ),
        h("dt", {}, "Caller"),
        h("dd", {}, batch.Caller ?? "—"),
        batch.TraceId && h("dt", {}, "Trace"),
        batch.TraceId && h("dd", { id: "trace" }, traceCell(settings, batch.TraceId)),
        h("dt", {}, "Stop reason"),
        h(
          "dd",
          { id: "stop-reason" },
          batch.StopReason ? `${batch.StopReason.Code}: ${batch.StopReason.Message}` : "—",
        ),
        batch.Paused && h("dt", {}, "Paused"),
        batch.Paused && h("dd", {}, `${batch.Paused.Reason} since ${batch.Paused.Since}`),
        h("dt", {}, "Runs"),
        h(
          "dd",
          { id: "last-run" },
          batch.LastRun
            ? h(
                "a",
                { href: `#/batches/${batchId}/runs/${batch.LastRun.RunId}` },
                `last ${batch.LastRun.RunId}: ${batch.LastRun.Status}, ${batch.LastRun.Instances.Succeeded} succeeded, ${batch.LastRun.Instances.Failed} failed`,
              )
            : "none yet",
          " · ",
          h("a", { href: `#/batches/${batchId}/runs` }, "all runs"),
        ),
      ),
      h("div", { class: "actions" }, ...buttons),
      message,
      h("h2", {}, `Chunks (${batch.ChunkCount})`),
      h(
        "p",
        { class: "legend" },
        ...["QUEUED", "RUNNING", "SUCCEEDED", "PARTIALLY_FAILED", "FAILED", "CANCELLED"].map((s) =>
          h("span", {}, coloured(h("span", { class: "cell" }), s), s),
        ),
      ),
      chunkGrid(batch),
      batch.ChunkCount > batch.Chunks.length &&
        h("p", {}, `The first ${batch.Chunks.length} chunks are shown.`),
      h("h2", {}, "Failed instances"),
      failed.length === 0
        ? h("p", {}, "None.")
        : h(
            "table",
            {},
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                h("th", { scope: "col" }, "Code"),
                h("th", { scope: "col" }, "Instances"),
                h("th", {}),
              ),
            ),
            h(
              "tbody",
              {},
              ...failed.map(([code, count]) => {
                const button = h("button", { type: "button" }, `Download ${count} IDs`);
                button.addEventListener("click", async () => {
                  download(`${batchId}-${code}.txt`, await failedWith(client, batchId, code));
                });
                return h("tr", {}, h("td", {}, code), h("td", {}, count), h("td", {}, button));
              }),
            ),
          ),
    ),
  );
  const running = !batch.FinishedAt || (batch.InvokerAction !== null && batch.InvokerAction.DoneAt === null);
  return { refresh: running };
}
