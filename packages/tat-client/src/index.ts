export type { RequestTiming } from "./request-timing.js";
export { checkSendHold, type SendHoldCheck } from "./send-hold-check.js";
export { parseEndpoint, type TatCallResult, TatClient } from "./tat-client.js";
