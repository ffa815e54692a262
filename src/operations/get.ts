/** `get`: one hook (GET /…/hooks/{hook_id}), found by `hook_id` or `url`. */
import { describeHook, hooks } from '../github/index.js'
import { onHook, type OperationModule } from './operation.js'

export const get: OperationModule = {
  inputs: { needs: ['hook_id|url'], uses: ['hook_id', 'url'], trait: 'hooks', writes: 'never' },
  run: onHook(async (client, { target }, { hook_id, hook }) => {
    const found = hook ?? (await hooks.getHook(client, target, hook_id))
    return { message: `${describeHook(target, hook_id, true)}.`, outcome: 'found', hook_id, hook: found }
  })
}
