const KEY = "tat-bulk-api-key";

/**
 * The API key for this tab (sessionStorage: gone with the tab). `#key=<key>` in the address signs
 * in too, for automation; it is taken out of the address at once, before anything else runs.
 */
export function takeKeyFromAddress(): void {
  const match = /^#key=([^&]+)/.exec(location.hash);
  if (!match?.[1]) return;
  sessionStorage.setItem(KEY, decodeURIComponent(match[1]));
  history.replaceState(null, "", `${location.pathname}${location.search}#/`);
}

export const currentKey = () => sessionStorage.getItem(KEY);
export const signIn = (key: string) => sessionStorage.setItem(KEY, key);
export const signOut = () => sessionStorage.removeItem(KEY);
