/** Where the CLI writes and reads: the terminal in main.ts, buffers in the tests. */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Rewrites the current terminal line (progress); undefined when not a terminal. */
  status?: (line: string) => void;
  readStdin: () => string;
  pollMs: number;
}
