import { createTatBulkClient, TatBulkError } from "@tat-bulk/client/http";
import { batchView } from "./batch-view.js";
import { loadSettings } from "./console-settings.js";
import { h } from "./dom.js";
import { listView } from "./list-view.js";
import { runsView, runView } from "./run-views.js";
import { currentKey, signIn, signOut, takeKeyFromAddress } from "./session.js";

const REFRESH_MS = 2000;
const settings = loadSettings();

takeKeyFromAddress();
const app = document.getElementById("app") as HTMLElement;
const signOutButton = document.getElementById("sign-out") as HTMLButtonElement;
let timer: number | undefined;

function signInForm(error?: string) {
  const input = h("input", { id: "api-key", type: "password", autocomplete: "off", required: true });
  const form = h(
    "form",
    { class: "sign-in" },
    h("h1", {}, "Sign in"),
    h("label", { for: "api-key" }, "API key"),
    input,
    error && h("p", { class: "error", role: "alert" }, error),
    h("button", { type: "submit" }, "Sign in"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    signIn(input.value.trim());
    void route();
  });
  app.replaceChildren(form);
  signOutButton.hidden = true;
  input.focus();
}

/** Renders what the address names; a running batch's page renders again every 2 s. */
async function route(): Promise<void> {
  window.clearTimeout(timer);
  const key = currentKey();
  if (!key) return signInForm();
  signOutButton.hidden = false;
  const client = createTatBulkClient({ baseUrl: location.origin, apiKey: key });
  const [path = "/", query = ""] = location.hash.replace(/^#/, "").split("?");
  try {
    const [, batch, runs, run] = /^\/batches\/([\w-]+)(\/runs(?:\/([\w-]+))?)?$/.exec(path) ?? [];
    if (!batch) return await listView(client, app, new URLSearchParams(query));
    const { refresh } = run
      ? await runView(client, app, { batchId: batch, runId: run }, () => void route())
      : runs
        ? await runsView(client, app, batch)
        : await batchView(client, app, batch, () => void route(), await settings);
    if (refresh) {
      timer = window.setTimeout(() => {
        if (!document.querySelector("dialog[open]")) void route();
      }, REFRESH_MS);
    }
  } catch (error) {
    if (error instanceof TatBulkError && error.status === 401) {
      signOut();
      return signInForm("That key was refused.");
    }
    app.replaceChildren(
      h("p", { class: "error", role: "alert" }, error instanceof Error ? error.message : String(error)),
    );
  }
}

signOutButton.addEventListener("click", () => {
  signOut();
  void route();
});
window.addEventListener("hashchange", () => void route());
void route();
