/**
 * `test`: asks GitHub to send the latest push again (POST /repos/{owner}/{repo}/hooks/{hook_id}/tests;
 * repositories only) and, with `wait`, waits for the delivery and judges the receiver's answer (./verdict.ts).
 */
import { onHook, type OperationModule } from './operation.js'
import { sendAndWait } from './verdict.js'

export const test: OperationModule = {
  inputs: {
    needs: ['hook_id|url'],
    uses: ['hook_id', 'url', 'wait', 'wait_timeout', 'fail_on_delivery_error'],
    trait: 'test',
    writes: 'always',
    scopeProblems: {
      org: "Input 'operation' is 'test', which exists for repository webhooks only (POST /repos/{owner}/{repo}/hooks/{hook_id}/tests); with scope 'org' use 'ping'."
    }
  },
  run: onHook((client, request, resolved, clock) => sendAndWait(client, request, resolved, 'push', clock))
}
