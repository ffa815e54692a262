/** `get-delivery`: one delivery in full, with the request and the receiver's answer (GET /…/hooks/{hook_id}/deliveries/{delivery_id}). */
import { describeHook, hooks } from '../github/index.js'
import { onHook, required, type OperationModule } from './operation.js'

export const getDelivery: OperationModule = {
  inputs: { needs: ['hook_id|url', 'delivery_id'], uses: ['hook_id', 'url', 'delivery_id'], writes: 'never' },
  run: onHook(async (client, { target, delivery_id }, { hook_id }) => {
    const delivery = await hooks.getDelivery(client, target, hook_id, required(delivery_id))
    return {
      message: `Delivery ${delivery.id} (${delivery.event}) of ${describeHook(target, hook_id)}: ${delivery.status_code} ${delivery.status}.`,
      outcome: 'found',
      hook_id,
      delivery,
      delivery_id: Number(delivery.id)
    }
  })
}
