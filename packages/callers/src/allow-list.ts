/**
 * Allow-lists of IDs and names with `*` (any run of characters) and `?` (one character). Not a path
 * glob library: an ID has no directories, and path semantics (a `*` that stops at `/`, braces,
 * dotfiles) would surprise whoever writes `cmd-*`.
 */
export function globMatcher(patterns: readonly string[]): (value: string) => boolean {
  const regexes = patterns.map((pattern) => {
    const body = pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".");
    return new RegExp(`^${body}$`);
  });
  return (value) => regexes.some((regex) => regex.test(value));
}
