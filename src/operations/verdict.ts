/**
 * The verdict on a delivery the step caused: `ping` and `test` send one and wait for it, the
 * verifying ping of `ensure` is judged the same way.
 */
import { describeHook, hooks, type ResolvedHook } from '../github/index.js'
import { sendAndAwait, succeeded, type OperationResult } from '../jobs/index.js'
import type { Clock, Delivery, GitHubClient, WebhookRequest } from '../model.js'
import type { TargetRequest } from './operation.js'

/**
 * `ping` / `test`: asks GitHub for the delivery and, with `wait`, waits for it and judges it: the
 * step fails (with `fail_on_delivery_error`) when the receiver did not answer 2xx or GitHub recorded
 * no delivery within `wait_timeout`. A test push to a hook not subscribed to `push` (nor `*`) is sent
 * nothing by GitHub: it warns and does not wait. Costs, waiting: 1 GET (newest id) + 1 POST + the
 * polls + 1 GET of the delivery.
 */
export async function sendAndWait(
  client: GitHubClient,
  request: TargetRequest,
  { hook_id, hook }: ResolvedHook,
  event: 'ping' | 'push',
  clock: Clock
): Promise<OperationResult> {
  const { target } = request
  const send = event === 'ping' ? hooks.ping : hooks.testPush
  const asked = `Asked GitHub to send ${event === 'ping' ? 'a ping event' : 'the latest push'} to ${describeHook(target, hook_id)}`
  if (event === 'push' && (hook || request.wait)) {
    const events = (hook ?? (await hooks.getHook(client, target, hook_id))).events
    if (!events.includes('push') && !events.includes('*')) {
      await send(client, target, hook_id)
      const warning = `Webhook ${hook_id} is not subscribed to push (events: ${events.join(', ')}): GitHub sends no test delivery, so there is nothing to wait for.`
      return { message: `${asked}.`, outcome: 'sent', hook_id, warning }
    }
  }
  if (!request.wait) {
    await send(client, target, hook_id)
    return { message: `${asked}; not waiting for the delivery (wait: false).`, outcome: 'sent', hook_id }
  }
  const options = { event, timeout_ms: request.wait_timeout * 1000 }
  const delivery = await sendAndAwait(client, target, hook_id, () => send(client, target, hook_id), options, clock)
  const judged = judgeDelivery(request, hook_id, event, delivery)
  return { message: `${asked}${judged.message}.`, outcome: 'delivered', hook_id, ...judged.result }
}

/**
 * The verdict on a delivery the step caused and waited for (`ping`, `test`, the verifying ping of
 * `ensure`): the delivery's outputs, and a failure (or, without `fail_on_delivery_error`, a
 * warning) when the receiver did not answer 2xx or GitHub recorded no delivery within `wait_timeout`.
 * @returns `message`, to append to the sentence that says what was asked: `: delivery N answered …` or ''
 */
export function judgeDelivery(
  request: WebhookRequest,
  hook_id: number,
  event: string,
  delivery: Delivery | undefined
): { message: string; result: Pick<OperationResult, 'delivery' | 'delivery_id' | 'failure' | 'warning'> } {
  const blame = (problem: string) => (request.fail_on_delivery_error ? { failure: problem } : { warning: problem })
  if (!delivery) {
    const problem = `Waited ${request.wait_timeout} s for the ${event} delivery of webhook ${hook_id}: GitHub recorded no delivery. Check that the hook is active and look at its deliveries later (list-deliveries).`
    return { message: '', result: blame(problem) }
  }
  const answer = delivery.status_code === 0 ? `could not be reached (${delivery.status})` : `answered ${delivery.status_code} ${delivery.status}`
  const result = { delivery, delivery_id: Number(delivery.id) }
  const message = `: delivery ${delivery.id}, the receiver ${answer} (after ${delivery.duration} s)`
  if (succeeded(delivery)) return { message, result }
  const body = delivery.response.payload ? ` Response body: ${delivery.response.payload.slice(0, 300)}` : ''
  const why = delivery.status_code === 0 ? answer : `answered ${delivery.status_code} (${delivery.status}), not 2xx`
  return {
    message,
    result: {
      ...result,
      ...blame(`The receiver of webhook ${hook_id} ${why} for ${delivery.event} delivery ${delivery.id} (guid ${delivery.guid}).${body}`)
    }
  }
}
