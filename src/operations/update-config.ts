/** `update-config`: the fields given of a hook's configuration (PATCH /…/hooks/{hook_id}/config; the App's hook: PATCH /app/hook/config). */
import { describeHook, hooks } from '../github/index.js'
import { onHook, type OperationModule } from './operation.js'

export const updateConfig: OperationModule = {
  inputs: {
    needs: ['hook_id|url', 'change'],
    uses: ['hook_id', 'url', 'secret', 'content_type', 'insecure_ssl'],
    writes: 'always',
    url: 'moves',
    writesConfig: true,
    dryRunInstead: "'ensure' with dry_run"
  },
  run: onHook(async (client, { target, config }, { hook_id }) => {
    const updated = await hooks.updateHookConfig(client, target, hook_id, config)
    const fields = Object.keys(config).filter((key) => config[key as keyof typeof config] !== undefined)
    return {
      message: `Updated ${fields.join(', ')} in the configuration of ${describeHook(target, hook_id)}.`,
      outcome: 'updated',
      changed: true,
      hook_id,
      config: updated
    }
  })
}
