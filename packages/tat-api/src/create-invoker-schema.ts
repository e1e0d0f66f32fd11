import { z } from "zod";
import { accountNameSchema, callbackUrlSchema, maxErrorsSchema, prioritySchema } from "./batch-fields.js";
import { checkCronExpression } from "./cron-expression.js";
import { COMMAND_ID_PATTERN } from "./guessed-rules.js";
import { INSTANCE_ID_PATTERN } from "./instance-id.js";
import { parseInvokeTime } from "./invoke-time.js";
import { tatIssue, tatRefinement } from "./tat-issues.js";
import { TAT_MAX_INSTANCES_PER_CALL } from "./tat-limits.js";

export const MAX_TAGS = 10;
const RESERVED_TAG_KEY_PREFIXES = ["qcloud", "tencent", "project"] as const;
export const MAX_INSTANCES_PER_BATCH = 100_000;
export const REGION_PATTERN = /^[a-z]{2,}(?:-[a-z0-9]+)+$/;

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

const tagSchema = z
  .strictObject({
    Key: z
      .string()
      .min(1, "Tag Key must not be empty")
      .max(127, "Tag Key is longer than 127 characters")
      .refine(
        (key) => !RESERVED_TAG_KEY_PREFIXES.some((p) => key.toLowerCase().startsWith(p)),
        tatRefinement("InvalidParameterValue", "Tag Key prefixes qcloud, tencent and project are reserved"),
      ),
    Value: z.string().max(255, "Tag Value is longer than 255 characters"),
  })
  .meta({ description: "A tag for the invoker: `{Key, Value}`." });

const scheduleSettingsSchema = z
  .strictObject({
    Policy: z.enum(["ONCE", "RECURRENCE"], "Policy must be ONCE or RECURRENCE"),
    Recurrence: z
      .string()
      .optional()
      .meta({ description: "Five-field crontab read in Beijing time (UTC+8); needed for RECURRENCE." }),
    InvokeTime: z.string().optional().meta({
      description: "ISO 8601 with `Z` or an offset (`2026-09-01T00:00:00+08:00`); needed for ONCE.",
    }),
  })
  .superRefine((settings, ctx) => {
    if (settings.Policy === "ONCE") {
      if (settings.InvokeTime === undefined) {
        ctx.addIssue(
          tatIssue("MissingParameter", "ScheduleSettings.InvokeTime is required when Policy is ONCE", [
            "InvokeTime",
          ]),
        );
      } else if (!parseInvokeTime(settings.InvokeTime)) {
        ctx.addIssue(
          tatIssue(
            "InvalidParameterValue.InvalidTimeFormat",
            `ScheduleSettings.InvokeTime "${settings.InvokeTime.slice(0, 64)}" is not ISO 8601 with a zone`,
            ["InvokeTime"],
          ),
        );
      }
    } else if (settings.Recurrence === undefined) {
      ctx.addIssue(
        tatIssue("MissingParameter", "ScheduleSettings.Recurrence is required when Policy is RECURRENCE", [
          "Recurrence",
        ]),
      );
    } else {
      const cron = checkCronExpression(settings.Recurrence);
      if (!cron.ok) {
        ctx.addIssue(
          tatIssue("InvalidParameterValue.InvalidCronExpression", `Recurrence: ${cron.message}`, [
            "Recurrence",
          ]),
        );
      }
    }
  });

/** How many offending instance IDs an error names. */
const NAMED_OFFENDERS = 5;

/**
 * 1 to `max` instance IDs. The pattern is checked in one loop rather than by a schema per element:
 * a 100,000-ID batch is validated in a few milliseconds, and a hostile list yields one issue
 * naming the first offenders, not one per element. The JSON Schema still shows the pattern.
 */
function instanceIdsSchema(max: number) {
  const range = `InstanceIds must hold 1 to ${max} IDs`;
  return z
    .array(z.string())
    .min(1, range)
    .max(max, range)
    .check((ctx) => {
      const offenders: string[] = [];
      let count = 0;
      for (const id of ctx.value) {
        if (INSTANCE_ID_PATTERN.test(id)) continue;
        count++;
        if (offenders.length < NAMED_OFFENDERS) offenders.push(JSON.stringify(id.slice(0, 64)));
      }
      if (count === 0) return;
      const more = count > offenders.length ? ` and ${count - offenders.length} more` : "";
      ctx.issues.push({
        ...tatIssue(
          "InvalidParameterValue.InvalidInstanceId",
          `${count} invalid instance IDs: ${offenders.join(", ")}${more}`,
        ),
        input: ctx.value,
      });
    })
    .meta({ items: { type: "string", pattern: INSTANCE_ID_PATTERN.source } });
}

/**
 * The CreateInvoker request, as TAT validates it; one definition feeds validation and the OpenAPI
 * document. `maxInstances`: 100 for a TAT call; 100,000 for a tat-bulk batch.
 */
function createInvokerSchema(maxInstances: number) {
  return z.strictObject({
    Name: z.string().min(1, "Name must be 1 to 120 characters").max(120, "Name must be 1 to 120 characters"),
    Type: z.literal("SCHEDULE", "Type must be SCHEDULE"),
    CommandId: z.string().regex(COMMAND_ID_PATTERN, "CommandId is not a command ID"),
    InstanceIds: instanceIdsSchema(maxInstances),
    Username: z.string().max(256, "Username is longer than 256 characters").optional(),
    Parameters: z
      .string()
      .refine(
        isJsonObject,
        tatRefinement(
          "InvalidParameterValue.ParameterInvalidJsonFormat",
          "Parameters must be a JSON object encoded as a string",
        ),
      )
      .optional(),
    ScheduleSettings: scheduleSettingsSchema,
    Tags: z.array(tagSchema).max(MAX_TAGS, `Tags holds at most ${MAX_TAGS} tags`).optional(),
  });
}

/**
 * Tag keys tat-bulk writes on the invokers it creates (the chunk tag that finds an invoker again):
 * a batch may not carry one of its own, as Tencent Cloud keeps its prefixes to itself.
 */
export const TAT_BULK_TAG_PREFIX = "tat-bulk";

const batchTagsSchema = z
  .array(
    tagSchema.refine(
      (tag) => !tag.Key.toLowerCase().startsWith(TAT_BULK_TAG_PREFIX),
      tatRefinement(
        "InvalidParameterValue.TagKeyReserved",
        `Tag keys starting with ${TAT_BULK_TAG_PREFIX} are tat-bulk's own`,
      ),
    ),
  )
  .max(MAX_TAGS, `Tags holds at most ${MAX_TAGS} tags`)
  .optional();

/** tat-bulk's batch: TAT's request with up to 100,000 instances, and the region in the body (TAT takes it in a header). */
export const invokerBatchSchema = createInvokerSchema(MAX_INSTANCES_PER_BATCH).extend({
  Tags: batchTagsSchema,
  Region: z
    .string()
    .regex(REGION_PATTERN, "Region is not a region name such as ap-guangzhou")
    .optional()
    .meta({
      description: "Region every call of the batch is made in; defaults to the service's TAT_REGION.",
    }),
  MaxErrors: maxErrorsSchema.optional(),
  CallbackUrl: callbackUrlSchema.optional(),
  Account: accountNameSchema.optional(),
  Priority: prioritySchema.optional(),
});
export type BatchPriority = z.infer<typeof prioritySchema>;
export type InvokerBatchRequest = z.infer<typeof invokerBatchSchema>;
export const createInvokerCallSchema = createInvokerSchema(TAT_MAX_INSTANCES_PER_CALL);
export type CreateInvokerCall = z.infer<typeof createInvokerCallSchema>;
export type Tag = z.infer<typeof tagSchema>;
export type ScheduleSettings = z.infer<typeof scheduleSettingsSchema>;
