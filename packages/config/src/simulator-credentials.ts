/**
 * The TAT simulator's documented local key pair: what `npm start`, the tests and the benchmarks
 * sign with. Not a secret: it opens nothing but a local simulator.
 */
export const SIMULATOR_CREDENTIALS = {
  secretId: "AKIDtatbulklocal0000000000000000",
  secretKey: "tatbulklocalsecretkey00000000000",
} as const;
