import { INSTANCE_ID_PATTERN } from "@tat-bulk/tat-api";
import { TatError } from "../tat-error.js";
import { type Action, onlyKnown, page, stringArray } from "./action.js";

/**
 * DescribeAutomationAgentStatus by InstanceIds: instances without an agent are left out; one that
 * does not exist is left out too, or fails the whole call (`missingInCheck: "error"`): TAT does not
 * document which, so the simulator does either.
 */
export const describeAutomationAgentStatus: Action = ({ body, agents, missingInCheck }) => {
  onlyKnown(body, ["InstanceIds", "Filters", "Limit", "Offset"]);
  const ids = stringArray(body, "InstanceIds", 100) ?? [];
  const bad = ids.find((id) => !INSTANCE_ID_PATTERN.test(id));
  if (bad)
    throw new TatError("InvalidParameterValue.InvalidInstanceId", `Invalid instance ID ${bad.slice(0, 64)}`);
  const found = ids.flatMap((id) => {
    const status = agents.reported(id);
    if (status === undefined && missingInCheck === "error") {
      throw new TatError("ResourceNotFound.InstanceNotFound", "An instance does not exist");
    }
    return status === undefined || status === "NotInstalled"
      ? []
      : [
          {
            InstanceId: id,
            AgentStatus: status,
            Version: "1.1.0",
            Environment: "Linux",
            SupportFeatures: [],
          },
        ];
  });
  const { offset, limit } = page(body, 100);
  return { TotalCount: found.length, AutomationAgentSet: found.slice(offset, offset + limit) };
};
