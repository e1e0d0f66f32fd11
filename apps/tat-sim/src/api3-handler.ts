import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { REGION_PATTERN } from "@tat-bulk/tat-api";
import { ACTIONS } from "./actions/index.js";
import { BodyTooLarge, readBody, sendJson, sleep } from "./http-io.js";
import type { SimulatorState } from "./simulator-state.js";
import { TatError } from "./tat-error.js";
import { verifySignature } from "./verify-signature.js";

const API_VERSION = "2020-10-28";
const BODY_LIMIT = 10 * 1024 * 1024;

/** Responses that never get an answer (hang faults); ended when the client gives up or the simulator closes. */
const BROKEN = {
  "bad-gateway": {
    code: "HttpError",
    status: 502,
    type: "text/html",
    body: "<html><body>502 Bad Gateway</body></html>",
  },
  "non-json": {
    code: "InvalidResponse",
    status: 200,
    type: "application/json",
    body: "<html>upstream error</html>",
  },
} as const;

export type HungResponses = Set<ServerResponse>;

const preciseNow = () => performance.timeOrigin + performance.now();

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

/** One API 3.0 call: transit jitter, signature, version and action, rate limit, faults, then the action. */
export async function handleApiCall(
  state: SimulatorState,
  hung: HungResponses,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  // Arrival is receipt plus transit jitter, reckoned exactly: the simulator stands for a remote
  // service, so neither its timers nor its own event loop on a busy machine should move arrivals.
  const receivedAt = preciseNow();
  const requestId = randomUUID();
  const rawAction = header(req, "x-tc-action");
  const action = Object.hasOwn(ACTIONS, rawAction) ? rawAction : "unknown";
  const answer = (code: string, response: Record<string, unknown>) => {
    state.stats.answer(action, code);
    state.requests.inc({ action, code });
    sendJson(res, 200, { Response: { ...response, RequestId: requestId } });
  };
  try {
    let body: Buffer;
    try {
      body = await readBody(req, BODY_LIMIT);
    } catch (error) {
      if (error instanceof BodyTooLarge)
        throw new TatError("RequestSizeLimitExceeded", "The request body is too large");
      throw error;
    }
    const arrivedAt = receivedAt + state.faults.arrivalDelayMs();
    // Handled at its arrival, so calls are counted nearly in arrival order (the counters sort the rest).
    await sleep(arrivedAt - preciseNow());
    const secretId = verifySignature(
      req.headers,
      body,
      state.config.TAT_SIM_CREDENTIALS,
      Math.floor(Date.now() / 1000),
    );
    if (header(req, "x-tc-version") !== API_VERSION) {
      throw new TatError("NoSuchVersion", `Version must be ${API_VERSION}`);
    }
    const run = ACTIONS[rawAction];
    if (!run || !Object.hasOwn(ACTIONS, rawAction)) {
      throw new TatError("InvalidAction", `Action ${rawAction.slice(0, 64)} does not exist`);
    }
    const region = header(req, "x-tc-region");
    if (!REGION_PATTERN.test(region))
      throw new TatError("UnsupportedRegion", `Region ${region.slice(0, 64)} is not supported`);
    const rateKey = `${action}|${secretId}`;
    const limit = state.rate.limitOf(action);
    state.stats.arrival(rateKey, arrivedAt, limit);
    if (!state.rate.tryAcquire(rateKey, arrivedAt, limit)) {
      throw new TatError("RequestLimitExceeded", `More than ${limit} ${action} calls per second`);
    }
    state.stats.accept(rateKey, arrivedAt, limit);
    let parsed: unknown;
    try {
      parsed = body.length ? JSON.parse(body.toString("utf8")) : {};
    } catch {
      throw new TatError("InvalidParameter", "The body is not valid JSON");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new TatError("InvalidParameter", "The body must be a JSON object");
    }
    const decision = state.faults.decide(action);
    await sleep(state.faults.latencyMs() + decision.delayMs);
    switch (decision.fault) {
      case "internal-error-before":
        throw new TatError("InternalError", "Injected internal error (nothing was done)");
      case "service-unavailable":
        throw new TatError("ServiceUnavailable", "Injected: service unavailable");
      case "request-limit-exceeded":
        throw new TatError("RequestLimitExceeded", "Injected: request limit exceeded");
      case "hang-before":
        return hang(state, hung, res, action);
      case "bad-gateway":
      case "non-json": {
        // What a broken proxy answers: counted under the code the client will give it.
        const broken = BROKEN[decision.fault];
        state.stats.answer(action, broken.code);
        state.requests.inc({ action, code: broken.code });
        res.writeHead(broken.status, { "content-type": broken.type }).end(broken.body);
        return;
      }
      default:
        break;
    }
    const result = run({
      body: parsed as Record<string, unknown>,
      region,
      world: state.world,
      agents: state.agents,
      invokers: state.invokers,
      invocations: state.invocations,
      tasks: state.tasks,
      missingInCheck: state.config.TAT_SIM_AGENT_CHECK_MISSING,
      now: Date.now(),
    });
    if (decision.fault === "agents-change-after" && decision.agents) {
      state.agents.override(decision.agents.instanceIds, decision.agents.status);
    }
    if (decision.fault === "internal-error-after") {
      throw new TatError("InternalError", "Injected internal error (the call took effect)");
    }
    if (decision.fault === "hang-after") return hang(state, hung, res, action);
    answer("Success", result);
  } catch (error) {
    if (error instanceof TatError) {
      answer(error.code, { Error: { Code: error.code, Message: error.message } });
      return;
    }
    state.logger.error({ err: error }, "simulator failure");
    answer("InternalError", { Error: { Code: "InternalError", Message: "Simulator failure" } });
  }
}

function hang(state: SimulatorState, hung: HungResponses, res: ServerResponse, action: string): void {
  state.stats.answer(action, "Timeout");
  state.requests.inc({ action, code: "Timeout" });
  hung.add(res);
  res.on("close", () => hung.delete(res));
}
