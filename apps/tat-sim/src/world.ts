import { readFileSync } from "node:fs";
import { COMMAND_ID_PATTERN, INSTANCE_ID_PATTERN } from "@tat-bulk/tat-api";
import { z } from "zod";

const AGENT_STATUSES = ["Online", "Offline", "NotInstalled"] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export interface Command {
  CommandId: string;
  CommandName: string;
  EnableParameter: boolean;
}

export interface World {
  /** The open world: everything well-formed exists (the unhealthy rates apply to it). */
  open: boolean;
  command(id: string): Command | undefined;
  /** The agent status of an instance, or undefined when it does not exist. */
  agent(id: string): AgentStatus | undefined;
  /** Every declared command, for DescribeCommands without IDs (the open world declares none). */
  commands(): Command[];
}

/** Everything well-formed exists, every command takes parameters, every agent is online: `npm start` just works. */
const openWorld: World = {
  open: true,
  command: (id) =>
    COMMAND_ID_PATTERN.test(id)
      ? { CommandId: id, CommandName: `command-${id}`, EnableParameter: true }
      : undefined,
  agent: (id) => (INSTANCE_ID_PATTERN.test(id) ? "Online" : undefined),
  commands: () => [],
};

const worldFileSchema = z.strictObject({
  commands: z.array(
    z.strictObject({
      CommandId: z.string().regex(COMMAND_ID_PATTERN),
      CommandName: z.string().optional(),
      EnableParameter: z.boolean().default(false),
    }),
  ),
  instances: z.array(
    z.strictObject({
      InstanceId: z.string().regex(INSTANCE_ID_PATTERN),
      AgentStatus: z.enum(AGENT_STATUSES).default("Online"),
    }),
  ),
});
export type WorldFile = z.input<typeof worldFileSchema>;

export function worldFrom(definition: WorldFile): World {
  const parsed = worldFileSchema.parse(definition);
  const commands = new Map(
    parsed.commands.map((c) => [
      c.CommandId,
      {
        CommandId: c.CommandId,
        CommandName: c.CommandName ?? c.CommandId,
        EnableParameter: c.EnableParameter,
      },
    ]),
  );
  const agents = new Map(parsed.instances.map((i) => [i.InstanceId, i.AgentStatus]));
  return {
    open: false,
    command: (id) => commands.get(id),
    agent: (id) => agents.get(id),
    commands: () => [...commands.values()],
  };
}

export function loadWorld(path: string | undefined): World {
  if (!path) return openWorld;
  return worldFrom(JSON.parse(readFileSync(path, "utf8")) as WorldFile);
}
