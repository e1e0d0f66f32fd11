/** Elements built with text, never HTML strings: nothing an API answer holds can become markup. */
export type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) element.setAttribute(name, "");
    else if (typeof value === "string") element.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === "number" ? String(child) : child);
  }
  return element;
}

/** The children worth showing (a `false` from `cond && node` drops out), as replaceChildren takes them. */
export const present = (...children: Child[]): Array<Node | string> =>
  children.flatMap((c) =>
    c === null || c === undefined || c === false ? [] : [typeof c === "number" ? String(c) : c],
  );

/** Each status's colour (console.css defines them): the text of a status, and a grid cell. */
const STATUS_COLOURS: Record<string, string> = {
  SUCCEEDED: "var(--ok)",
  FAILED: "var(--fail)",
  PARTIALLY_FAILED: "var(--partial)",
  CANCELLED: "var(--cancel)",
  QUEUED: "var(--queued)",
};

/** Colours an element by a batch or chunk status (any other is in progress). */
export function coloured<E extends HTMLElement>(element: E, status: string): E {
  element.style.setProperty("--status", STATUS_COLOURS[status] ?? "var(--run)");
  return element;
}

/** "3 min ago", "2 h ago": an age a person reads at a glance. */
export function age(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}

/** Asks before doing something that changes a fleet; answers whether the operator confirmed. */
export function confirmAction(question: string, confirmLabel: string): Promise<boolean> {
  return new Promise((resolve) => {
    const yes = h("button", { type: "button", class: "danger" }, confirmLabel);
    const no = h("button", { type: "button" }, "Keep it");
    const dialog = h(
      "dialog",
      { "aria-labelledby": "confirm-question" },
      h("p", { id: "confirm-question" }, question),
      h("div", { class: "actions" }, yes, no),
    );
    const close = (answer: boolean) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    yes.addEventListener("click", () => close(true));
    no.addEventListener("click", () => close(false));
    dialog.addEventListener("cancel", () => close(false));
    document.body.append(dialog);
    dialog.showModal();
    no.focus();
  });
}
