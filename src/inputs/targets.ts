/**
 * The targets of the input flow (see ./input-helper.ts): `scope`, `repository` and `org` resolved
 * into one repository, organization or GitHub App ({@link oneTarget}), or the `repositories`
 * entries ({@link repositoryPatterns}: names and globs over names, checked against GitHub's naming
 * rules so that no pattern can select repositories it does not spell out) with their filters
 * ({@link parseSelection}), and the checks of a fleet run ({@link checkFleet}). Listing the
 * repositories a selection names is ../github/selection.ts's work, at run time.
 */
import type { OperationInputs, RepositoryPattern, RepositorySelection, Scope, Target } from '../model.js'
import { boolean, propertyFilter, topicList, type ParseInput, type ReadInput } from './values.js'
import { mayWrite } from './operation-inputs.js'
import { APP_ID } from './credentials.js'

/** Owner logins: letters, digits and inner hyphens (GitHub's rule for user and organization names). */
const LOGIN = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?'

/** What a repository name holds, for the errors of `repository` and `repositories`. */
const NAME_RULE = "a repository name holds only letters, digits, '.', '-' and '_', and is never '.' or '..'"

/** What a glob over repository names may use, for the error of `repositories`. */
const GLOB_RULE =
  'a glob adds only *, ? and [...] classes of those characters (e.g. [a-f0-9]; no [!...] or [^...]); !, {}, () and extglobs are refused: an exclusion is a whole entry, !owner/pattern (e.g. !octo-org/svc-legacy)'

/**
 * True for a name GitHub can give a repository: letters, digits, `.`, `-` and `_` only, and neither
 * `.` nor `..` (which a URL would resolve as a path segment: `/repos/octo-org/.` is `/repos/octo-org`).
 */
export function isRepositoryName(name: string): boolean {
  return /^[A-Za-z0-9._-]+$/.test(name) && name !== '.' && name !== '..'
}

/** A character of a repository name (see {@link isRepositoryName}). */
const NAME_CHAR = /^[A-Za-z0-9._-]$/

/** Both ends of a `[a-f]` range are digits, lower-case or upper-case letters, the first not after the second. */
function isRange(from: string, to: string): boolean {
  return ['0-9', 'a-z', 'A-Z'].some((kind) => new RegExp(`^[${kind}]$`).test(from) && new RegExp(`^[${kind}]$`).test(to)) && from <= to
}

/** True when the `[...]` class's inside (between the brackets) holds name characters and ascending ranges; `-` is literal only first or last. */
function isNameClass(inside: string): boolean {
  if (inside === '') return false
  for (let at = 0; at < inside.length;) {
    if (inside[at + 1] === '-' && at + 2 < inside.length) {
      if (!isRange(inside[at], inside[at + 2])) return false
      at += 3
    } else {
      if (!NAME_CHAR.test(inside[at]) || (inside[at] === '-' && at !== 0 && at !== inside.length - 1)) return false
      at += 1
    }
  }
  return true
}

/**
 * True for a glob over repository names that picomatch reads with no surprise: name characters
 * ({@link isRepositoryName}), `*`, `?`, and `[...]` classes of name characters or ascending ranges
 * (`[a-f]`, `[0-9]`). Refused: a negation (`!svc-*`, which picomatch reads as "every name but"),
 * negated classes (`[!a]`, `[^a]`), braces, parentheses and extglobs (`@(a|b)`), POSIX classes,
 * escapes, unbalanced brackets.
 */
export function isNameGlob(glob: string): boolean {
  for (let at = 0; at < glob.length;) {
    if (glob[at] === '[') {
      const end = glob.indexOf(']', at + 1)
      if (end === -1 || !isNameClass(glob.slice(at + 1, end))) return false
      at = end + 1
    } else if (NAME_CHAR.test(glob[at]) || glob[at] === '*' || glob[at] === '?') {
      at += 1
    } else {
      return false
    }
  }
  return glob !== ''
}

/**
 * Accepts the `repositories` entries, separated by new lines or commas (blank lines and `#` comment
 * lines are skipped): `owner/name`; `owner/glob` with `*`, `?` or `[…]` over the owner's repository
 * names (`owner/*`, `owner/svc-*`); `!owner/name` or `!owner/glob` to exclude what the earlier entries
 * selected. The owner is always written out. Duplicates are dropped.
 *
 * A name must be one GitHub can give a repository ({@link isRepositoryName}), a glob one of
 * {@link isNameGlob}: a `!` anywhere but before the owner (`octo-org/!svc-*`, which picomatch would
 * read as "every name but svc-*", a write to the wrong repositories) is refused, and so are braces,
 * parentheses, extglobs and negated classes.
 * @throws Error naming the input, each entry at fault and what the input accepts
 */
export function repositoryPatterns(raw: string, name: string): RepositoryPattern[] {
  const accepts =
    'it accepts entries separated by new lines or commas: owner/name, owner/glob over names (owner/*, owner/svc-*), or !owner/name, !owner/glob to exclude what earlier entries selected'
  const entries = raw
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .flatMap((line) => line.split(','))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
  if (entries.length === 0) throw new Error(`Input '${name}' has no entry; ${accepts}.`)
  const problems: string[] = []
  const patterns: RepositoryPattern[] = []
  for (const text of new Set(entries)) {
    const exclude = text.startsWith('!')
    const body = exclude ? text.slice(1).trim() : text
    const match = new RegExp(`^(${LOGIN})/(.*)$`).exec(body)
    const glob = match !== null && /[*?[\]]/.test(match[2])
    if (body === '') problems.push("a bare '!' (it excludes nothing: write !owner/name or !owner/glob)")
    else if (match === null) problems.push(`'${text}'`)
    else if (glob ? !isNameGlob(match[2]) : !isRepositoryName(match[2])) problems.push(`'${text}' (${NAME_RULE}; ${GLOB_RULE})`)
    else if (exclude && patterns.length === 0) problems.push(`'${text}' first (an exclusion removes what EARLIER entries selected)`)
    else patterns.push({ text, owner: match[1], name: match[2], glob, exclude })
  }
  if (problems.length > 0) throw new Error(`Input '${name}' has ${problems.join(', ')}; ${accepts}.`)
  return patterns
}

/**
 * Resolves `scope`, `repository` and `org` (or, for scope `app`, `app_id`) into one target; records
 * problems. `repository` falls back to `env.GITHUB_REPOSITORY`, `org` to the repository's owner.
 * Undefined when the target is not known (each reason is a problem, or for scope `app` one of
 * `appCredentials` in ./credentials.ts).
 */
export function oneTarget(scope: Scope, input: ReadInput, env: NodeJS.ProcessEnv, problems: string[]): Target | undefined {
  if (scope === 'app') {
    const app_id = input('app_id')
    return app_id !== undefined && APP_ID.test(app_id) ? { scope, app_id } : undefined
  }
  return parseTarget(scope, input, env, problems)
}

/** Resolves `scope`, `repository` and `org` into a target; records problems. */
function parseTarget(scope: 'repo' | 'org', input: ReadInput, env: NodeJS.ProcessEnv, problems: string[]): Target | undefined {
  const repository = input('repository') ?? env.GITHUB_REPOSITORY
  // The owner: a login (letters, digits, hyphens; `_` in an Enterprise Managed User's), never a dot
  // segment; the name: one GitHub can give a repository, never `.` or `..` (`octo-org/.` would request
  // /repos/octo-org/hooks).
  const parts = repository === undefined ? null : /^([A-Za-z0-9_-]+)\/([^/]+)$/.exec(repository)
  const match = parts !== null && isRepositoryName(parts[2]) ? parts : null
  if (repository !== undefined && match === null) {
    problems.push(`Input 'repository' is '${repository}'; it accepts 'owner/name', e.g. 'octo-org/hello-world': ${NAME_RULE}.`)
  }
  if (scope === 'repo') {
    if (repository === undefined) {
      problems.push("Input 'repository' is required with scope 'repo' (outside a workflow); it accepts 'owner/name'.")
    }
    return match ? { scope, owner: match[1], repo: match[2] } : undefined
  }
  const org = input('org') ?? match?.[1]
  if (org === undefined) {
    problems.push("Input 'org' is required with scope 'org' when no repository is known; it accepts an organization login.")
    return undefined
  }
  try {
    return { scope, org: organizationLogin(org, 'org') }
  } catch (error) {
    problems.push((error as Error).message)
    return undefined
  }
}

/**
 * Accepts an organization login: letters, digits and inner hyphens.
 * @throws Error naming the input and what it accepts
 */
export function organizationLogin(raw: string, name: string): string {
  if (/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(raw)) return raw
  throw new Error(`Input '${name}' is '${raw}'; it accepts an organization login (letters, digits and inner hyphens).`)
}

/**
 * The selection of `repositories` (already parsed into `patterns`) with its filters
 * (`include_archived`, default false; `include_forks`, default true; `topics`; `repository_property`);
 * records problems: `repository` set too, a scope other than `repo`, a malformed `topics` or
 * `repository_property`.
 */
export function parseSelection(
  patterns: RepositoryPattern[],
  scope: Scope,
  parse: ParseInput,
  input: ReadInput,
  problems: string[]
): RepositorySelection {
  if (input('repository') !== undefined) {
    problems.push(
      "Inputs 'repository' and 'repositories' are both set; set one: 'repository' names one repository, 'repositories' several (owner/name, owner/glob such as owner/svc-*, !entry to exclude)."
    )
  }
  if (scope !== 'repo') {
    problems.push(`Input 'repositories' selects repositories, so it works with scope 'repo' only; with scope '${scope}' use 'org'.`)
  }
  return {
    patterns,
    include_archived: parse('include_archived', boolean) ?? false,
    include_forks: parse('include_forks', boolean) ?? true,
    topics: parse('topics', topicList) ?? [],
    property: parse('repository_property', propertyFilter)
  }
}

/**
 * Checks a fleet run: ids name one hook or delivery in ONE repository, so `hook_id` and
 * `delivery_id` need `repositories` to be one `owner/name`; warns about filters that cannot apply.
 * Records errors in `problems`, warnings in `warnings`; throws nothing.
 */
export function checkFleet(
  operation: string,
  spec: OperationInputs,
  selection: RepositorySelection,
  request: { dry_run: boolean; ping_if_needed: boolean },
  problems: string[],
  warnings: string[],
  input: ReadInput
): void {
  const one = selection.patterns.length === 1 && !selection.patterns[0].glob && !selection.patterns[0].exclude
  for (const name of ['hook_id', 'delivery_id']) {
    if (!one && input(name) !== undefined && spec.uses.includes(name)) {
      problems.push(
        `Input '${name}' names ${name === 'hook_id' ? 'a hook' : 'a delivery'} of one repository (ids differ per repository), but 'repositories' may select several; ` +
          (name === 'hook_id' ? "name the hook by 'url' instead, or set 'repositories' to one owner/name." : "set 'repositories' to one owner/name.")
      )
    }
  }
  const filters = ['include_archived', 'include_forks', 'topics', 'repository_property'].filter((name) => input(name) !== undefined)
  if (filters.length > 0 && !selection.patterns.some((pattern) => pattern.glob && !pattern.exclude)) {
    warnings.push(
      `${filters.map((name) => `'${name}'`).join(', ')} narrow only the repositories a glob entry lists (owner/svc-*); every entry of 'repositories' names one repository exactly, so they change nothing.`
    )
  }
  if (selection.include_archived && mayWrite(spec, request)) {
    warnings.push(
      `Input 'include_archived' keeps archived repositories for operations that only read; '${operation}' writes (GitHub makes an archived repository's hooks read-only), so they are left out.`
    )
  }
}
