/** `list`: the hooks of a repository or organization (GET /repos/{owner}/{repo}/hooks, GET /orgs/{org}/hooks), `per_page` a page, at most `limit`. */
import { describeTarget, hooks } from '../github/index.js'
import { count } from '../report/index.js'
import type { OperationModule } from './operation.js'

export const list: OperationModule = {
  inputs: { needs: [], uses: ['per_page', 'limit'], trait: 'hooks', writes: 'never' },
  run: async (client, { target, per_page, limit }) => {
    const { items, truncated } = await hooks.listHooks(client, target, { per_page, limit })
    const notice = truncated ? `Stopped at limit ${limit}: ${describeTarget(target)} has more webhooks; raise 'limit' to see them.` : undefined
    return { message: `${count(items.length, 'webhook')} of ${describeTarget(target)}.`, outcome: 'listed', hooks: items, truncated, notice }
  }
}
