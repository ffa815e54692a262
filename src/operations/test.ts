/**
 * `test`: asks GitHub to send the latest push again (POST /repos/{owner}/{repo}/hooks/{hook_id}/tests;
 * repositories only) and, with `wait`, waits for the delivery and judges the receiver's answer (./verdict.ts).
 */
import { onHook, type OperationModule } from './operation.js'
import { sendAndWait } from './verdict.js'

export const test: OperationModule = {
  run: onHook((client, request, resolved, clock) => sendAndWait(client, request, resolved, 'push', clock))
}
