export { EVENT_ID_HEADER, SIGNATURE_HEADER, verifyWebhookSignature } from "@tat-bulk/webhooks";
export * from "./tat-bulk-client.js";
