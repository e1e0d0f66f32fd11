import type { StackInfo } from "./stack.js";

/** What a newcomer needs after `npm start`: where things are, the key, and something to paste. */
export function banner(info: StackInfo): string {
  const example = JSON.stringify({
    Name: "hello-tat-bulk",
    Type: "SCHEDULE",
    CommandId: "cmd-m7uma92n",
    InstanceIds: ["ins-yx05ky8j", "ins-abcdefgh", "lhins-12345678"],
    ScheduleSettings: { Policy: "RECURRENCE", Recurrence: "0 0 1 * *" },
  });
  return [
    "",
    "tat-bulk is running",
    `  intake     ${info.intakeUrl}   (API key: ${info.apiKey})`,
    `  console    ${info.intakeUrl}/console/   (sign in with the API key)`,
    ...info.workerUrls.map((url, i) => `  worker ${i + 1}   ${url}/metrics`),
    info.simUrl
      ? `  simulator  ${info.simUrl}   (stand-in for Tencent Cloud; stats: ${info.simUrl}/__admin/stats)`
      : "  TAT        Tencent Cloud (TENCENTCLOUD_SECRET_ID is set)",
    `  redis      ${info.redisUrl}`,
    "",
    "Try it:",
    `  curl -s -X POST ${info.intakeUrl}/v1/invoker-batches \\`,
    `    -H 'Authorization: Bearer ${info.apiKey}' -H 'Content-Type: application/json' \\`,
    `    -d '${example}'`,
    `  curl -s -H 'Authorization: Bearer ${info.apiKey}' ${info.intakeUrl}/v1/invoker-batches`,
    "  npm run demo          # a few thousand instances through the CLI, with a progress bar",
    "  npx tat-bulk list     # the CLI finds this stack through .data/stack.json",
    "",
    "Ctrl-C stops everything.",
    "",
  ].join("\n");
}
