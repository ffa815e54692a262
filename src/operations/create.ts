/**
 * `create`: a new hook (POST /…/hooks). A create whose answer was lost and that GitHub had carried out
 * is not repeated: the retry adopts the hook created since the step began.
 */
import { describeHook, hooks } from '../github/index.js'
import { required, type OperationModule } from './operation.js'

export const create: OperationModule = {
  inputs: {
    needs: ['url'],
    uses: ['url', 'events', 'secret', 'content_type', 'insecure_ssl', 'active', 'allow_unknown_events'],
    trait: 'hooks',
    writes: 'always',
    url: 'new',
    writesConfig: true,
    dryRunInstead: "'ensure' with dry_run"
  },
  run: async (client, request) => {
    const { target } = request
    const { hook, adopted } = await hooks.createHook(
      client,
      target,
      { config: { ...request.config, url: required(request.config.url) }, fields: request.hook_fields },
      request.started_at
    )
    const how = adopted ? ' (its answer was lost; the retry found the hook it had created)' : ''
    return { message: `Created ${describeHook(target, hook.id)}${how}.`, outcome: 'created', changed: true, hook_id: hook.id, hook }
  }
}
