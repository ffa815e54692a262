/** `list-deliveries`: a hook's deliveries, newest first (GET /…/hooks/{hook_id}/deliveries), filtered by `status` and `since`, at most `limit`. */
import { describeHook, hooks } from '../github/index.js'
import { count } from '../report/index.js'
import { onHook, type OperationModule } from './operation.js'

export const listDeliveries: OperationModule = {
  inputs: { needs: ['hook_id|url'], uses: ['hook_id', 'url', 'status', 'per_page', 'limit', 'since'], writes: 'never', defaults: ['limit'] },
  run: onHook(async (client, { target, per_page, limit, status, since }, { hook_id }) => {
    const { items: deliveries, truncated } = await hooks.listDeliveries(client, target, hook_id, { per_page, limit, status, since })
    const filter = (status ? ` with status ${status}` : '') + (since ? ` since ${since.toISOString()}` : '')
    return {
      message: `${count(deliveries.length, 'delivery', 'deliveries')}${filter} of ${describeHook(target, hook_id)} (newest first).`,
      outcome: 'listed',
      hook_id,
      deliveries,
      truncated,
      ...(truncated
        ? { notice: `Stopped at limit ${limit}: the webhook has more deliveries${filter}; raise 'limit' or narrow 'since' to see them.` }
        : {})
    }
  })
}
