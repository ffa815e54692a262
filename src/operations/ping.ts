/**
 * `ping`: asks GitHub to send the hook a ping (POST /…/hooks/{hook_id}/pings) and, with `wait`, waits
 * for the delivery and judges the receiver's answer (./verdict.ts).
 */
import { onHook, type OperationModule } from './operation.js'
import { sendAndWait } from './verdict.js'

export const ping: OperationModule = {
  run: onHook((client, request, resolved, clock) => sendAndWait(client, request, resolved, 'ping', clock))
}
