/**
 * The one module that knows the difference between repository and organization webhooks.
 *
 * GitHub serves the same hooks API under two roots (REST docs "Repository webhooks" and
 * "Organization webhooks"): `/repos/{owner}/{repo}/hooks…` and `/orgs/{org}/hooks…`. Everything
 * below the `/hooks` segment is the same for both scopes, except `POST …/hooks/{hook_id}/tests`,
 * which exists for repositories only. Operations name a path relative to the root (`/hooks/{hook_id}`)
 * and this module turns it into the full Octokit route and its scope parameters.
 */

/** Which kind of webhook: `repo` (repository webhooks) or `org` (organization webhooks). */
export type Scope = 'repo' | 'org'

/** The repository or organization whose webhooks an operation works on. */
export type Target = { scope: 'repo'; owner: string; repo: string } | { scope: 'org'; org: string }

/** HTTP methods used by the hooks endpoints. */
export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'

/**
 * A hooks path below the scope's root, e.g. `/hooks`, `/hooks/{hook_id}/config`,
 * `/hooks/{hook_id}/deliveries/{delivery_id}/attempts`.
 */
export type HooksPath = `/hooks${string}`

/** A route ready for `octokit.request(route, { ...params, ...more })`. */
export interface Endpoint {
  /** Octokit route, e.g. `GET /orgs/{org}/hooks/{hook_id}`. */
  route: string
  /** The scope's path parameters: `{ owner, repo }` or `{ org }`. */
  params: Record<string, string>
}

/** Paths that exist on the repository root only (REST docs: "Test the push repository webhook"). */
const REPO_ONLY_PATHS: readonly string[] = ['/hooks/{hook_id}/tests']

/**
 * Builds the Octokit route of a hooks endpoint for a target.
 *
 * @example endpoint({ scope: 'org', org: 'octo-org' }, 'GET', '/hooks')
 *   // → { route: 'GET /orgs/{org}/hooks', params: { org: 'octo-org' } }
 * @throws Error when the path does not exist for the target's scope (`/hooks/{hook_id}/tests` on `org`).
 */
export function endpoint(target: Target, method: Method, path: HooksPath): Endpoint {
  if (target.scope === 'repo') {
    return { route: `${method} /repos/{owner}/{repo}${path}`, params: { owner: target.owner, repo: target.repo } }
  }
  if (REPO_ONLY_PATHS.includes(path)) {
    throw new Error(`${method} ${path} exists for repository webhooks only, not for organization webhooks`)
  }
  return { route: `${method} /orgs/{org}${path}`, params: { org: target.org } }
}

/** Human-readable name of a target for messages and the job summary: `repository octo/hello` or `organization octo`. */
export function describeTarget(target: Target): string {
  return target.scope === 'repo' ? `repository ${target.owner}/${target.repo}` : `organization ${target.org}`
}

/** The word GitHub uses for the target in its messages and permission names: `repository` or `organization`. */
export function scopeNoun(scope: Scope): 'repository' | 'organization' {
  return scope === 'repo' ? 'repository' : 'organization'
}

/** A target's name as GitHub writes it: `owner/repo` for a repository, the login for an organization. */
export function targetName(target: Target): string {
  return target.scope === 'repo' ? `${target.owner}/${target.repo}` : target.org
}

/** A target as fields of a JSON result: `{ repository: 'owner/repo' }` or `{ organization: 'login' }`. */
export function targetFields(target: Target): { repository: string } | { organization: string } {
  return target.scope === 'repo' ? { repository: targetName(target) } : { organization: target.org }
}
