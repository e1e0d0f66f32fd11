export { isAllowedCallback, isForbiddenAddress } from "./allowed-hosts.js";
export {
  EVENT_ID_HEADER,
  SIGNATURE_HEADER,
  signatureHeader,
  type VerifyOptions,
  verifyWebhookSignature,
} from "./signature.js";
