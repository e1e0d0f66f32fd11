import type { RedisClient } from "./lua-script.js";

/** Given back by `watchForLoss`: call `release()` before closing the client on purpose. */
export interface LossWatch {
  release(): void;
}

/**
 * Calls `lost` once when `client` ends for good while nobody closed it. ioredis stops reconnecting
 * only when a retry strategy gives up or on a bug (its Sentinel failover detector once did this),
 * and from then on every command fails at once with "Connection is closed.". A process left with
 * such a client does no work and looks alive; worse, BullMQ retries those failures without pause
 * while its worker closes, so SIGTERM never gets a turn. Restarting the process is the way out.
 */
export function watchForLoss(client: RedisClient, lost: () => void): LossWatch {
  let released = false;
  const onEnd = () => {
    if (released) return;
    released = true;
    lost();
  };
  client.once("end", onEnd);
  return {
    release() {
      released = true;
      client.off("end", onEnd);
    },
  };
}
