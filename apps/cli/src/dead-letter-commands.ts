import { EXIT } from "./exit-codes.js";
import type { IntakeClient } from "./intake-client.js";
import type { Io } from "./io.js";

/** `dead-letters`: one line per parked job; `dead-letters retry QUEUE JOB_ID`: sends it again. */
export async function deadLetters(
  client: IntakeClient,
  io: Io,
  command: { json: boolean; retry?: { queue: "chunks" | "runs"; jobId: string } },
): Promise<number> {
  if (command.retry) {
    const answer = await client.retryDeadLetter(command.retry.queue, command.retry.jobId);
    io.out(command.json ? JSON.stringify(answer) : `${answer.Queue} ${answer.JobId}: sent again`);
    return EXIT.OK;
  }
  const letters = await client.deadLetters();
  if (command.json) io.out(JSON.stringify(letters));
  else {
    io.out(`${letters.length} parked jobs`);
    for (const letter of letters)
      io.out(
        `${letter.Queue.padEnd(6)} ${letter.JobId.padEnd(40)} ${letter.FailedAt ?? "-"}  ${letter.Errors} errors: ${letter.Error}`,
      );
  }
  return EXIT.OK;
}
