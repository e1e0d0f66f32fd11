import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { TatErrorCode, TransportErrorCode } from "@tat-bulk/tat-api";
import { CommonClient } from "tencentcloud-sdk-nodejs-common";
import { type RequestTiming, timeRequestsOf, withRequestTiming } from "./request-timing.js";

const TAT_API_VERSION = "2020-10-28";

export interface TatClientOptions {
  /** A bare host (https) such as `tat.intl.tencentcloudapi.com`, or a URL such as `http://127.0.0.1:4600`. */
  endpoint: string;
  secretId: string;
  secretKey: string;
  sessionToken?: string;
  timeoutMs: number;
}

export type TatCallResult<T> =
  | { ok: true; response: T; requestId: string }
  | {
      ok: false;
      code: TatErrorCode | TransportErrorCode | string;
      message: string;
      requestId?: string;
      transport: boolean;
    };

interface SdkError {
  code?: string;
  httpCode?: number;
  requestId?: string;
  message?: string;
}

export function parseEndpoint(endpoint: string): { protocol: "http://" | "https://"; host: string } {
  const match = /^(https?):\/\/([^/]+)\/?$/.exec(endpoint);
  if (match?.[1] && match[2]) return { protocol: `${match[1]}://` as "http://" | "https://", host: match[2] };
  return { protocol: "https://", host: endpoint.replace(/\/$/, "") };
}

/** Names a failure that never produced a TAT answer, from what the SDK and node-fetch say. */
export function transportCode(error: SdkError): TransportErrorCode {
  if (error.httpCode !== undefined) return "HttpError";
  const message = error.message ?? "";
  if (/network timeout|timeout/i.test(message)) return "Timeout";
  if (/ECONNREFUSED/.test(message)) return "ConnectionRefused";
  if (/invalid json|Unexpected token|JSON/i.test(message)) return "InvalidResponse";
  return "NetworkError";
}

/**
 * The official SDK's CommonClient, one per region, behind a call that never throws: every outcome
 * is data (a response, a TAT error with its RequestId, or a transport failure by class).
 */
export class TatClient {
  private readonly clients = new Map<string, CommonClient>();
  private readonly agent: HttpAgent;

  constructor(private readonly options: TatClientOptions) {
    const { protocol } = parseEndpoint(options.endpoint);
    const agentOptions = { keepAlive: true, maxSockets: 256 };
    this.agent = protocol === "https://" ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    timeRequestsOf(this.agent);
  }

  private client(region: string): CommonClient {
    let client = this.clients.get(region);
    if (!client) {
      const { protocol, host } = parseEndpoint(this.options.endpoint);
      client = new CommonClient(host, TAT_API_VERSION, {
        credential: {
          secretId: this.options.secretId,
          secretKey: this.options.secretKey,
          ...(this.options.sessionToken ? { token: this.options.sessionToken } : {}),
        },
        region,
        profile: {
          httpProfile: {
            endpoint: host,
            protocol,
            reqTimeout: this.options.timeoutMs / 1000,
            agent: this.agent,
          },
        },
      });
      this.clients.set(region, client);
    }
    return client;
  }

  async call<T = Record<string, unknown>>(
    action: string,
    region: string,
    params: Record<string, unknown>,
    /** When the request may leave, and who hears when it did (before the answer comes). */
    timing: RequestTiming = {},
  ): Promise<TatCallResult<T>> {
    try {
      const client = this.client(region);
      const response = (await withRequestTiming(timing, () => client.request(action, params))) as T & {
        RequestId?: string;
      };
      return { ok: true, response, requestId: response.RequestId ?? "" };
    } catch (error) {
      const sdkError = error as SdkError;
      if (sdkError.code) {
        return {
          ok: false,
          code: sdkError.code,
          message: sdkError.message ?? "",
          transport: false,
          ...(sdkError.requestId ? { requestId: sdkError.requestId } : {}),
        };
      }
      return {
        ok: false,
        code: transportCode(sdkError),
        message: String(sdkError.message ?? error),
        transport: true,
      };
    }
  }

  close(): void {
    this.agent.destroy();
  }
}
