/**
 * `ping`: asks GitHub to send the hook a ping (POST /…/hooks/{hook_id}/pings) and, with `wait`, waits
 * for the delivery and judges the receiver's answer (./verdict.ts).
 */
import { onHook, type OperationModule } from './operation.js'
import { sendAndWait } from './verdict.js'

export const ping: OperationModule = {
  inputs: { needs: ['hook_id|url'], uses: ['hook_id', 'url', 'wait', 'wait_timeout', 'fail_on_delivery_error'], trait: 'ping', writes: 'always' },
  run: onHook((client, request, resolved, clock) => sendAndWait(client, request, resolved, 'ping', clock))
}
