/** `update`: a hook's events, active state and config (PATCH /…/hooks/{hook_id}). */
import { describeHook, hooks } from '../github/index.js'
import { onHook, type OperationModule } from './operation.js'

export const update: OperationModule = {
  run: onHook(async (client, { target, hook_fields, config }, { hook_id, hook }) => {
    const updated = await hooks.updateHook(client, target, hook_id, { fields: hook_fields, config }, hook)
    return { message: `Updated ${describeHook(target, hook_id)}.`, outcome: 'updated', changed: true, hook_id, hook: updated }
  })
}
