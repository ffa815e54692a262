/**
 * The one module that knows the difference between repository, organization and GitHub App webhooks.
 *
 * GitHub serves the hooks API under three roots (REST docs "Repository webhooks", "Organization
 * webhooks", and "Webhooks" under "Apps"): `/repos/{owner}/{repo}/hooks…`, `/orgs/{org}/hooks…`, and
 * `/app/hook…` for the App's one webhook, authenticated as the App (a JWT). Operations name a path
 * relative to the root as if every target had hooks with ids (`/hooks/{hook_id}/config`); this module
 * turns it into the full Octokit route and its scope parameters, and says ({@link SCOPE_TRAITS})
 * what each root offers beyond config and deliveries.
 */

import type { Scope, Target } from '../model.js'

export type { Scope, Target } from '../model.js'

/** What a scope's hooks API offers beyond a hook's config and deliveries. */
export interface ScopeTraits {
  /**
   * Several hooks with ids: list, create, get, update (events, active) and delete them. Without it
   * the target has exactly one hook, which has no id, no events or active state of its own (an App's
   * are set in its settings): only its config and its deliveries.
   */
  hooks: boolean
  /** `POST …/pings`: GitHub sends the hook a ping on request. */
  ping: boolean
  /** `POST …/tests`: GitHub sends the latest push again (repositories only). */
  test: boolean
  /** `PATCH …/hooks/{hook_id}` takes `add_events` / `remove_events` (repositories only; elsewhere the list is merged here). */
  addRemoveEvents: boolean
  /** Hooks carry `last_response` (repositories only). */
  lastResponse: boolean
  /** The word GitHub uses for the target in its messages and permission names. */
  noun: string
}

/** The traits of each scope. */
export const SCOPE_TRAITS: Record<Scope, ScopeTraits> = {
  repo: { hooks: true, ping: true, test: true, addRemoveEvents: true, lastResponse: true, noun: 'repository' },
  org: { hooks: true, ping: true, test: false, addRemoveEvents: false, lastResponse: false, noun: 'organization' },
  app: { hooks: false, ping: false, test: false, addRemoveEvents: false, lastResponse: false, noun: 'GitHub App' }
}

/** HTTP methods used by the hooks endpoints. */
export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'

/**
 * A hooks path below the scope's root, e.g. `/hooks`, `/hooks/{hook_id}/config`,
 * `/hooks/{hook_id}/deliveries/{delivery_id}/attempts`.
 */
export type HooksPath = `/hooks${string}`

/** A route ready for `octokit.request(route, { ...params, ...more })`. */
export interface Endpoint {
  /** Octokit route, e.g. `GET /orgs/{org}/hooks/{hook_id}`; only the parameters in it may be sent as path parameters. */
  route: string
  /** The scope's path parameters: `{ owner, repo }`, `{ org }` or none. */
  params: Record<string, string>
}

/** Paths that exist on the repository root only (REST docs: "Test the push repository webhook"). */
const REPO_ONLY_PATHS: readonly string[] = ['/hooks/{hook_id}/tests']

/** The paths of one hook's config and deliveries: what an App's webhook has (`/app/hook/config`, `/app/hook/deliveries…`). */
const SINGLE_HOOK_PATH = /^\/hooks\/\{hook_id\}(\/config|\/deliveries(\/\{delivery_id\}(\/attempts)?)?)$/

/**
 * Builds the Octokit route of a hooks endpoint for a target.
 *
 * @example endpoint({ scope: 'org', org: 'octo-org' }, 'GET', '/hooks')
 *   // → { route: 'GET /orgs/{org}/hooks', params: { org: 'octo-org' } }
 * @example endpoint({ scope: 'app', app_id: '42' }, 'GET', '/hooks/{hook_id}/deliveries')
 *   // → { route: 'GET /app/hook/deliveries', params: {} }
 * @throws Error when the path does not exist for the target's scope (`/hooks/{hook_id}/tests` on
 *   `org`; anything but config and deliveries on `app`).
 */
export function endpoint(target: Target, method: Method, path: HooksPath): Endpoint {
  if (target.scope === 'repo') {
    return { route: `${method} /repos/{owner}/{repo}${path}`, params: { owner: target.owner, repo: target.repo } }
  }
  if (target.scope === 'app') {
    const single = SINGLE_HOOK_PATH.exec(path)
    if (!single) throw new Error(`${method} ${path} does not exist for a GitHub App's webhook (only its config and deliveries do)`)
    return { route: `${method} /app/hook${single[1]}`, params: {} }
  }
  if (REPO_ONLY_PATHS.includes(path)) {
    throw new Error(`${method} ${path} exists for repository webhooks only, not for organization webhooks`)
  }
  return { route: `${method} /orgs/{org}${path}`, params: { org: target.org } }
}

/** Human-readable name of a target for messages and the job summary: `repository octo/hello`, `organization octo`, `GitHub App 42`. */
export function describeTarget(target: Target): string {
  return `${SCOPE_TRAITS[target.scope].noun} ${targetName(target)}`
}

/**
 * A hook of a target for messages: `webhook 12 of repository octo/hello`, or for a target with one
 * webhook and no hook ids (a GitHub App) `the webhook of GitHub App 42`; `capital` for the start of a sentence.
 */
export function describeHook(target: Target, hook_id: number | undefined, capital = false): string {
  const text = SCOPE_TRAITS[target.scope].hooks ? `webhook ${hook_id} of ${describeTarget(target)}` : `the webhook of ${describeTarget(target)}`
  return capital ? text[0].toUpperCase() + text.slice(1) : text
}

/** The word GitHub uses for the target in its messages and permission names: `repository`, `organization`, `GitHub App`. */
export function scopeNoun(scope: Scope): string {
  return SCOPE_TRAITS[scope].noun
}

/** A target's name as GitHub writes it: `owner/repo` for a repository, the login for an organization, the id for an App. */
export function targetName(target: Target): string {
  return target.scope === 'repo' ? `${target.owner}/${target.repo}` : target.scope === 'org' ? target.org : target.app_id
}

/** A target as fields of a JSON result: `{ repository: 'owner/repo' }`, `{ organization: 'login' }` or `{ app_id: '42' }`. */
export function targetFields(target: Target): { repository: string } | { organization: string } | { app_id: string } {
  return target.scope === 'repo'
    ? { repository: targetName(target) }
    : target.scope === 'org'
      ? { organization: target.org }
      : { app_id: target.app_id }
}
