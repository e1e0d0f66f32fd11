import type { RunDetail, RunInstance, TatBulkClient } from "@tat-bulk/client/http";
import { age, coloured, confirmAction, h, present } from "./dom.js";

const FINAL = new Set(["SUCCEEDED", "PARTIALLY_FAILED", "FAILED"]);
/** Failed instances a run page shows with their outputs (the CLI and the API have them all). */
const SHOWN = 100;

const counts = (run: { Instances: Record<string, number> }) =>
  `${run.Instances.Succeeded} succeeded · ${run.Instances.Failed} failed · ${run.Instances.Cancelled} cancelled · ` +
  `${run.Instances.Pending} pending · ${run.Instances.NotFired} not fired`;

/** A batch's runs: what its invokers ran at each scheduled time, and reruns. */
export async function runsView(
  client: TatBulkClient,
  root: HTMLElement,
  batchId: string,
): Promise<{ refresh: boolean }> {
  const page = await client.runs(batchId, 0, 100);
  root.replaceChildren(
    ...present(
      h("p", {}, h("a", { href: `#/batches/${batchId}` }, `← ${batchId}`)),
      h("h1", {}, `Runs of ${batchId}`),
      page.TotalCount === 0
        ? h("p", {}, "None yet: a run appears when the batch's schedule comes.")
        : h(
            "table",
            {},
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ...["Run", "Source", "Status", "Instances", "Scheduled"].map((c) =>
                  h("th", { scope: "col" }, c),
                ),
              ),
            ),
            h(
              "tbody",
              {},
              ...page.Runs.map((run) =>
                h(
                  "tr",
                  {},
                  h("td", {}, h("a", { href: `#/batches/${batchId}/runs/${run.RunId}` }, run.RunId)),
                  h("td", {}, run.Source),
                  coloured(h("td", { class: "status" }, run.Status), run.Status),
                  h("td", {}, counts(run)),
                  h("td", {}, age(run.ScheduledAt)),
                ),
              ),
            ),
          ),
    ),
  );
  return { refresh: page.Runs.some((run) => !FINAL.has(run.Status)) };
}

function failedInstance(instance: RunInstance): HTMLElement {
  const cut = instance.Dropped ? ` · ${instance.Dropped} bytes cut` : "";
  return h(
    "details",
    {},
    h(
      "summary",
      {},
      `${instance.InstanceId} · ${instance.TaskStatus} · exit ${instance.ExitCode ?? "—"}${cut}`,
    ),
    h("pre", {}, instance.Output || instance.ErrorInfo || "(no output)"),
  );
}

/** One run: its counts, failures grouped, the failed instances' outputs, and a rerun of them. */
export async function runView(
  client: TatBulkClient,
  root: HTMLElement,
  ids: { batchId: string; runId: string },
  rerender: () => void,
): Promise<{ refresh: boolean }> {
  const run: RunDetail = await client.run(ids.batchId, ids.runId);
  const failed: RunInstance[] = [];
  for await (const instance of client.runInstances(ids.batchId, ids.runId, {
    status: "Failed",
    pageSize: SHOWN,
  })) {
    failed.push(instance);
    if (failed.length >= SHOWN) break;
  }
  const message = h("p", { role: "status", "aria-live": "polite" });
  const final = FINAL.has(run.Status);
  const rerun = h("button", { type: "button" }, `Rerun ${run.Instances.Failed} failed`);
  rerun.addEventListener("click", async () => {
    if (!(await confirmAction(`Run the command again on ${run.Instances.Failed} failed instances?`, "Rerun")))
      return;
    try {
      const accepted = await client.rerun(ids.batchId, ids.runId);
      message.textContent = `Rerun: ${accepted.RunId}, ${accepted.InstanceCount} instances`;
      location.hash = `#/batches/${ids.batchId}/runs/${accepted.RunId}`;
      rerender();
    } catch (error) {
      message.className = "error";
      message.textContent = error instanceof Error ? error.message : String(error);
    }
  });
  root.replaceChildren(
    ...present(
      h("p", {}, h("a", { href: `#/batches/${ids.batchId}/runs` }, "← all runs")),
      h("h1", {}, `Run ${run.RunId}`),
      h(
        "dl",
        {},
        h("dt", {}, "Status"),
        coloured(h("dd", { class: "status", id: "run-status" }, run.Status), run.Status),
        h("dt", {}, "Source"),
        h("dd", {}, run.RerunOf ? `${run.Source} of ${run.RerunOf}` : run.Source),
        h("dt", {}, "Scheduled"),
        h("dd", {}, run.ScheduledAt),
        h("dt", {}, "Instances"),
        h("dd", {}, counts(run)),
        h("dt", {}, "Task statuses"),
        h(
          "dd",
          {},
          Object.entries(run.TaskStatuses)
            .map(([s, n]) => `${s} ${n}`)
            .join(" · ") || "—",
        ),
      ),
      final && run.Instances.Failed > 0 && h("div", { class: "actions" }, rerun),
      message,
      h("h2", {}, "Failures, grouped"),
      run.FailureGroups.length === 0
        ? h("p", {}, "None.")
        : h(
            "table",
            { id: "failure-groups" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ...["Count", "Status", "Exit code", "Output (identifiers masked)"].map((c) =>
                  h("th", { scope: "col" }, c),
                ),
              ),
            ),
            h(
              "tbody",
              {},
              ...run.FailureGroups.map((g) =>
                h(
                  "tr",
                  {},
                  h("td", {}, g.Count),
                  h("td", {}, g.TaskStatus),
                  h("td", {}, g.ExitCode ?? "—"),
                  h("td", {}, h("code", {}, g.OutputSample)),
                ),
              ),
            ),
          ),
      h("h2", {}, `Failed instances${run.Instances.Failed > SHOWN ? ` (the first ${SHOWN})` : ""}`),
      failed.length === 0
        ? h("p", {}, "None.")
        : h("div", { class: "outputs" }, ...failed.map(failedInstance)),
    ),
  );
  return { refresh: !final };
}
