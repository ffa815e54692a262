/**
 * A deterministic fleet of repositories for the emulator: one organization with `count` service
 * repositories and a few others, and a user with `userCount` repositories, mixing archived, forked,
 * private, topic-tagged and custom-property-tagged repositories by a fixed rule, so that tests can
 * compute what each selection should give. Spread the result into the emulator's options:
 *
 * ```ts
 * const emulator = await startEmulator({ ...fleetSeed({ count: 1000 }), latencyMs: 50 })
 * ```
 *
 * THE MIX RULE (i = 0 … count-1 for the service repositories, j = 0 … userCount-1 for the user's):
 *
 * Organization `org`, in this order (ids increase in this order):
 * 1. `svc-<i>`, i zero-padded to 3 digits (`svc-000`, `svc-001`, …; more digits when count > 1000,
 *    enough for count-1), see {@link fleetServiceRepo}:
 *    - archived  when i % 10 === 9
 *    - fork      when i % 7 === 3
 *    - private   when i % 4 === 1
 *    - topics    `team-a` when i is even, `team-b` when odd; plus `deploy` when i % 3 === 0
 *    - property  `team` = {@link FLEET_TEAMS}[i % 3] (`platform`, `payments`, `search`), except
 *      `team: null` (not set) when i % 11 === 10
 * 2. then {@link FLEET_EXTRA_REPOS}, names not matching `svc-*`:
 *    - `web-site`: public, topics [`website`], team `platform`
 *    - `docs`: public, topics [`docs`], no property
 *    - `legacy-monolith`: archived, private, topics [`deploy`], team `payments`
 *
 * User `user`: `proj-<j>`, j zero-padded to 2 digits (`proj-00`, …), topics [`personal`], no
 * properties (users have none), see {@link fleetUserRepo}:
 *    - private   when j % 3 === 1
 *    - fork      when j % 4 === 3
 *    - archived  when j % 5 === 4
 *
 * E.g. count 100: 10 archived, 14 forks, 25 private, 50 `team-a`, 34 `deploy`, 9 without a team.
 */
import type { RepositorySeed } from './repositories.js'

/** Values of the `team` custom property, by `i % 3`. */
export const FLEET_TEAMS = ['platform', 'payments', 'search'] as const

/** A fleet repository without its owner: `name` plus the seed's attributes. */
export type FleetRepo = Omit<RepositorySeed, 'full_name'> & { name: string }

/** The organization's repositories after the `svc-*` ones, in this order. */
export const FLEET_EXTRA_REPOS: readonly FleetRepo[] = [
  { name: 'web-site', archived: false, fork: false, private: false, topics: ['website'], properties: { team: 'platform' } },
  { name: 'docs', archived: false, fork: false, private: false, topics: ['docs'], properties: {} },
  { name: 'legacy-monolith', archived: true, fork: false, private: true, topics: ['deploy'], properties: { team: 'payments' } }
]

/** Options of {@link fleetSeed}. */
export interface FleetSeedOptions {
  /** Organization login; default `octo-org`. */
  org?: string
  /** User login; default `octocat`. Must differ from `org`. */
  user?: string
  /** Number of `svc-*` repositories; default 100. */
  count?: number
  /** Number of the user's repositories; default 5. */
  userCount?: number
}

/** Options for the emulator: spread into `startEmulator({ ...fleetSeed(), … })`. */
export interface FleetSeed {
  /** `[org]`. */
  orgs: string[]
  /** The organization's repositories (`svc-*`, then the extras), then the user's. */
  repositories: RepositorySeed[]
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0')

/**
 * The i-th service repository of the mix rule (see the module docstring).
 * @param i 0-based index
 * @param width digits of the number in the name (default 3)
 */
export function fleetServiceRepo(i: number, width = 3): FleetRepo {
  return {
    name: `svc-${pad(i, width)}`,
    archived: i % 10 === 9,
    fork: i % 7 === 3,
    private: i % 4 === 1,
    topics: [i % 2 === 0 ? 'team-a' : 'team-b', ...(i % 3 === 0 ? ['deploy'] : [])],
    properties: { team: i % 11 === 10 ? null : FLEET_TEAMS[i % 3] }
  }
}

/**
 * The j-th repository of the user by the mix rule (see the module docstring).
 * @param j 0-based index
 * @param width digits of the number in the name (default 2)
 */
export function fleetUserRepo(j: number, width = 2): FleetRepo {
  return { name: `proj-${pad(j, width)}`, archived: j % 5 === 4, fork: j % 4 === 3, private: j % 3 === 1, topics: ['personal'] }
}

/**
 * Builds the fleet of the mix rule (see the module docstring); same options, same fleet.
 * @returns `{ orgs, repositories }` for the emulator's options (fresh objects on every call)
 * @throws RangeError unless `count` and `userCount` are non-negative integers; TypeError when `org`
 *   and `user` are the same login (case-insensitively)
 */
export function fleetSeed(options: FleetSeedOptions = {}): FleetSeed {
  const { org = 'octo-org', user = 'octocat', count = 100, userCount = 5 } = options
  for (const [name, value] of [
    ['count', count],
    ['userCount', userCount]
  ] as const) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`)
  }
  if (org.toLowerCase() === user.toLowerCase()) throw new TypeError(`org and user must differ, both are '${org}'`)
  const width = (n: number, min: number): number => Math.max(min, String(Math.max(0, n - 1)).length)
  const own =
    (owner: string) =>
    ({ name, ...rest }: FleetRepo): RepositorySeed =>
      structuredClone({ full_name: `${owner}/${name}`, ...rest })
  const service = Array.from({ length: count }, (_, i) => fleetServiceRepo(i, width(count, 3)))
  const personal = Array.from({ length: userCount }, (_, j) => fleetUserRepo(j, width(userCount, 2)))
  return { orgs: [org], repositories: [...[...service, ...FLEET_EXTRA_REPOS].map(own(org)), ...personal.map(own(user))] }
}
