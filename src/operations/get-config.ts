/** `get-config`: a hook's configuration (GET /…/hooks/{hook_id}/config; the App's hook: GET /app/hook/config). */
import { describeHook, hooks } from '../github/index.js'
import { onHook, type OperationModule } from './operation.js'

export const getConfig: OperationModule = {
  inputs: { needs: ['hook_id|url'], uses: ['hook_id', 'url'], writes: 'never' },
  run: onHook(async (client, { target }, { hook_id }) => {
    const config = await hooks.getHookConfig(client, target, hook_id)
    return { message: `Configuration of ${describeHook(target, hook_id)}.`, outcome: 'found', hook_id, config }
  })
}
