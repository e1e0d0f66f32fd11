import { type Action, onlyKnown, page, stringArray } from "./action.js";

export const describeCommands: Action = ({ body, world }) => {
  onlyKnown(body, ["CommandIds", "Filters", "Limit", "Offset"]);
  const ids = stringArray(body, "CommandIds", 100);
  const commands = ids ? ids.flatMap((id) => world.command(id) ?? []) : world.commands();
  const { offset, limit } = page(body, 100);
  return {
    TotalCount: commands.length,
    CommandSet: commands.slice(offset, offset + limit).map((c) => ({
      ...c,
      CommandType: "SHELL",
      Timeout: 60,
      Username: "root",
      CreatedBy: "USER",
    })),
  };
};
