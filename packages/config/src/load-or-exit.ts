/**
 * A process's configuration, or a one-line reason on stderr and exit code 2: what every main.ts
 * does first, so a bad value stops the process at start with a message naming it.
 */
export function loadConfigOrExit<T>(
  processName: string,
  load: (env: NodeJS.ProcessEnv) => T,
  env: NodeJS.ProcessEnv,
): T {
  try {
    return load(env);
  } catch (error) {
    console.error(`${processName}: ${(error as Error).message}`);
    process.exit(2);
  }
}
