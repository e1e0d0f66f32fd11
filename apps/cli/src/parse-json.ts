/** JSON.parse, with the error the caller names when the text is not JSON. */
export function parseJson(text: string, onError: () => Error): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw onError();
  }
}
