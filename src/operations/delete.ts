/** `delete`: a hook (DELETE /…/hooks/{hook_id}); one someone else deleted first is `gone`, not a failure. */
import { describeHook, hooks } from '../github/index.js'
import { onHook, type OperationModule } from './operation.js'

export const remove: OperationModule = {
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
