/**
 * The webhooks file (input `file`, default `.github/webhooks.yml`): the hooks a repository declares,
 * which the `plan` and `apply` operations compare with GitHub's and `export` writes from GitHub's.
 *
 * ```yaml
 * hooks:
 *   - name: deploy                        # required, unique in the file; names the entry in plans
 *     url: https://deploy.example.com/github
 *     events: [push, pull_request]        # default [push]
 *     content_type: json                  # json (default) or form
 *     insecure_ssl: false                 # default false
 *     active: true                        # default true
 *     secret_env: DEPLOY_WEBHOOK_SECRET   # the NAME of an environment variable that holds the secret
 *     repositories: [octo-org/svc-*, "!octo-org/svc-legacy"]   # the rules of the `repositories` input
 *     topics: [service]                   # optional filters, as the inputs: include_archived, include_forks, topics, repository_property
 *     previous_urls: [https://old-deploy.example.com/github]   # a hook found at one is moved to url (updated), not recreated
 *   - name: audit
 *     org: octo-org                       # an organization hook instead of repositories
 *     url: https://audit.example.com/hook
 *     events: ["*"]
 *     secret_env: AUDIT_WEBHOOK_SECRET
 * prune:                                  # optional: globs over the hook URLs this file owns
 *   - https://*.example.com/**
 * ```
 *
 * {@link readWebhooksFile} parses and checks it (the JSON Schema ./webhooks.schema.json, then what a
 * schema cannot say) and gathers every problem into one {@link WebhooksFileError};
 * {@link maskWebhooksFileSecrets} masks the secrets it read from the environment;
 * {@link renderWebhooksFile} writes one for `export`. A secret is never written in the file, and no
 * message repeats a secret or a URL (a URL may carry a credential).
 */
import { readFileSync } from 'node:fs'
import { isAbsolute, relative, resolve } from 'node:path'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { closest, distance } from 'fastest-levenshtein'
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, stringify, type Document } from 'yaml'
import { SECRET_MASK, sameUrl, urlGlobProblem, type ExportEntry, type RepositorySelection, type WebhookEntry, type WebhooksFile } from '../model.js'
import { mask, urlCredentials, selectsRepository } from '../github/index.js'
import { repositoryPatterns } from './targets.js'
import { eventList, httpUrl, KNOWN_EVENTS, list, propertyFilter, topicList, unknownEvents } from './values.js'
import schema from '../webhooks.schema.json' with { type: 'json' }

/** The input `file`'s default. */
const DEFAULT_WEBHOOKS_FILE = '.github/webhooks.yml'

/** Where {@link renderWebhooksFile}'s `# yaml-language-server: $schema=` line points by default: a copy of ./webhooks.schema.json next to the file. */
export const WEBHOOKS_SCHEMA_REFERENCE = './webhooks.schema.json'

/**
 * The URL of the webhooks file's JSON Schema as the running action's own release serves it, for the
 * `$schema` line `export` writes: `https://raw.githubusercontent.com/OWNER/REPO/REF/src/webhooks.schema.json`
 * from the runner's `GITHUB_ACTION_REPOSITORY` and `GITHUB_ACTION_REF` (the repository and tag, branch
 * or commit of `uses: OWNER/REPO@REF`), a file every release holds. Undefined when the action does not
 * run from a repository of its own (`uses: ./`, a local run): the caller then writes a copy next to the file.
 */
export function schemaUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const repository = env.GITHUB_ACTION_REPOSITORY?.trim()
  const ref = env.GITHUB_ACTION_REF?.trim()
  if (!repository || !ref || !/^[\w.-]+\/[\w.-]+$/.test(repository) || !/^[\w./-]+$/.test(ref)) return undefined
  return `https://raw.githubusercontent.com/${repository}/${ref}/src/webhooks.schema.json`
}

/**
 * The path of the webhooks file as GitHub maps annotations and people read it: relative to the
 * repository's root `workspace` (`GITHUB_WORKSPACE`) when the file is inside it (`.github/webhooks.yml`
 * for `/home/runner/work/repo/repo/.github/webhooks.yml`), otherwise as given. Without a workspace,
 * a relative path is kept and an absolute one made relative to the working directory when inside it.
 */
export function workspacePath(path: string, workspace: string | undefined = process.env.GITHUB_WORKSPACE): string {
  const root = workspace || process.cwd()
  if (!isAbsolute(path) && !workspace) return path
  const inside = relative(resolve(root), resolve(path))
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return path
  return inside.split('\\').join('/')
}

/** One problem of a webhooks file, as {@link WebhooksFileError} lists it. */
export interface WebhooksFileProblem {
  /** The file's path, as given. */
  file: string
  /** 1-based line the problem is on (the key at fault, or the entry or list that misses one). */
  line: number
  /** 1-based column of that line's first key or item (after its indentation and any `- `); 1 for the file as a whole. */
  column: number
  /** Key path in the file, e.g. `hooks[2].events[0]`; '' for the file as a whole (a YAML syntax error, an unreadable file). */
  key: string
  /** What is wrong and what the key accepts, e.g. `unknown key 'evnts' (did you mean 'events'?); it accepts …`. */
  message: string
}

/**
 * Every problem of a webhooks file, found at once (not just the first). Each of `problems` reads
 * `FILE:LINE: KEY: MESSAGE; it accepts …`, e.g.
 * `.github/webhooks.yml:7: hooks[1].evnts: unknown key 'evnts' (did you mean 'events'?); it accepts the keys name, url, …`
 * (no `KEY: ` for a problem of the whole file), sorted by line; `details` holds the same problems as
 * fields (for annotations: `core.error(message, { file, startLine: line, startColumn: column })`). The message is a header
 * line and then the problems, one a line. No problem repeats a secret, a `secret:` value, or a URL.
 */
export class WebhooksFileError extends Error {
  /** `FILE:LINE: KEY: MESSAGE`, one per problem, sorted by line. */
  readonly problems: string[]
  /** The same problems as fields. */
  readonly details: WebhooksFileProblem[]

  constructor(file: string, details: WebhooksFileProblem[]) {
    const sorted = [...details].sort((a, b) => a.line - b.line)
    const problems = sorted.map(formatProblem)
    super(`The webhooks file '${file}' has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}:\n${problems.join('\n')}`)
    this.name = 'WebhooksFileError'
    this.problems = problems
    this.details = sorted
  }
}

/** `FILE:LINE: KEY: MESSAGE` (no `KEY: ` when the key is ''). */
function formatProblem({ file, line, key, message }: WebhooksFileProblem): string {
  return `${file}:${line}: ${key === '' ? '' : `${key}: `}${message}`
}

/** Options of {@link readWebhooksFile}. */
export interface ReadWebhooksFileOptions {
  /** Accept event names outside `KNOWN_EVENTS` (input `allow_unknown_events`); their shape is still checked. Default false. */
  allow_unknown_events?: boolean
  /**
   * A `secret_env` variable that is not set is no problem (the `plan` operation, which needs no
   * secret): the entry keeps `secret_env` with `secret` undefined, and its secret is not checked. An
   * empty variable, or one holding GitHub's mask, is still a problem. Default false (`apply` refuses it).
   */
  secrets_optional?: boolean
}

/**
 * Reads, checks and completes the webhooks file at `path` (or, when `text` is given, that text as if
 * it were the file: nothing is read from disk). `env` is where `secret_env` variables are read
 * (`process.env` in the action).
 *
 * Checks, every problem gathered into one {@link WebhooksFileError} (see there for the format):
 * - YAML syntax (with its line), duplicate keys included; the file must not be empty;
 * - ./webhooks.schema.json (JSON Schema draft-07, Ajv): unknown keys, at the top and in each entry,
 *   with "did you mean" for a near one; `secret:` refused (its value never repeated): the secret
 *   comes from the environment variable `secret_env` names; types (`events`, `repositories`,
 *   `topics`, `previous_urls`, `prune` lists of strings; `insecure_ssl`, `active`,
 *   `include_archived`, `include_forks` booleans); `content_type` `json` or `form`; `name` and `url`
 *   required; exactly one of `org` (an organization login) and `repositories` per entry; the
 *   repository filters only with `repositories`; `secret_env` an environment variable name
 *   (`^[A-Za-z_][A-Za-z0-9_]*$`);
 * - `name` not blank and unique in the file (a duplicate names the line of the first);
 * - `url` and each of `previous_urls` an absolute http:// or https:// URL (`httpUrl` of
 *   ./values.ts), no previous URL equal to `url`;
 * - `events`: each one name (`eventList`'s rule), known to GitHub (`KNOWN_EVENTS`, with "did you
 *   mean" from `unknownEvents`) unless `options.allow_unknown_events`; `*` for all events;
 * - `repositories`: the rules of the `repositories` input (`repositoryPatterns` of
 *   ./targets.ts, each item at its own line); `topics` and `repository_property` by
 *   `topicList` and `propertyFilter`;
 * - `secret_env`: the variable set and not empty (nor `********`, GitHub's mask of a stored secret);
 * - no two entries that could claim one hook: the same URL (their `url` or one of their
 *   `previous_urls`) on the same target, as far as the file tells: the same `org`, or a repository
 *   named literally in one entry that the other's rules select too, literally or by a glob without
 *   filters (`octo-org/svc-*` and `octo-org/svc-a`; an exclusion `!octo-org/svc-a` after the glob
 *   settles it). Two globs, or a glob with `topics` or `repository_property`, select repositories only
 *   once GitHub lists them: the plan checks those after listing, before any write;
 * - `prune`: each a glob over URLs ({@link urlGlobProblem}); an entry's own `url` matching one is fine.
 *
 * Defaults: `events` `['push']`, `content_type` `'json'`, `insecure_ssl` `'0'` (from `false`; `true`
 * gives `'1'`), `active` `true`, `previous_urls` `[]`, `prune` `[]`; `repositories` becomes a
 * `RepositorySelection` (`include_archived` false, `include_forks` true, `topics` `[]`, `property`
 * from `repository_property`). Event names, previous URLs and topics lose their duplicates.
 * `secret` is the value of `env[secret_env]`, trimmed (like every input); mask it with
 * {@link maskWebhooksFileSecrets} before anything else runs.
 * @throws WebhooksFileError listing every problem
 */
export function readWebhooksFile(path: string, env: NodeJS.ProcessEnv, text?: string, options: ReadWebhooksFileOptions = {}): WebhooksFile {
  let source: string
  if (text !== undefined) {
    source = text
  } else {
    try {
      source = readFileSync(path, 'utf8')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? (error as Error).message)
      throw new WebhooksFileError(workspacePath(path, env.GITHUB_WORKSPACE), [
        {
          file: workspacePath(path, env.GITHUB_WORKSPACE),
          line: 1,
          column: 1,
          key: '',
          message: `cannot be read (${reason}); it accepts the path of a YAML webhooks file in the workspace (input 'file', default ${DEFAULT_WEBHOOKS_FILE}): check out the repository first (actions/checkout)`
        }
      ])
    }
  }
  return new FileReader(workspacePath(path, env.GITHUB_WORKSPACE), source, env, options).read()
}

/**
 * Masks, in the log (`core.setSecret`) and for `redact` (`mask` of ../github/redact.ts), every secret that
 * `file` read from the environment: each entry's `secret` and, when it differs, the variable's
 * untrimmed value; and the credentials of the entries' `url` and `previous_urls` (`urlCredentials`),
 * as `maskSecretInputs` does for the inputs. Call it right after {@link readWebhooksFile}, before
 * anything else runs. (The values come from the workflow's `secrets`, which the runner masks too; this
 * also covers a value set otherwise and the trimmed form.)
 */
export function maskWebhooksFileSecrets(file: WebhooksFile, env: NodeJS.ProcessEnv): void {
  for (const hook of file.hooks) {
    if (hook.secret !== undefined) {
      mask(hook.secret)
      const raw = hook.secret_env === undefined ? undefined : env[hook.secret_env]
      if (raw !== undefined && raw !== hook.secret) mask(raw)
    }
    for (const url of [hook.url, ...hook.previous_urls]) urlCredentials(url).forEach(mask)
  }
}

/**
 * The webhooks file for `export`: a header comment, a `# yaml-language-server: $schema=` line
 * (`schema`, default {@link WEBHOOKS_SCHEMA_REFERENCE}) so that editors check and complete it, and one
 * entry per {@link ExportEntry} in the order given (name, org, url, events, content_type, insecure_ssl,
 * active, secret_env, repositories, every value written out), then `prune` when given and not empty.
 *
 * The `secret_env` line says whether GitHub has a secret set: with `secret_set`,
 * `secret_env: NAME  # GitHub has a secret set for these hooks: store it in NAME, …`; without,
 * the line is commented out, `# secret_env: NAME  # no secret is set …`, because an active
 * `secret_env` would make `apply` give the hooks a secret they do not have (and require the variable).
 *
 * {@link readWebhooksFile} reads the text back into the same entries (the variables of the
 * `secret_set` entries set; `secret_env` undefined for the others), provided the entries are valid:
 * unique names, one of `org` and `repositories`, event names GitHub knows (or `allow_unknown_events`).
 */
export function renderWebhooksFile(entries: ExportEntry[], prune?: string[], schema: string = WEBHOOKS_SCHEMA_REFERENCE): string {
  const lines = [
    `# yaml-language-server: $schema=${schema}`,
    '# Webhooks managed by the manage-webhooks action: the plan operation shows what differs from GitHub, apply makes GitHub match.',
    '# Each entry puts one hook on the organization `org`, or on every repository its `repositories` rules select',
    '# (owner/name, owner/svc-* globs, "!owner/name" to exclude). Secrets are never written here: `secret_env` names the',
    '# environment variable of the step that holds one, set from a secret in the workflow: env: { NAME: ${{ secrets.NAME }} }.',
    'hooks:'
  ]
  for (const entry of entries) {
    lines.push(`  - name: ${scalar(entry.name)}`)
    if (entry.org !== undefined) lines.push(`    org: ${scalar(entry.org)}`)
    lines.push(
      `    url: ${scalar(entry.url)}`,
      `    events: [${entry.events.map(flowScalar).join(', ')}]`,
      `    content_type: ${scalar(entry.content_type)}`,
      `    insecure_ssl: ${entry.insecure_ssl === '1'}`,
      `    active: ${entry.active}`,
      entry.secret_set
        ? `    secret_env: ${entry.secret_env}  # GitHub has a secret set for these hooks: store it in ${entry.secret_env}, in the step's env: from a secret`
        : `    # secret_env: ${entry.secret_env}  # no secret is set on these hooks; to give them one, uncomment this line and set ${entry.secret_env}`
    )
    if (entry.repositories !== undefined) {
      lines.push('    repositories:', ...entry.repositories.map((repository) => `      - ${scalar(repository)}`))
    }
  }
  if (prune !== undefined && prune.length > 0) {
    lines.push('# Hooks whose URL matches one of these globs, on the targets above, and that no entry declares are deleted by apply.')
    lines.push('prune:', ...prune.map((glob) => `  - ${scalar(glob)}`))
  }
  return `${lines.join('\n')}\n`
}

/** A string as a YAML scalar on one line: plain when YAML reads it back as the same string, quoted otherwise. */
function scalar(value: string): string {
  const text = stringify(value, { lineWidth: 0 }).trimEnd()
  return text.includes('\n') ? JSON.stringify(value) : text
}

/** {@link scalar} inside a flow sequence (`[a, b]`), where `,[]{}` end a plain scalar. */
function flowScalar(value: string): string {
  return /[,[\]{}]/.test(value) ? JSON.stringify(value) : scalar(value)
}

/** The keys of an entry (`hooks:` item) that the schema accepts, `secret` (refused) left out. */
type EntryKey = Exclude<keyof typeof schema.properties.hooks.items.properties, 'secret'>

/** What each key (`key[]`: each item of a list key) accepts, for the messages. */
const ACCEPTS: Record<EntryKey | 'hooks' | 'hooks[]' | 'prune' | 'prune[]' | `${'events' | 'repositories' | 'topics' | 'previous_urls'}[]`, string> =
  {
    hooks: 'a list of entries, each a mapping with name, url and either org or repositories (e.g. - name: deploy)',
    'hooks[]':
      'a mapping with name, url and either org or repositories, and optionally events, content_type, insecure_ssl, active, secret_env, previous_urls',
    prune: 'a list of globs over hook URLs, e.g. [https://*.example.com/**]',
    'prune[]':
      'a glob over hook URLs: http:// or https://, a host with at least one literal label, then a path; * matches any characters but /, ** any characters (e.g. https://*.example.com/**)',
    name: 'a name unique in the file that is not blank (e.g. deploy)',
    url: 'an absolute http:// or https:// URL',
    events: 'a list of webhook event names, e.g. [push, pull_request], or ["*"] for all events (default [push])',
    'events[]': 'a webhook event name such as push or pull_request, or "*" (quoted) for all events',
    content_type: "'json' or 'form' (default json)",
    insecure_ssl: 'true or false (default false: GitHub verifies the receiver’s TLS certificate)',
    active: 'true or false (default true)',
    secret_env:
      "the NAME of an environment variable (letters, digits and _, not starting with a digit), set in the step's env: from a secret, e.g. secret_env: DEPLOY_WEBHOOK_SECRET with env: { DEPLOY_WEBHOOK_SECRET: ${{ secrets.DEPLOY_WEBHOOK_SECRET }} }",
    org: 'an organization login (letters, digits and inner hyphens), e.g. octo-org',
    repositories: 'a list of owner/name, owner/glob (octo-org/svc-*) or "!owner/pattern" (quoted) items',
    'repositories[]': 'owner/name, owner/glob over names (octo-org/svc-*), or "!owner/pattern" (quoted) to exclude what earlier items selected',
    include_archived: 'true or false (default false)',
    include_forks: 'true or false (default true)',
    topics: 'a list of repository topics, e.g. [service]',
    'topics[]': 'a repository topic (lower-case letters, digits and hyphens, at most 50 characters)',
    repository_property: 'name=value: a custom property of the organization and the value a repository must have, e.g. team=platform',
    previous_urls: 'a list of former URLs of the hook (absolute http:// or https:// URLs other than url)',
    'previous_urls[]': 'a former URL of the hook: an absolute http:// or https:// URL other than url'
  }

/** Keys whose values a message may repeat (no URL, no secret, no `secret_env` that might be the secret pasted in). */
const SHOWN = new Set(['name', 'events', 'content_type', 'org', 'repositories', 'topics', 'repository_property'])

/** The message for a `secret:` key; its value is never repeated. */
const SECRET_MESSAGE =
  "a secret is never written in the file (its value is not shown; if it is a real secret, rotate it: it is in the repository's history); use secret_env, the NAME of an environment variable that holds it, set in the step's env: from a secret, e.g. secret_env: DEPLOY_WEBHOOK_SECRET with env: { DEPLOY_WEBHOOK_SECRET: ${{ secrets.DEPLOY_WEBHOOK_SECRET }} }"

/** A path in the file: keys and list indexes, e.g. `['hooks', 2, 'events', 0]`. */
type KeyPath = (string | number)[]

/** `hooks[2].events[0]` for `['hooks', 2, 'events', 0]`. */
function keyText(path: KeyPath): string {
  return path.map((part, at) => (typeof part === 'number' ? `[${part}]` : at === 0 ? part : `.${part}`)).join('')
}

/** The schema's validator, compiled once. */
let validator: ValidateFunction | undefined

/** ./webhooks.schema.json compiled by Ajv in strict mode (formats are for editors: `url` is checked by `httpUrl`). */
function validate(data: unknown): ErrorObject[] {
  validator ??= new Ajv({ allErrors: true, strict: true, validateFormats: false }).compile(schema)
  return validator(data) ? [] : (validator.errors ?? [])
}

/** A plain object (a YAML mapping). */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A message of an input parser (`Input 'KEY' has …; it accepts … .`) made one of the file's: no `Input 'KEY' `, no final period. */
function fromInput(error: unknown, key: string): string {
  return (error as Error).message
    .replace(`Input '${key}' `, '')
    .replace(', separated by commas or new lines, or a JSON array of them', '')
    .replace(', separated by commas or new lines', '')
    .replace('entries separated by new lines or commas: ', '')
    .replace(/\.$/, '')
}

/** One entry being checked: the path of each URL it names and the literal targets it covers, for the cross-entry check. */
interface Claim {
  index: number
  name: string
  urls: { url: string; path: KeyPath }[]
  /** The entry's organization, or its repository rules; neither when they are invalid. */
  org?: string
  selection?: RepositorySelection
}

/** Reads one file: its text parsed once, its problems gathered. */
class FileReader {
  private readonly lines = new LineCounter()
  private readonly problems: WebhooksFileProblem[] = []
  private document: Document.Parsed | undefined

  constructor(
    private readonly path: string,
    private readonly source: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly options: ReadWebhooksFileOptions
  ) {}

  read(): WebhooksFile {
    const document = parseDocument(this.source, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true })
    this.document = document
    const lines = new Set<number>()
    for (const error of document.errors) {
      // The first error of each line (the others follow from it), and its message only: no excerpt of
      // the file, which might show a `secret:` line.
      const line = this.lineAt(error.pos[0])
      if (!lines.has(line)) this.add([], `YAML syntax error: ${error.message.split('\n')[0]}`, line)
      lines.add(line)
    }
    if (this.problems.length > 0) this.fail()
    let data: unknown
    try {
      data = document.toJS({ maxAliasCount: 100 })
    } catch (error) {
      this.add([], `YAML error: ${(error as Error).message}`, 1)
      this.fail()
    }
    if (data === null || data === undefined) {
      this.add(
        [],
        'is empty; it accepts a mapping with hooks:, a list of entries each with name, url and either org or repositories, and optionally prune:',
        1
      )
      this.fail()
    }
    for (const error of validate(data)) this.schemaProblem(error, data)
    const hooks = isObject(data) && Array.isArray(data.hooks) ? data.hooks : []
    const names = new Map<string, number>()
    const claims: Claim[] = []
    const entries = hooks.map((raw, index) => (isObject(raw) ? this.entry(raw, index, names, claims) : undefined))
    this.crossCheck(claims)
    const prune = isObject(data) && Array.isArray(data.prune) ? data.prune : []
    prune.forEach((glob, index) => {
      const problem = typeof glob === 'string' ? urlGlobProblem(glob) : undefined
      if (problem !== undefined) this.add(['prune', index], `${problem}; it accepts ${ACCEPTS['prune[]']}`)
    })
    if (this.problems.length > 0) this.fail()
    return { path: this.path, hooks: entries as WebhookEntry[], prune: [...new Set(prune as string[])] }
  }

  private fail(): never {
    throw new WebhooksFileError(this.path, this.problems)
  }

  /** Records a problem at `path` (its line found in the file unless given). */
  private add(path: KeyPath, message: string, line = this.lineOf(path)): void {
    const text = path.length === 0 ? '' : (this.source.split(/\r?\n/)[line - 1] ?? '')
    const column = (/^(?:\s*-\s+)*\s*/.exec(text)?.[0].length ?? 0) + 1
    const problem = { file: this.path, line, column, key: keyText(path), message }
    if (!this.problems.some((other) => formatProblem(other) === formatProblem(problem))) this.problems.push(problem)
  }

  /** 1-based line of a character offset. */
  private lineAt(offset: number): number {
    return this.lines.linePos(offset).line
  }

  /** 1-based line of the deepest node of `path` found in the file: a key's line for a mapping key, an item's for a list item. */
  private lineOf(path: KeyPath): number {
    let node: unknown = this.document?.contents
    let line = 1
    for (const part of path) {
      if (isAlias(node) && this.document !== undefined) node = node.resolve(this.document)
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(part))
        if (pair === undefined) break
        const start = (pair.key as { range?: [number, number, number] }).range?.[0]
        if (start !== undefined) line = this.lineAt(start)
        node = pair.value
      } else if (isSeq(node) && typeof part === 'number' && node.items[part] !== undefined) {
        node = node.items[part]
        const start = (node as { range?: [number, number, number] | null }).range?.[0]
        if (start !== undefined) line = this.lineAt(start)
      } else {
        break
      }
    }
    return line
  }

  /** Turns one Ajv error into a problem (or none: the errors inside `oneOf`'s branches are said by the `oneOf` one). */
  private schemaProblem(error: ErrorObject, data: unknown): void {
    if (error.schemaPath.includes('/oneOf/')) return
    const path: KeyPath = error.instancePath
      .split('/')
      .slice(1)
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((part) => (/^\d+$/.test(part) ? Number(part) : part))
    let value: unknown = data
    for (const part of path) value = (value as Record<string | number, unknown>)[part]
    const params = error.params as Record<string, unknown>
    switch (error.keyword) {
      case 'additionalProperties': {
        const key = String(params.additionalProperty)
        this.add([...path, key], this.unknownKey(key, path.length === 0))
        return
      }
      case 'not':
        this.add(path, SECRET_MESSAGE)
        return
      case 'required': {
        const key = String(params.missingProperty)
        this.add([...path, key], `is missing; it accepts ${this.accepts([...path, key])}`, this.lineOf(path))
        return
      }
      case 'oneOf': {
        const both = isObject(value) && value.org !== undefined && value.repositories !== undefined
        this.add(
          both ? [...path, 'org'] : path,
          `${both ? "sets both 'org' and 'repositories'" : "sets neither 'org' nor 'repositories'"}; it accepts exactly one: org for the organization's own hook, or repositories for a hook on each repository they select`
        )
        return
      }
      case 'dependencies': {
        const key = String(params.property)
        this.add(
          [...path, key],
          `narrows the repositories that 'repositories' lists, but this entry has no 'repositories'${isObject(value) && value.org !== undefined ? " (it sets 'org')" : ''}; it accepts ${this.accepts([...path, key])}`
        )
        return
      }
      case 'type':
        this.add(path, `is ${kind(value)}; it accepts ${this.accepts(path)}`)
        return
      default: {
        const key = path.findLast((part) => typeof part === 'string') ?? ''
        const shown = typeof value === 'string' && SHOWN.has(String(key)) ? `'${value}'` : undefined
        const what =
          error.keyword === 'minItems'
            ? 'is an empty list'
            : typeof value === 'string' && value.trim() === ''
              ? 'is blank'
              : shown !== undefined
                ? `is ${shown}`
                : `is not valid (its value is not shown${key === 'secret_env' ? ': it may be the secret itself' : ''})`
        this.add(path, `${what}; it accepts ${error.keyword === 'enum' ? list(params.allowedValues as string[]) : this.accepts(path)}`)
      }
    }
  }

  /** The message of an unknown key: a near known key, and the keys accepted there. */
  private unknownKey(key: string, top: boolean): string {
    if (key.toLowerCase() === 'secret') return SECRET_MESSAGE
    const known = Object.keys(top ? schema.properties : schema.properties.hooks.items.properties).filter((name) => name !== 'secret')
    const near = closest(key.toLowerCase(), known)
    const hint = distance(key.toLowerCase(), near) <= Math.max(2, Math.floor(key.length / 3)) ? ` (did you mean '${near}'?)` : ''
    return `unknown key '${key}'${hint}; it accepts ${top ? 'the top-level keys' : 'the keys of an entry:'} ${known.join(', ')}`
  }

  /** What the key at `path` accepts ({@link ACCEPTS}; `key[]` for a list item). */
  private accepts(path: KeyPath): string {
    if (path.length === 0) return 'a mapping with hooks:, a list of entries each with name, url and either org or repositories, and optionally prune:'
    const last = path.length - 1
    const key = typeof path[last] === 'number' ? `${String(path[last - 1])}[]` : String(path[last])
    return (ACCEPTS as Record<string, string>)[key] ?? 'what ./webhooks.schema.json describes'
  }

  /** Checks one entry (a mapping) beyond the schema, and builds its {@link WebhookEntry}. */
  private entry(raw: Record<string, unknown>, index: number, names: Map<string, number>, claims: Claim[]): WebhookEntry {
    const at = (...rest: KeyPath): KeyPath => ['hooks', index, ...rest]
    const label = typeof raw.name === 'string' && raw.name.trim() !== '' ? `'${raw.name}'` : keyText(at())
    if (typeof raw.name === 'string' && raw.name.trim() !== '') {
      const first = names.get(raw.name)
      if (first === undefined) names.set(raw.name, index)
      else {
        this.add(
          at('name'),
          `'${raw.name}' is also the name of hooks[${first}] (line ${this.lineOf(['hooks', first, 'name'])}); it accepts ${ACCEPTS.name}`
        )
      }
    }
    const url = typeof raw.url === 'string' ? this.url(raw.url, at('url')) : undefined
    const previous: string[] = []
    const claim: Claim = { index, name: label, urls: url === undefined ? [] : [{ url: sameUrl(url), path: at('url') }] }
    if (Array.isArray(raw.previous_urls)) {
      raw.previous_urls.forEach((item, k) => {
        if (typeof item !== 'string' || this.url(item, at('previous_urls', k)) === undefined) return
        if (url !== undefined && sameUrl(item) === sameUrl(url)) {
          this.add(at('previous_urls', k), `is the same as url (not shown); it accepts ${ACCEPTS['previous_urls[]']}`)
        } else if (!previous.includes(item)) {
          previous.push(item)
          claim.urls.push({ url: sameUrl(item), path: at('previous_urls', k) })
        }
      })
    }
    const events = Array.isArray(raw.events) ? this.events(raw.events, at('events')) : ['push']
    const selection = Array.isArray(raw.repositories) ? this.selection(raw, at) : undefined
    if (selection !== undefined) claim.selection = selection
    if (typeof raw.org === 'string') claim.org = raw.org
    claims.push(claim)
    const secret = typeof raw.secret_env === 'string' ? this.secret(raw.secret_env, label, at('secret_env')) : undefined
    return {
      name: typeof raw.name === 'string' ? raw.name : '',
      line: this.lineOf(at()),
      url: url ?? '',
      events,
      content_type: raw.content_type === 'form' ? 'form' : 'json',
      insecure_ssl: raw.insecure_ssl === true ? '1' : '0',
      active: raw.active !== false,
      ...(typeof raw.secret_env === 'string' ? { secret_env: raw.secret_env, secret } : {}),
      ...(typeof raw.org === 'string' ? { org: raw.org } : {}),
      ...(selection !== undefined ? { repositories: selection } : {}),
      previous_urls: previous
    }
  }

  /** `url` when it is an absolute http(s) URL; otherwise records the problem (without the URL). */
  private url(url: string, path: KeyPath): string | undefined {
    try {
      return httpUrl(url, keyText(path))
    } catch (error) {
      this.add(path, fromInput(error, keyText(path)))
      return undefined
    }
  }

  /** The entry's event names, each checked on its own line; duplicates dropped. */
  private events(items: unknown[], path: KeyPath): string[] {
    const events: string[] = []
    items.forEach((item, k) => {
      if (typeof item !== 'string') return
      const key = keyText([...path, k])
      try {
        // A JSON array of one: the item is one name, never split at its commas.
        eventList(JSON.stringify([item]), key)
      } catch (error) {
        this.add([...path, k], fromInput(error, key))
        return
      }
      const event = item.trim()
      if (event !== '*' && !KNOWN_EVENTS.has(event) && this.options.allow_unknown_events !== true) {
        this.add([...path, k], fromInput(new Error(unknownEvents(key, [event])), key))
      } else if (!events.includes(event)) {
        events.push(event)
      }
    })
    return events
  }

  /** The `repositories` rules and filters of an entry as a selection; each faulty item recorded at its line. */
  private selection(raw: Record<string, unknown>, at: (...rest: KeyPath) => KeyPath): RepositorySelection | undefined {
    const items = raw.repositories as unknown[]
    const accepted: string[] = []
    let faulty = false
    items.forEach((item, k) => {
      if (typeof item !== 'string') return
      const key = keyText(at('repositories', k))
      try {
        // With the items before it that passed: an exclusion must follow what it excludes from.
        repositoryPatterns([...accepted, item].join('\n'), key)
        accepted.push(item)
      } catch (error) {
        faulty = true
        this.add(at('repositories', k), fromInput(error, key))
      }
    })
    const topics: string[] = []
    if (Array.isArray(raw.topics)) {
      raw.topics.forEach((item, k) => {
        if (typeof item !== 'string') return
        const key = keyText(at('topics', k))
        try {
          for (const topic of topicList(item, key)) if (!topics.includes(topic)) topics.push(topic)
        } catch (error) {
          this.add(at('topics', k), fromInput(error, key))
        }
      })
    }
    let property: { name: string; value: string } | undefined
    if (typeof raw.repository_property === 'string') {
      const key = keyText(at('repository_property'))
      try {
        property = propertyFilter(raw.repository_property, key)
      } catch (error) {
        this.add(at('repository_property'), fromInput(error, key))
      }
    }
    if (faulty || accepted.length === 0 || items.some((item) => typeof item !== 'string')) return undefined
    return {
      patterns: repositoryPatterns(accepted.join('\n'), keyText(at('repositories'))),
      include_archived: raw.include_archived === true,
      include_forks: raw.include_forks !== false,
      topics,
      ...(property !== undefined ? { property } : {})
    }
  }

  /**
   * The secret in the variable `name` (trimmed); records a problem when it is unset, empty or GitHub's
   * mask. The problem names the entry and (through `path`) the file, line and key, never `name`
   * itself: a secret pasted into `secret_env` by mistake can look like a variable name (40 hex
   * characters starting with a letter), and would be echoed in the error, its annotation and the summary.
   */
  private secret(name: string, label: string, path: KeyPath): string | undefined {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return undefined // the schema's problem
    const value = this.env[name]
    const variable =
      "the environment variable that its secret_env names (the name is not shown: if it is the secret itself, rotate it, it is in the repository's history)"
    const help =
      "set that variable in the step's env: from a secret, e.g. secret_env: DEPLOY_WEBHOOK_SECRET with env: { DEPLOY_WEBHOOK_SECRET: ${{ secrets.DEPLOY_WEBHOOK_SECRET }} }"
    if (value === undefined) {
      if (this.options.secrets_optional) return undefined
      this.add(path, `entry ${label} reads its secret from ${variable}, which is not set; ${help}`)
    } else if (value.trim() === '') {
      this.add(
        path,
        `entry ${label} reads its secret from ${variable}, which is empty (a secret that does not exist, or that this workflow run cannot read, e.g. on a pull request from a fork, expands to ''); ${help}`
      )
    } else if (value.trim() === SECRET_MASK) {
      this.add(
        path,
        `entry ${label} reads its secret from ${variable}, which holds '${SECRET_MASK}', the mask GitHub returns in place of a stored secret; ${help} (the real secret)`
      )
    } else {
      return value.trim()
    }
    return undefined
  }

  /**
   * Records each pair of entries that could put the same URL (`url` or one of `previous_urls`) on one
   * target, as far as the file decides it (see {@link readWebhooksFile}).
   */
  private crossCheck(claims: Claim[]): void {
    for (const [b, later] of claims.entries()) {
      for (const earlier of claims.slice(0, b)) {
        const targets = sharedTargets(earlier, later)
        if (targets.length === 0) continue
        for (const { url, path } of later.urls) {
          const other = earlier.urls.find((claimed) => claimed.url === url)
          if (other === undefined) continue
          const where = targets.length === 1 ? targets[0] : `${targets[0]} (and ${targets.length - 1} more)`
          this.add(
            path,
            `names the same URL (not shown) as ${keyText(other.path)} of entry ${earlier.name} (line ${this.lineOf(other.path)}), on ${where}; it accepts one hook per URL and target: merge the two entries, or keep the target in one of them${later.org === undefined ? ` (an exclusion such as "!${targets[0]}" after the other's glob)` : ''}`
          )
        }
      }
    }
  }
}

/**
 * The targets both entries certainly cover, as the file tells without listing: the same `org`; or
 * each repository named literally in either entry that both entries' rules select ({@link
 * selectsRepository} `yes`: literal, or by a glob without filters). Overlaps that only listing
 * decides (two globs, a glob with topics) are checked by the plan, before any write.
 */
function sharedTargets(a: Claim, b: Claim): string[] {
  if (a.org !== undefined && b.org !== undefined) return a.org.toLowerCase() === b.org.toLowerCase() ? [`organization ${b.org}`] : []
  if (a.selection === undefined || b.selection === undefined) return []
  const named = [...b.selection.patterns, ...a.selection.patterns].filter((pattern) => !pattern.glob && !pattern.exclude)
  const shared = new Map<string, string>()
  for (const { owner, name } of named) {
    const both = [a.selection, b.selection].every((selection) => selectsRepository(selection, owner, name) === 'yes')
    if (both && !shared.has(`${owner}/${name}`.toLowerCase())) shared.set(`${owner}/${name}`.toLowerCase(), `${owner}/${name}`)
  }
  return [...shared.values()]
}

/** `a list`, `a mapping`, `a string`, …: what a value is, for a type error (never the value itself). */
function kind(value: unknown): string {
  if (value === null || value === undefined) return 'empty'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  if (typeof value === 'number') return 'a number'
  if (typeof value === 'boolean') return 'a boolean'
  return `a ${typeof value}`
}
