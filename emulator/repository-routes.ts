/**
 * The account-level list endpoints that let a client find the repositories of a fleet:
 * `GET /orgs/{org}/repos`, `GET /users/{username}/repos` and `GET /orgs/{org}/properties/values`
 * (GitHub's docs "REST API endpoints for repositories" and "… for custom properties"). They read the
 * {@link RepositoryRegistry} (./repositories.ts), filter and sort as documented, paginate with a
 * `Link` header (./pagination.ts) and answer the JSON of ./representations.ts.
 *
 * Unlike the hooks routes (./routes.ts) they need no "Webhooks" permission: any known token may call
 * them (authentication stays in ./server.ts). Every token sees every repository, private ones
 * included, except where the endpoint itself lists only public ones.
 */
import { paginate } from './pagination.js'
import { customPropertyValuesJson, minimalRepositoryJson } from './representations.js'
import type { Owner, RepositoryRecord, RepositoryRegistry } from './repositories.js'
import type { Reply } from './routes.js'
import { notFound } from './store.js'

/** What a list handler gets to know about its request. */
export interface ListRequestContext {
  /** The `{org}` or `{username}` path parameter, URL-decoded (not yet checked to exist). */
  login: string
  query: Record<string, string>
  /** Root the request came through: `http://127.0.0.1:PORT` or `…/api/v3`. */
  apiBase: string
  /** Path of the request without prefix and query, for building Link URLs. */
  path: string
}

/** One account-level endpoint: `GET` on `pattern`, whose first group is the login. */
export interface ListRoute {
  method: 'GET'
  /** The OpenAPI path template, e.g. `/orgs/{org}/repos`. */
  template: string
  pattern: RegExp
  /** @throws ApiError 404 for an unknown login (or a user login where an organization is needed) */
  handle(registry: RepositoryRegistry, ctx: ListRequestContext): Reply
}

type Filter = (repo: RepositoryRecord) => boolean

/**
 * `type` of `GET /orgs/{org}/repos` (default `all`). Every token sees every repository of the org, so
 * `member` (repositories the caller can access) is `all`; `internal` (GHES and enterprise orgs) is
 * always empty, the emulator having no internal visibility.
 */
const ORG_TYPES: Record<string, Filter> = {
  all: () => true,
  public: (r) => !r.private,
  private: (r) => r.private,
  forks: (r) => r.fork,
  sources: (r) => !r.fork,
  member: () => true,
  internal: () => false
}

/**
 * `type` of `GET /users/{username}/repos` (default `owner`): `owner` and `all` list the account's
 * own repositories; `member` (repositories it collaborates on) is empty, the emulator having no
 * collaborators. Public repositories only in every case (applied by the route).
 */
const USER_TYPES: Record<string, Filter> = { owner: () => true, all: () => true, member: () => false }

const SORT_KEYS: Record<string, (r: RepositoryRecord) => string> = {
  created: (r) => r.created_at,
  updated: (r) => r.updated_at,
  pushed: (r) => r.pushed_at,
  full_name: (r) => r.full_name.toLowerCase()
}

/**
 * Sorts by `sort` (created | updated | pushed | full_name, default `defaultSort`) in `direction`
 * (asc | desc; default asc for full_name, otherwise desc), ties by id in the same direction. An
 * unknown `sort`, `direction` or `type` value falls back to the default (GitHub declares no error
 * answer for these parameters).
 */
function sorted(repos: RepositoryRecord[], query: Record<string, string>, defaultSort: string): RepositoryRecord[] {
  const sort = query.sort !== undefined && query.sort in SORT_KEYS ? query.sort : defaultSort
  const direction = query.direction === 'asc' || query.direction === 'desc' ? query.direction : sort === 'full_name' ? 'asc' : 'desc'
  const sign = direction === 'asc' ? 1 : -1
  const keyOf = SORT_KEYS[sort]
  return repos.sort((a, b) => {
    const [ka, kb] = [keyOf(a), keyOf(b)]
    return sign * (ka < kb ? -1 : ka > kb ? 1 : a.id - b.id)
  })
}

/** The filter of a `type` parameter, or the default's for a missing or unknown value. */
const typeFilter = (types: Record<string, Filter>, value: string | undefined, fallback: string): Filter =>
  value !== undefined && Object.hasOwn(types, value) ? types[value] : types[fallback]

/** The organization `login`. @throws ApiError 404 for an unknown login or a user */
function organization(registry: RepositoryRegistry, login: string): Owner {
  const org = registry.organization(login)
  if (!org) throw notFound()
  return org
}

/** Whether a custom property value matches a search value (case-insensitive; any element of a multi-select). */
function propertyMatches(value: RepositoryRecord['properties'][string] | undefined, wanted: string): boolean {
  if (value === undefined || value === null) return false
  return (Array.isArray(value) ? value : [value]).some((v) => v.toLowerCase() === wanted.toLowerCase())
}

/**
 * A simple reading of `repository_query` (GitHub's repository search syntax), enough to select
 * repositories by their attributes. Terms are separated by spaces and must all match; a leading `-`
 * negates a term. Understood: `props.NAME:VALUE` (custom property, case-insensitive, any element of
 * a multi-select value), `topic:T`, `archived:true|false`, `fork:true|false`, `is:public|private`,
 * `org:`/`owner:`/`user:LOGIN`, and a bare word (a case-insensitive substring of the repository
 * name). Other `qualifier:value` terms are IGNORED (they match every repository). Unlike GitHub's
 * repository search, forks are not left out by default.
 */
export function repositoryQueryFilter(query: string): Filter {
  const terms = query.trim().split(/\s+/).filter(Boolean)
  const tests = terms.map((raw): Filter => {
    const negated = raw.startsWith('-') && raw.length > 1
    const term = negated ? raw.slice(1) : raw
    const colon = term.indexOf(':')
    const [qualifier, value] = colon < 0 ? ['', term] : [term.slice(0, colon).toLowerCase(), term.slice(colon + 1)]
    const lower = value.toLowerCase()
    let test: Filter
    if (qualifier.startsWith('props.')) {
      const name = qualifier.slice('props.'.length)
      test = (r) => propertyMatches(Object.entries(r.properties).find(([k]) => k.toLowerCase() === name)?.[1], value)
    } else if (qualifier === 'topic') test = (r) => r.topics.some((t) => t.toLowerCase() === lower)
    else if (qualifier === 'archived') test = (r) => String(r.archived) === lower
    else if (qualifier === 'fork') test = (r) => String(r.fork) === lower
    else if (qualifier === 'is') test = (r) => (lower === 'private' ? r.private : lower === 'public' ? !r.private : true)
    else if (['org', 'owner', 'user'].includes(qualifier)) test = (r) => r.owner.login.toLowerCase() === lower
    else if (qualifier === '') test = (r) => r.name.toLowerCase().includes(lower)
    else test = () => true
    return negated ? (r) => !test(r) : test
  })
  return (r) => tests.every((t) => t(r))
}

/** The routes of this file, for {@link matchListRoute}. */
export const LIST_ROUTES: ListRoute[] = [
  {
    // "List organization repositories": every repository of the org, filtered by `type`.
    method: 'GET',
    template: '/orgs/{org}/repos',
    pattern: /^\/orgs\/([^/]+)\/repos$/,
    handle(registry, ctx) {
      const org = organization(registry, ctx.login)
      const filter = typeFilter(ORG_TYPES, ctx.query.type, 'all')
      const { items, headers } = paginate(sorted(registry.repositoriesOf(org).filter(filter), ctx.query, 'created'), ctx)
      return { status: 200, body: items.map((r) => minimalRepositoryJson(r, ctx.apiBase)), headers }
    }
  },
  {
    // "List repositories for a user": "Lists public repositories for the specified user"; an
    // organization login works too (organizations are accounts like users here).
    method: 'GET',
    template: '/users/{username}/repos',
    pattern: /^\/users\/([^/]+)\/repos$/,
    handle(registry, ctx) {
      const owner = registry.owner(ctx.login)
      if (!owner) throw notFound()
      const filter = typeFilter(USER_TYPES, ctx.query.type, 'owner')
      const visible = registry.repositoriesOf(owner).filter((r) => !r.private && filter(r))
      const { items, headers } = paginate(sorted(visible, ctx.query, 'full_name'), ctx)
      return { status: 200, body: items.map((r) => minimalRepositoryJson(r, ctx.apiBase)), headers }
    }
  },
  {
    // "List custom property values for organization repositories": one entry per repository (archived
    // and forks included) in id order, narrowed by `repository_query` (see repositoryQueryFilter).
    method: 'GET',
    template: '/orgs/{org}/properties/values',
    pattern: /^\/orgs\/([^/]+)\/properties\/values$/,
    handle(registry, ctx) {
      const org = organization(registry, ctx.login)
      let repos = registry.repositoriesOf(org)
      if (ctx.query.repository_query) repos = repos.filter(repositoryQueryFilter(ctx.query.repository_query))
      const { items, headers } = paginate(repos, ctx)
      return { status: 200, body: items.map(customPropertyValuesJson), headers }
    }
  }
]

/**
 * The list route of a request, if any.
 * @param method HTTP method (upper case)
 * @param path API path without the `/api/v3` prefix and without the query
 * @returns the route and its URL-decoded login; undefined when no list route matches
 */
export function matchListRoute(method: string, path: string): { route: ListRoute; login: string } | undefined {
  for (const route of LIST_ROUTES) {
    const found = route.method === method ? route.pattern.exec(path) : null
    if (found) return { route, login: decodeURIComponent(found[1]) }
  }
  return undefined
}
