/** The intake's settings for its console (GET /console/settings.json, public). */
export interface ConsoleSettings {
  /** A batch's trace link, `{traceId}` replaced; null: no link. */
  traceUrl: string | null;
}

const NONE: ConsoleSettings = { traceUrl: null };

/** Read once per page load; an intake that does not answer them means no optional feature. */
export async function loadSettings(): Promise<ConsoleSettings> {
  try {
    const res = await fetch(new URL("settings.json", location.href.split("#")[0]));
    if (!res.ok) return NONE;
    const body = (await res.json()) as Partial<ConsoleSettings>;
    return { traceUrl: typeof body.traceUrl === "string" ? body.traceUrl : null };
  } catch {
    return NONE;
  }
}

/** The link to a trace, when the intake names a trace UI. */
export function traceLink(settings: ConsoleSettings, traceId: string): string | undefined {
  return settings.traceUrl
    ? settings.traceUrl.replaceAll("{traceId}", encodeURIComponent(traceId))
    : undefined;
}
