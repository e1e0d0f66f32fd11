/** TAT's documented limits (docs/tat-api-notes.md): the one statement of each. */

/** Instances one CreateInvoker call takes, all of one instance type. */
export const TAT_MAX_INSTANCES_PER_CALL = 100;

/** Calls per second each invoker or command action allows per account and access region. */
export const TAT_CALLS_PER_SECOND = 20;

/** The agent check tat-bulk runs before CreateInvoker, and its own documented budget. */
export const AGENT_CHECK_ACTION = "DescribeAutomationAgentStatus";
export const AGENT_CHECK_CALLS_PER_SECOND = 60;
