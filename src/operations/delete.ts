/** `delete`: a hook (DELETE /…/hooks/{hook_id}); one someone else deleted first is `gone`, not a failure. */
import { describeHook, hooks } from '../github/index.js'
import { onHook, type OperationModule } from './operation.js'

export const remove: OperationModule = {
  inputs: { needs: ['hook_id|url'], uses: ['hook_id', 'url'], trait: 'hooks', writes: 'always', dryRunInstead: "'ensure-absent' with dry_run" },
  run: onHook(async (client, { target }, { hook_id, hook }) => {
    const done = await hooks.deleteHook(client, target, hook_id, hook !== undefined)
    const what = done === 'deleted' ? 'Deleted' : 'Did not delete: someone else deleted'
    return {
      message: `${what} ${describeHook(target, hook_id)}.`,
      outcome: done === 'deleted' ? 'deleted' : 'gone',
      changed: done === 'deleted',
      hook_id
    }
  })
}
