/** `redeliver`: asks GitHub to send one delivery again (POST /…/hooks/{hook_id}/deliveries/{delivery_id}/attempts). */
import { describeHook, hooks } from '../github/index.js'
import { onHook, required, type OperationModule } from './operation.js'

export const redeliver: OperationModule = {
  inputs: { needs: ['hook_id|url', 'delivery_id'], uses: ['hook_id', 'url', 'delivery_id'], writes: 'always' },
  run: onHook(async (client, { target, delivery_id }, { hook_id }) => {
    await hooks.redeliver(client, target, hook_id, required(delivery_id))
    return {
      message: `Asked GitHub to redeliver delivery ${delivery_id} of ${describeHook(target, hook_id)}.`,
      outcome: 'redelivered',
      hook_id,
      delivery_id
    }
  })
}
