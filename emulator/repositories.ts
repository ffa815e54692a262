/**
 * The repositories and accounts the emulator knows, without HTTP: which owners exist (an
 * Organization when listed in the `orgs` option, otherwise a User), their repositories with the
 * attributes the repository lists show (`archived`, `fork`, `private`, `topics`, custom property
 * values) and the rule that an archived repository is read-only. Built once from the emulator's
 * options and never changed afterwards (`Emulator.reset()` leaves it alone).
 *
 * Every lookup is a Map access keyed by the lower-cased login or `owner/name` (GitHub's names are
 * case-insensitive), so fleets of thousands of repositories cost nothing per request. The list
 * endpoints that read this registry are in ./repository-routes.ts, their JSON in
 * ./representations.ts.
 */
import { ApiError } from './store.js'

/** A custom property value: a string, the strings of a multi-select property, or null (unset). */
export type CustomPropertyValue = string | string[] | null

/** One repository of `EmulatorOptions.repositories`. */
export interface RepositorySeed {
  /** `owner/name`, case-insensitive for lookups; the owner's spelling from `orgs` wins when listed there. */
  full_name: string
  /** Archived repositories are read-only: hook writes answer 403. Default false. */
  archived?: boolean
  /** Default false. */
  fork?: boolean
  /** Default false (public). */
  private?: boolean
  /** Default none. */
  topics?: string[]
  /**
   * Custom property values by property name, shown by `GET /orgs/{org}/properties/values` in this
   * key order. Only organizations have custom properties: a seed of a user-owned repository with
   * properties is refused (TypeError).
   */
  properties?: Record<string, CustomPropertyValue>
}

/** Kind of account, as the API's `owner.type` shows it. */
export type OwnerType = 'Organization' | 'User'

/** An account that exists in the emulator. */
export interface Owner {
  /** Canonical spelling (from `orgs`, or from the first repository naming the user). */
  login: string
  /** Organizations 9919, 9920, … in `orgs` order; users 100001, 100002, … in order of appearance. */
  id: number
  type: OwnerType
}

/** A repository as the emulator stores it. */
export interface RepositoryRecord {
  /** 1296269, 1296270, … in option order (`repos` strings first, then `repositories`). */
  id: number
  name: string
  /** Canonical `owner/name` (the owner's canonical login). */
  full_name: string
  owner: Owner
  archived: boolean
  fork: boolean
  private: boolean
  topics: string[]
  /** Always `{}` for user-owned repositories. */
  properties: Record<string, CustomPropertyValue>
  /**
   * ISO 8601 timestamps, whole seconds, fixed and increasing with the id: `created_at` is
   * 2020-01-01T00:00:00Z plus one hour per repository before it; `updated_at` and `pushed_at` are one
   * day after `created_at`. So `sort=created|updated|pushed` all give id order.
   */
  created_at: string
  updated_at: string
  pushed_at: string
}

const FIRST_REPOSITORY_ID = 1296269
const FIRST_ORG_ID = 9919
const FIRST_USER_ID = 100_001
const EPOCH_MS = Date.UTC(2020, 0, 1)
const HOUR_MS = 60 * 60 * 1000
const DAY_MS = 24 * HOUR_MS

const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
const key = (name: string): string => name.toLowerCase()

/**
 * 403 `Repository was archived so is read-only.`, GitHub's answer to a write on an archived
 * repository (schema `basic-error`, `documentation_url` as in the emulator's other errors).
 */
export const archivedReadOnly = (): ApiError => new ApiError(403, 'Repository was archived so is read-only.')

/** The emulator's accounts and repositories; immutable after construction. */
export class RepositoryRegistry {
  private readonly owners = new Map<string, Owner>()
  private readonly repositories = new Map<string, RepositoryRecord>()
  private readonly byOwner = new Map<Owner, RepositoryRecord[]>()
  private readonly ids = new Map<number, RepositoryRecord>()

  /**
   * @param repos repositories: `owner/name` strings (public, not archived, not a fork, no topics) or
   *   {@link RepositorySeed}s, ids assigned in this order
   * @param orgs organization logins; every other owner of a repository is a User
   * @throws TypeError for a malformed `full_name` or org login, a repository or organization listed
   *   twice (case-insensitively), or custom properties on a user-owned repository
   */
  constructor(repos: ReadonlyArray<string | RepositorySeed>, orgs: readonly string[]) {
    orgs.forEach((login, i) => {
      if (!/^[^/\s]+$/.test(login)) throw new TypeError(`Invalid organization login ${JSON.stringify(login)}`)
      if (this.owners.has(key(login))) throw new TypeError(`Organization '${login}' is listed twice`)
      this.owners.set(key(login), { login, id: FIRST_ORG_ID + i, type: 'Organization' })
    })
    let nextUserId = FIRST_USER_ID
    repos.forEach((entry, i) => {
      const seed: RepositorySeed = typeof entry === 'string' ? { full_name: entry } : entry
      const parts = /^([^/\s]+)\/([^/\s]+)$/.exec(seed.full_name)
      if (!parts) throw new TypeError(`Invalid repository full_name ${JSON.stringify(seed.full_name)}: expected owner/name`)
      const [, login, name] = parts
      let owner = this.owners.get(key(login))
      if (!owner) {
        owner = { login, id: nextUserId++, type: 'User' }
        this.owners.set(key(login), owner)
      }
      const fullName = `${owner.login}/${name}`
      if (this.repositories.has(key(fullName))) throw new TypeError(`Repository '${fullName}' is listed twice`)
      const properties = { ...seed.properties }
      if (owner.type === 'User' && Object.keys(properties).length > 0) {
        throw new TypeError(`Repository '${fullName}' belongs to a user: only organization repositories have custom properties`)
      }
      const created = EPOCH_MS + i * HOUR_MS
      const record: RepositoryRecord = {
        id: FIRST_REPOSITORY_ID + i,
        name,
        full_name: fullName,
        owner,
        archived: seed.archived ?? false,
        fork: seed.fork ?? false,
        private: seed.private ?? false,
        topics: [...(seed.topics ?? [])],
        properties,
        created_at: isoSeconds(created),
        updated_at: isoSeconds(created + DAY_MS),
        pushed_at: isoSeconds(created + DAY_MS)
      }
      this.repositories.set(key(fullName), record)
      this.ids.set(record.id, record)
      const list = this.byOwner.get(owner) ?? []
      list.push(record)
      this.byOwner.set(owner, list)
    })
  }

  /** The account (organization or user) with this login, case-insensitively. */
  owner(login: string): Owner | undefined {
    return this.owners.get(key(login))
  }

  /** The organization with this login, case-insensitively; undefined for users and unknown logins. */
  organization(login: string): Owner | undefined {
    const owner = this.owner(login)
    return owner?.type === 'Organization' ? owner : undefined
  }

  /** Every organization, in `orgs` order. */
  organizations(): Owner[] {
    return [...this.owners.values()].filter((o) => o.type === 'Organization')
  }

  /** The repository `owner/name`, case-insensitively. */
  repository(fullName: string): RepositoryRecord | undefined {
    return this.repositories.get(key(fullName))
  }

  /** The repository with this id (as `/repositories/{id}/…` paths name it); undefined when none has it. */
  repositoryById(id: number): RepositoryRecord | undefined {
    return this.ids.get(id)
  }

  /** Every repository, in id order. */
  all(): RepositoryRecord[] {
    return [...this.repositories.values()]
  }

  /** An owner's repositories in id order (the registry's own array: do not modify). */
  repositoriesOf(owner: Owner): readonly RepositoryRecord[] {
    return this.byOwner.get(owner) ?? []
  }

  /**
   * Refuses writes to an archived repository, as GitHub does for every write on it (here: the hook
   * writes `POST`/`PATCH`/`DELETE …/hooks…`, pings, tests and redelivery attempts included).
   * @throws ApiError 403 `Repository was archived so is read-only.` when `fullName` is archived
   */
  assertWritable(fullName: string): void {
    if (this.repository(fullName)?.archived) throw archivedReadOnly()
  }
}
