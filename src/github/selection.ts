/**
 * Turns the `repositories` input into the repositories a fleet run covers: the owners' repositories
 * listed from the API (REST docs "List organization repositories" `GET /orgs/{org}/repos`, or "List
 * repositories for a user" `GET /users/{username}/repos` when the owner is a user), matched against
 * the entries in order, narrowed by the filters (archived, forks, topics, and a custom property from
 * "List custom property values for organization repositories" `GET /orgs/{org}/properties/values`).
 * Nothing here writes; it runs before the first hooks request.
 */
import picomatch from 'picomatch'
import { isApiError } from './api-error.js'
import type { GitHubClient, RepositoryPattern, RepositorySelection } from '../model.js'
import type { Target } from './scopes.js'

/** The fields of a listed repository (REST schema `minimal-repository`) that the selection reads. */
interface ListedRepository {
  name: string
  owner: { login: string }
  archived?: boolean
  fork: boolean
  topics?: string[]
}

/** One owner whose repositories were listed for a glob entry. */
export interface OwnerListing {
  owner: string
  /** Which list answered: the organization's (all its repositories the token sees) or the user's (public ones). */
  kind: 'organization' | 'user'
  /** How many repositories the list held. */
  count: number
}

/** What the selection listed and left out, for the log and the job summary. */
export interface SelectionReport {
  listings: OwnerListing[]
  /** Repositories whose name a glob matched but a filter left out, by filter. */
  left_out: { archived: number; forks: number; topics: number; property: number }
}

/** The `repositories` input selects nothing usable: `problems` names each entry or filter at fault. */
export class SelectionError extends Error {
  readonly problems: string[]
  constructor(problems: string[]) {
    super(problems.join('\n'))
    this.name = 'SelectionError'
    this.problems = problems
  }
}

/** A repository with the custom property values of its organization (`name` → value or values). */
type PropertyValues = Map<string, string | string[] | null>

/** An owner's repositories as listed, with their custom property values when the filter asks for them. */
interface Listed {
  listing: OwnerListing
  repositories: ListedRepository[]
  properties?: Map<string, PropertyValues>
}

/**
 * Selects the repositories of a fleet run. Entries apply in order: `owner/name` adds that repository
 * as named (no request, no filter); `owner/glob` adds the owner's listed repositories whose name
 * matches (case-insensitively) and that pass the filters; `!entry` removes what earlier entries added.
 * Costs: per owner with a glob entry, ceil(n/100) list requests, plus as many for custom property
 * values when `property` is set.
 * @param options.writes whether the operation writes: archived repositories (read-only on GitHub)
 *   are then left out even with `include_archived`
 * @returns the repositories in the order selected, and what was listed and left out
 * @throws SelectionError when a glob entry matches no repository (saying what was listed), an owner
 *   is unknown, `property` is set for a user, or nothing is left; Octokit's `RequestError` on other
 *   API errors
 */
export async function selectRepositories(
  client: GitHubClient,
  selection: RepositorySelection,
  options: { writes: boolean }
): Promise<{ targets: Target[]; report: SelectionReport }> {
  const problems: string[] = []
  const owners = [...new Set(selection.patterns.filter((p) => p.glob && !p.exclude).map((p) => p.owner.toLowerCase()))]
  const listed = new Map<string, Listed>()
  await Promise.all(
    owners.map(async (owner) => {
      const found = await listOwner(client, owner, selection, problems)
      if (found) listed.set(owner, found)
    })
  )
  if (problems.length > 0) throw new SelectionError(problems)

  const report: SelectionReport = {
    listings: [...listed.values()].map((entry) => entry.listing),
    left_out: { archived: 0, forks: 0, topics: 0, property: 0 }
  }
  const chosen = new Map<string, Target>()
  for (const pattern of selection.patterns) {
    if (pattern.exclude) {
      for (const [key, target] of chosen) if (target.scope === 'repo' && matches(pattern, target.owner, target.repo)) chosen.delete(key)
      continue
    }
    if (!pattern.glob) {
      chosen.set(`${pattern.owner}/${pattern.name}`.toLowerCase(), { scope: 'repo', owner: pattern.owner, repo: pattern.name })
      continue
    }
    const owner = listed.get(pattern.owner.toLowerCase()) as Listed
    const named = owner.repositories.filter((repository) => matches(pattern, repository.owner.login, repository.name))
    const kept = named.filter((repository) => passes(repository, owner, selection, options.writes, report))
    if (kept.length === 0) problems.push(nothingMatched(pattern, owner, named.length, selection, options.writes))
    for (const repository of kept) {
      chosen.set(`${repository.owner.login}/${repository.name}`.toLowerCase(), {
        scope: 'repo',
        owner: repository.owner.login,
        repo: repository.name
      })
    }
  }
  if (problems.length === 0 && chosen.size === 0) {
    problems.push(`Input 'repositories' selects no repository: its exclusions remove everything the other entries select.`)
  }
  if (problems.length > 0) throw new SelectionError(problems)
  return { targets: [...chosen.values()], report }
}

/** One line for the log: `Selected 37 repositories (octo-org: 120 listed; left out: 3 archived, 1 fork).` */
export function describeSelection(count: number, report: SelectionReport): string {
  const listed = report.listings.map(
    (listing) => `${listing.owner}: ${listing.count} listed${listing.kind === 'user' ? ' (a user: public repositories only)' : ''}`
  )
  const { archived, forks, topics, property } = report.left_out
  const reasons = [
    archived > 0 ? `${archived} archived` : '',
    forks > 0 ? `${forks} ${forks === 1 ? 'fork' : 'forks'}` : '',
    topics > 0 ? `${topics} without the topics` : '',
    property > 0 ? `${property} without the property value` : ''
  ].filter((reason) => reason !== '')
  const details = [...listed, ...(reasons.length > 0 ? [`left out: ${reasons.join(', ')}`] : [])]
  return `Selected ${count} ${count === 1 ? 'repository' : 'repositories'}${details.length > 0 ? ` (${details.join('; ')})` : ''}.`
}

/**
 * How picomatch reads a glob over repository names: case-insensitively, `*` matching a leading `.`
 * too; and, whatever the input layer let through, never as a negation (`!svc-*` would be "every name
 * but"), a brace or extglob expansion, or a POSIX class. The input layer (`repositoryPatterns`)
 * already refuses those forms; these options are the second line.
 */
const GLOB_OPTIONS: picomatch.PicomatchOptions = { nocase: true, dot: true, nonegate: true, nobrace: true, noextglob: true, posix: false }

/** True when the entry's owner is `owner` and its name (or glob) matches `name`, both case-insensitively. */
function matches(pattern: RepositoryPattern, owner: string, name: string): boolean {
  if (pattern.owner.toLowerCase() !== owner.toLowerCase()) return false
  return pattern.glob ? picomatch.isMatch(name, pattern.name, GLOB_OPTIONS) : pattern.name.toLowerCase() === name.toLowerCase()
}

/**
 * Whether `selection` selects the repository `owner/name`, as far as its rules tell without listing:
 * `yes` (its last matching rule adds it: a literal name, or a glob with no filter that could leave it
 * out: no topics, no repository_property, forks included), `no` (no rule adds it, or an exclusion
 * after removes it), `maybe` (a glob adds it, but a filter could leave it out once it is listed).
 * Archived repositories, left out of writes anyway, are not considered.
 */
export function selectsRepository(selection: RepositorySelection, owner: string, name: string): 'yes' | 'no' | 'maybe' {
  let by: RepositoryPattern | undefined
  for (const pattern of selection.patterns) if (matches(pattern, owner, name)) by = pattern.exclude ? undefined : pattern
  if (by === undefined) return 'no'
  if (!by.glob) return 'yes'
  return selection.topics.length > 0 || selection.property !== undefined || !selection.include_forks ? 'maybe' : 'yes'
}

/** Applies the filters to a listed repository, counting what each one leaves out. */
function passes(repository: ListedRepository, owner: Listed, selection: RepositorySelection, writes: boolean, report: SelectionReport): boolean {
  const left = report.left_out
  if (repository.archived && (writes || !selection.include_archived)) return (left.archived++, false)
  if (repository.fork && !selection.include_forks) return (left.forks++, false)
  const topics = repository.topics ?? []
  if (!selection.topics.every((topic) => topics.includes(topic))) return (left.topics++, false)
  if (selection.property) {
    const value = owner.properties?.get(`${repository.owner.login}/${repository.name}`.toLowerCase())?.get(selection.property.name)
    const wanted = selection.property.value
    if (!(Array.isArray(value) ? value.includes(wanted) : value === wanted)) return (left.property++, false)
  }
  return true
}

/** The problem of a glob entry that selects nothing: what was listed and which filters left the name matches out. */
function nothingMatched(pattern: RepositoryPattern, owner: Listed, named: number, selection: RepositorySelection, writes: boolean): string {
  const { listing } = owner
  const listedText = `${listing.count} ${listing.count === 1 ? 'repository' : 'repositories'} listed for ${listing.kind} ${listing.owner}`
  if (named === 0) return `Input 'repositories': '${pattern.text}' matches none of the ${listedText}.`
  const filters = [
    writes || !selection.include_archived
      ? 'archived ones are left out' + (writes && selection.include_archived ? ' (the operation writes)' : '')
      : '',
    selection.include_forks ? '' : 'forks are left out (include_forks: false)',
    selection.topics.length > 0 ? `topics: ${selection.topics.join(', ')}` : '',
    selection.property ? `repository_property: ${selection.property.name}=${selection.property.value}` : ''
  ].filter((filter) => filter !== '')
  return `Input 'repositories': '${pattern.text}' matches ${named} of the ${listedText}, but the filters leave none (${filters.join('; ')}).`
}

/**
 * Lists an owner's repositories, all pages: the organization's list, or on 404 the user's; with a
 * `property` filter, the organization's custom property values too. Records a problem for an owner
 * GitHub does not know and for a property filter on a user.
 */
async function listOwner(client: GitHubClient, owner: string, selection: RepositorySelection, problems: string[]): Promise<Listed | undefined> {
  const query = { per_page: 100, sort: 'full_name' as const }
  let kind: OwnerListing['kind'] = 'organization'
  let repositories: ListedRepository[]
  try {
    repositories = await client.paginate('GET /orgs/{org}/repos', { org: owner, type: 'all', ...query })
  } catch (error) {
    if (!isApiError(error) || error.status !== 404) throw error
    kind = 'user'
    try {
      repositories = await client.paginate('GET /users/{username}/repos', { username: owner, type: 'owner', ...query })
    } catch (userError) {
      if (!isApiError(userError) || userError.status !== 404) throw userError
      problems.push(`Input 'repositories': GitHub knows no organization or user '${owner}' (or the token cannot see it).`)
      return undefined
    }
  }
  const listing: OwnerListing = { owner: repositories[0]?.owner.login ?? owner, kind, count: repositories.length }
  if (!selection.property) return { listing, repositories }
  if (kind === 'user') {
    problems.push(
      `Input 'repository_property' filters by an organization's custom properties, but '${owner}' is a user; leave it out for a user's repositories.`
    )
    return undefined
  }
  const values = await client.paginate('GET /orgs/{org}/properties/values', { org: owner, per_page: 100 })
  const properties = new Map(
    values.map((entry) => [entry.repository_full_name.toLowerCase(), new Map(entry.properties.map((p) => [p.property_name, p.value] as const))])
  )
  return { listing, repositories, properties }
}
