/** `update`: a hook's events, active state and config (PATCH /…/hooks/{hook_id}). */
import { describeHook, hooks } from '../github/index.js'
import { onHook, type OperationModule } from './operation.js'

export const update: OperationModule = {
  inputs: {
    needs: ['hook_id|url', 'change'],
    uses: ['hook_id', 'url', 'events', 'add_events', 'remove_events', 'secret', 'content_type', 'insecure_ssl', 'active', 'allow_unknown_events'],
    trait: 'hooks',
    writes: 'always',
    url: 'moves',
    writesConfig: true,
    dryRunInstead: "'ensure' with dry_run"
  },
  run: onHook(async (client, { target, hook_fields, config }, { hook_id, hook }) => {
    const updated = await hooks.updateHook(client, target, hook_id, { fields: hook_fields, config }, hook)
    return { message: `Updated ${describeHook(target, hook_id)}.`, outcome: 'updated', changed: true, hook_id, hook: updated }
  })
}
