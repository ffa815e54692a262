/**
 * The JSON the emulator shows: API representations of stored hooks and deliveries (the OpenAPI
 * schemas `hook`, `org-hook`, `webhook-config`, `hook-delivery-item`, `hook-delivery`), of
 * repositories and their owners (`minimal-repository`, `simple-user`,
 * `org-repo-custom-property-values`) and the webhook payloads it sends (`ping`, the `push` of
 * `POST …/tests`). Pure functions of the state in ./store.ts and ./repositories.ts; `apiBase` is
 * always the root the request came through (with `/api/v3` for GHES).
 */
import { Buffer } from 'node:buffer'
import { randomBytes, randomUUID } from 'node:crypto'
import { isoNow } from './delivery.js'
import type { Owner, RepositoryRecord } from './repositories.js'
import type { DeliverySpec, HookStore, Json, Scope, StoredDelivery, StoredHook, StoredHookConfig, Target } from './store.js'

/** How the API shows a set secret. */
export const MASKED_SECRET = '********'
const SENDER = { login: 'octocat', id: 583231, type: 'User' }
const ZEN = [
  'Keep it logically awesome.',
  'Design for failure.',
  'Speak like a human.',
  'Approachable is better than simple.',
  'Mind your words, they are important.',
  'Responsive is better than fast.',
  'Practicality beats purity.'
]

/**
 * `last_response` of a repository hook, from its most recent delivery (expired ones count, as the
 * hook keeps it), in the shapes recorded from GitHub (schema `hook-response`):
 * - before any delivery `{code: null, status: "unused", message: null}`, or the hook's seeded
 *   {@link StoredHook.last_response} (e.g. `{code: 0, status: "unused", message: "Unused"}`, also
 *   recorded from GitHub);
 * - after a 2xx `{code: <the receiver's status>, status: "active", message: "OK"}`;
 * - after a non-2xx answer `{code: 422, status: "misconfigured", message: "Invalid HTTP Response: 404"}`:
 *   the receiver's status is in `message` only, `code` is always 422;
 * - after a delivery that got no HTTP answer `{code: null, status: "misconfigured", message: <the
 *   delivery's status text, e.g. "failed to connect">}`. GitHub's shape for that case was not among
 *   the recorded answers: this is the emulator's guess, chosen so that a client reading
 *   `status: "misconfigured"` as a failure reads it right.
 */
export function lastResponse(store: HookStore, hook: StoredHook): Json {
  const latest = store.latestDelivery(hook)
  if (!latest) return hook.last_response ? { ...hook.last_response } : { code: null, status: 'unused', message: null }
  if (latest.status_code >= 200 && latest.status_code < 300) return { code: latest.status_code, status: 'active', message: 'OK' }
  if (latest.status_code === 0) return { code: null, status: 'misconfigured', message: latest.status }
  return { code: 422, status: 'misconfigured', message: `Invalid HTTP Response: ${latest.status_code}` }
}

/**
 * A hook as the API shows it: schema `hook` for repositories (type "Repository", with `test_url`
 * and `last_response`) or `org-hook` for organizations (type "Organization", neither). The secret is
 * masked. A seeded legacy service hook shows its name and, without a URL, `config: {}`.
 */
export function hookJson(store: HookStore, hook: StoredHook, apiBase: string): Json {
  const target = store.targetOfHook(hook)
  const url = `${apiBase}${target.apiPath}/hooks/${hook.id}`
  const repo = hook.scope === 'repo'
  return {
    type: repo ? 'Repository' : 'Organization',
    id: hook.id,
    name: hook.legacy_name ?? 'web',
    active: hook.active,
    events: [...hook.events],
    // A legacy service hook seeded without a URL shows `config: {}`, as GitHub lists them.
    config: hook.legacy_name !== undefined && hook.config.url === '' ? {} : configJson(hook.config),
    updated_at: hook.updated_at,
    created_at: hook.created_at,
    url,
    ...(repo ? { test_url: `${url}/test` } : {}),
    ping_url: `${url}/pings`,
    deliveries_url: `${url}/deliveries`,
    ...(repo ? { last_response: lastResponse(store, hook) } : {})
  }
}

/** Schema `webhook-config`: the secret, when set, is shown as `********`. */
export function configJson(config: StoredHookConfig): Json {
  const { content_type, insecure_ssl, url } = config
  return { content_type, insecure_ssl, ...(config.secret !== undefined ? { secret: MASKED_SECRET } : {}), url }
}

/**
 * Schema `hook-delivery-item` (an element of `GET …/deliveries`), with the `url` recorded GitHub
 * answers carry beside the schema's fields: the URL the delivery went to, `""` for a GitHub App's
 * webhook (as recorded).
 * @param scope the scope of the delivery's hook
 */
export function deliveryItemJson(d: StoredDelivery, scope: Scope): Json {
  const { id, guid, delivered_at, redelivery, duration, status, status_code, event, action } = d
  const { installation_id, repository_id, throttled_at } = d
  const url = scope === 'app' ? '' : d.url
  return { id, guid, delivered_at, redelivery, duration, status, status_code, event, action, installation_id, repository_id, throttled_at, url }
}

/**
 * Schema `hook-delivery`: the item plus `url`, `request` and `response`; `request.payload` is the
 * payload as an object (as GitHub shows it), not the exact body that was sent and signed.
 */
export function deliveryJson(d: StoredDelivery): Json {
  return { ...deliveryItemJson(d, 'repo'), request: structuredClone(d.request), response: structuredClone(d.response) }
}

/** The `repository` / `organization` and `sender` parts of an event payload. */
function payloadContext(target: Target, apiBase: string): Json {
  if (target.scope === 'org') {
    return { organization: { login: target.name, id: target.id, url: `${apiBase}${target.apiPath}` }, sender: SENDER }
  }
  const [owner, name] = target.name.split('/')
  return {
    repository: {
      id: target.id,
      name,
      full_name: target.name,
      private: false,
      owner: { login: owner, type: 'Organization' },
      html_url: `https://github.com/${target.name}`,
      url: `${apiBase}${target.apiPath}`,
      default_branch: 'main'
    },
    sender: SENDER
  }
}

/**
 * A `ping` event (GitHub docs "Webhook events and payloads › ping"), as `POST …/pings` and the
 * creation of a hook send it: a new guid, action null, not a redelivery, and the payload
 * `{zen, hook_id, hook: <the hook's API representation now>, repository | organization, sender}`.
 */
export function pingDelivery(store: HookStore, hook: StoredHook, apiBase: string): DeliverySpec {
  const payload = {
    zen: ZEN[Math.floor(Math.random() * ZEN.length)],
    hook_id: hook.id,
    hook: hookJson(store, hook, apiBase),
    ...payloadContext(store.targetOfHook(hook), apiBase)
  }
  return { guid: randomUUID(), event: 'ping', action: null, payload, redelivery: false }
}

/** A small but plausible `push` payload, as `POST …/tests` sends it. */
export function pushPayload(target: Target, apiBase: string): Json {
  const before = randomBytes(20).toString('hex')
  const after = randomBytes(20).toString('hex')
  const author = { name: 'The Octocat', email: 'octocat@github.com', username: 'octocat' }
  const commit = {
    id: after,
    tree_id: randomBytes(20).toString('hex'),
    distinct: true,
    message: 'Update README.md',
    timestamp: isoNow(),
    url: `https://github.com/${target.name}/commit/${after}`,
    author,
    committer: author,
    added: [],
    removed: [],
    modified: ['README.md']
  }
  return {
    ref: 'refs/heads/main',
    before,
    after,
    created: false,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `https://github.com/${target.name}/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`,
    commits: [commit],
    head_commit: commit,
    pusher: { name: 'octocat', email: 'octocat@github.com' },
    ...payloadContext(target, apiBase)
  }
}

/**
 * The web root matching an API root: the GHES host itself for `…/api/v3`, otherwise
 * `https://github.com` (as api.github.com's answers link to github.com).
 */
function webRoot(apiBase: string): string {
  return apiBase.endsWith('/api/v3') ? apiBase.slice(0, -'/api/v3'.length) : 'https://github.com'
}

/** A legacy global node id as GitHub forms them, e.g. `MDEwOlJlcG9zaXRvcnkxMjk2MjY5` (`010:Repository1296269`). */
const nodeId = (prefix: string, id: number): string => Buffer.from(`${prefix}${id}`).toString('base64')

/** Schema `simple-user` of an account (`type` "Organization" or "User"), as a repository's `owner`. */
export function simpleUserJson(owner: Owner, apiBase: string): Json {
  const url = `${apiBase}/users/${owner.login}`
  return {
    login: owner.login,
    id: owner.id,
    node_id: owner.type === 'Organization' ? nodeId('012:Organization', owner.id) : nodeId('04:User', owner.id),
    avatar_url: `https://avatars.githubusercontent.com/u/${owner.id}?v=4`,
    gravatar_id: '',
    url,
    html_url: `${webRoot(apiBase)}/${owner.login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: owner.type,
    user_view_type: 'public',
    site_admin: false
  }
}

/**
 * Schema `minimal-repository`, as the repository lists show an element: every required field, plus
 * `archived`, `disabled` (false), `fork`, `private`, `visibility` (`public` | `private`), `topics`,
 * the timestamps, zero counts and, for organization repositories, `custom_properties` (the set
 * values by name; unset ones left out).
 */
export function minimalRepositoryJson(repo: RepositoryRecord, apiBase: string): Json {
  const url = `${apiBase}/repos/${repo.full_name}`
  const html = `${webRoot(apiBase)}/${repo.full_name}`
  const host = new URL(html).host
  const customProperties = Object.fromEntries(Object.entries(repo.properties).filter(([, value]) => value !== null))
  return {
    id: repo.id,
    node_id: nodeId('010:Repository', repo.id),
    name: repo.name,
    full_name: repo.full_name,
    private: repo.private,
    owner: simpleUserJson(repo.owner, apiBase),
    html_url: html,
    description: null,
    fork: repo.fork,
    url,
    archive_url: `${url}/{archive_format}{/ref}`,
    assignees_url: `${url}/assignees{/user}`,
    blobs_url: `${url}/git/blobs{/sha}`,
    branches_url: `${url}/branches{/branch}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    comments_url: `${url}/comments{/number}`,
    commits_url: `${url}/commits{/sha}`,
    compare_url: `${url}/compare/{base}...{head}`,
    contents_url: `${url}/contents/{+path}`,
    contributors_url: `${url}/contributors`,
    deployments_url: `${url}/deployments`,
    downloads_url: `${url}/downloads`,
    events_url: `${url}/events`,
    forks_url: `${url}/forks`,
    git_commits_url: `${url}/git/commits{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    git_url: `git://${host}/${repo.full_name}.git`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    issue_events_url: `${url}/issues/events{/number}`,
    issues_url: `${url}/issues{/number}`,
    keys_url: `${url}/keys{/key_id}`,
    labels_url: `${url}/labels{/name}`,
    languages_url: `${url}/languages`,
    merges_url: `${url}/merges`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    pulls_url: `${url}/pulls{/number}`,
    releases_url: `${url}/releases{/id}`,
    ssh_url: `git@${host}:${repo.full_name}.git`,
    stargazers_url: `${url}/stargazers`,
    statuses_url: `${url}/statuses/{sha}`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    tags_url: `${url}/tags`,
    teams_url: `${url}/teams`,
    trees_url: `${url}/git/trees{/sha}`,
    clone_url: `${html}.git`,
    mirror_url: null,
    hooks_url: `${url}/hooks`,
    svn_url: html,
    homepage: null,
    language: null,
    forks_count: 0,
    stargazers_count: 0,
    watchers_count: 0,
    size: 0,
    default_branch: 'main',
    open_issues_count: 0,
    is_template: false,
    topics: [...repo.topics],
    has_issues: true,
    has_projects: true,
    has_wiki: true,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: repo.archived,
    disabled: false,
    visibility: repo.private ? 'private' : 'public',
    pushed_at: repo.pushed_at,
    created_at: repo.created_at,
    updated_at: repo.updated_at,
    license: null,
    forks: 0,
    open_issues: 0,
    watchers: 0,
    ...(repo.owner.type === 'Organization' ? { custom_properties: customProperties } : {})
  }
}

/**
 * Schema `org-repo-custom-property-values`: `{ repository_id, repository_name, repository_full_name,
 * properties: [{ property_name, value }] }`, the properties in the seed's key order. A null value
 * means "not set" (as `PATCH …/properties/values` with `value: null` unsets one) and is left out, so
 * a repository without values has `properties: []`.
 */
export function customPropertyValuesJson(repo: RepositoryRecord): Json {
  return {
    repository_id: repo.id,
    repository_name: repo.name,
    repository_full_name: repo.full_name,
    properties: Object.entries(repo.properties)
      .filter(([, value]) => value !== null)
      .map(([property_name, value]) => ({ property_name, value: Array.isArray(value) ? [...value] : value }))
  }
}
