/**
 * Shared pieces of the trust tests (`trust-writes.test.ts`, `trust-results.test.ts`): the targets,
 * a step of the action on a scope (bundled for `repo`, in-process for `org`), and what the emulator saw.
 */
import { runStep, type StepRun } from '../../emulator/runner.js'
import { runAction } from './action.js'
import { emulator } from './emulator.js'

/** The emulator's repository and organization, as its seeding API names them. */
export const TARGETS = { repo: { owner: 'octo-org', repo: 'hello-world' }, org: { org: 'octo-org' } } as const
/** Their API roots. */
export const ROOTS = { repo: '/repos/octo-org/hello-world', org: '/orgs/octo-org' } as const
/** A time well before any step of the tests began, as GitHub prints it. */
export const LONG_AGO = '2026-01-02T03:04:05Z'

/** Non-GET requests the emulator answered (or dropped), as `METHOD path status`. */
export const writes = (): string[] => emulator.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path} ${r.status}`)

/** Resolves once the emulator has answered a request that `match` accepts (polling its record). */
export async function seen(match: (r: (typeof emulator.requests)[number]) => boolean): Promise<void> {
  while (!emulator.requests.some(match)) await new Promise((resolve) => setTimeout(resolve, 10))
}

/**
 * Runs the action on a scope of the emulator: for `repo` the bundled action (dist/index.js), as a
 * runner would, a process per step; for `org` the same code in this process (what differs between
 * the scopes is only their routes and words), which keeps the suite within its minute.
 */
export function stepOn(scope: 'repo' | 'org'): (inputs: Record<string, string>) => Promise<StepRun> {
  const runner = scope === 'repo' ? runStep : runAction
  return (inputs) =>
    runner({
      scope,
      repository: 'octo-org/hello-world',
      ...(scope === 'org' ? { org: 'octo-org' } : {}),
      token: 'test-token',
      api_url: emulator.url,
      ...inputs
    })
}
