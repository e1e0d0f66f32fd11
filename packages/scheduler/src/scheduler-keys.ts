/**
 * The scheduler's keys under a namespace's root (`tat-bulk:{<namespace>}`, one Redis Cluster slot
 * with the batches' keys): batches waiting to be enrolled, each batch's chunks not yet leased, and
 * per budget its lanes and leases (keys built in the scripts under `sched`, lua/sched-lanes.lua).
 */
export function schedulerKeys(root: string) {
  const sched = `${root}:sched`;
  return {
    sched,
    schedInbox: `${sched}:inbox`,
    schedBudgets: `${sched}:budgets`,
    schedBudgetRates: `${sched}:budget-rates`,
    schedPending: (batchId: string) => `${sched}:pending:${batchId}`,
    schedInflight: (budget: string) => `${sched}:${budget}:inflight`,
  };
}
export type SchedulerKeys = ReturnType<typeof schedulerKeys>;
