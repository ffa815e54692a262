/**
 * Response validation against GitHub's official OpenAPI 3.0.3 description of the endpoints the
 * emulator serves (the trimmed copies committed under `__tests__/fixtures/openapi/`: per flavour, a
 * `*-hooks.json` with the repository and organization webhooks paths and a `*-app-and-repos.json`
 * with the repository lists, custom properties and GitHub App webhook paths).
 *
 * How the description is used:
 * - Each document (file) is registered with Ajv under its own key (its file name), and each response
 *   schema is compiled as `{ $ref: '<file name>#/<json pointer to the schema>' }`, so the
 *   `#/components/...` references inside a document resolve against that document itself (the files
 *   repeat some components, e.g. `basic-error`, without clashing).
 * - OpenAPI 3.0's `nullable: true` is understood by Ajv 8 natively (its `nullable` keyword), but only
 *   beside a `type`. The few nullable schemas without one (`oneOf` of string or string array, e.g.
 *   `custom-property-value.value`) are rewritten on load to `anyOf: [<the schema>, {type: null}]`
 *   (see {@link nullableWithoutType}). `strict: false` lets Ajv ignore OpenAPI-only keywords such as
 *   `example`.
 * - Formats (`uri`, `date-time`, `int64`) are checked with ajv-formats.
 */
import { readFileSync } from 'node:fs'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import formatsPlugin from 'ajv-formats'

// ajv-formats is CommonJS with a `default` export in its typings; under NodeNext the default import is
// the module object for tsc, but the plugin function at run time.
const addFormats = formatsPlugin as unknown as typeof formatsPlugin.default

/** Which GitHub API description to validate against: GitHub.com, or GitHub Enterprise Server 3.19. */
export type ApiFlavour = 'api.github.com' | 'ghes-3.19'

/** The description files of a flavour; their path sets are disjoint. */
const DESCRIPTION_FILES: Record<ApiFlavour, string[]> = {
  'api.github.com': ['api.github.com-hooks.json', 'api.github.com-app-and-repos.json'],
  'ghes-3.19': ['ghes-3.19-hooks.json', 'ghes-3.19-app-and-repos.json']
}

/** Media type whose schema is used; the fixtures list the same schema under the vnd.github ones. */
const MEDIA_TYPE = 'application/json'

/**
 * Error statuses GitHub answers on every route whether or not the description lists them, so they
 * are not violations when undeclared; their body must still be a `basic-error`:
 * - 400: `Problems parsing JSON` and `API version '…' is not supported.` (version header check);
 * - 401: `Bad credentials` / `Requires authentication`;
 * - 403: missing token permissions, rate limits, writes to an archived repository;
 * - 404: a repository, organization or hook that does not exist or that the token may not see
 *   (e.g. the `…/config` routes declare only 200, yet GitHub answers 404 for an unknown hook).
 * Any other undeclared status (say 422 from `GET …/config`, or 200 where 201 is documented) is a
 * violation.
 */
const GENERIC_ERROR_STATUSES = new Set([400, 401, 403, 404])
const GENERIC_ERROR_SCHEMA = '/components/schemas/basic-error'

interface MediaTypeObject {
  schema?: unknown
}

interface ResponseObject {
  $ref?: string
  description?: string
  content?: Record<string, MediaTypeObject>
}

interface OperationObject {
  responses?: Record<string, ResponseObject>
}

interface OpenApiDocument {
  paths: Record<string, Record<string, OperationObject>>
  components?: { responses?: Record<string, ResponseObject> }
}

/** One path template of a flavour and the document (Ajv key) that describes it. */
interface PathTemplate {
  template: string
  pattern: RegExp
  document: OpenApiDocument
  /** Key under which the document is registered with Ajv (the base of every compiled `$ref`). */
  documentKey: string
}

interface LoadedDescription {
  ajv: Ajv
  templates: PathTemplate[]
  /** Compiled validators by `<document key>#<schema pointer>`. */
  validators: Map<string, ValidateFunction>
}

const loaded = new Map<ApiFlavour, LoadedDescription>()

/**
 * Rewrites, in place, every schema of `node` that has `nullable: true` but no `type` (which Ajv's
 * `nullable` keyword refuses) into `{ <annotations>, anyOf: [<the schema without nullable>, { type:
 * 'null' }] }`; `description`, `title` and `example`(s) stay outside. Example values are not walked.
 */
function nullableWithoutType(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(nullableWithoutType)
  if (typeof node !== 'object' || node === null) return
  const schema = node as Record<string, unknown>
  for (const [key, value] of Object.entries(schema)) if (key !== 'example' && key !== 'examples') nullableWithoutType(value)
  if (schema.nullable !== true || 'type' in schema) return
  const annotations = ['description', 'title', 'example', 'examples']
  const inner = Object.fromEntries(Object.entries(schema).filter(([key]) => key !== 'nullable' && !annotations.includes(key)))
  for (const key of Object.keys(schema)) if (!annotations.includes(key)) delete schema[key]
  schema.anyOf = [inner, { type: 'null' }]
}

/** Loads (once) and returns the description files of a flavour with their Ajv instance. */
function description(flavour: ApiFlavour): LoadedDescription {
  const cached = loaded.get(flavour)
  if (cached) return cached
  const ajv = new Ajv({ strict: false, allErrors: true })
  addFormats(ajv)
  const templates = DESCRIPTION_FILES[flavour].flatMap((documentKey) => {
    const file = new URL(`../__tests__/fixtures/openapi/${documentKey}`, import.meta.url)
    const document = JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument
    nullableWithoutType(document)
    ajv.addSchema(document, documentKey)
    return Object.keys(document.paths).map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      document,
      documentKey
    }))
  })
  const result = { ajv, templates, validators: new Map<string, ValidateFunction>() }
  loaded.set(flavour, result)
  return result
}

/** The template (and its document) matching a concrete path or a template. */
function findTemplate(flavour: ApiFlavour, path: string): PathTemplate | undefined {
  const bare = path.split('?')[0].replace(/^\/api\/v3(?=\/)/, '')
  return description(flavour).templates.find(({ pattern }) => pattern.test(bare))
}

/** Escapes path segments into an RFC 6901 JSON pointer usable in a `$ref` URI fragment. */
function pointer(...segments: string[]): string {
  return segments.map((s) => '/' + encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('')
}

/**
 * Finds the OpenAPI path template matching a request path.
 *
 * @param flavour which description to look in
 * @param path a concrete path (`/repos/o/r/hooks/1`), optionally with the GHES `/api/v3` prefix and a
 *   query string, or a template itself (`/repos/{owner}/{repo}/hooks/{hook_id}`)
 * @returns the template, e.g. `/repos/{owner}/{repo}/hooks/{hook_id}`, or undefined when none matches
 */
export function matchPathTemplate(flavour: ApiFlavour, path: string): string | undefined {
  return findTemplate(flavour, path)?.template
}

/** Formats one Ajv error as `<instance path> <message> (<details>)`. */
function describeError(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(body)' : error.instancePath
  const details =
    'additionalProperty' in error.params
      ? ` '${String(error.params.additionalProperty)}'`
      : 'allowedValues' in error.params
        ? ` ${JSON.stringify(error.params.allowedValues)}`
        : ''
  return `${where} ${error.message ?? 'is invalid'}${details}`
}

/**
 * Validates one response of the REST API (the hooks paths, the repository lists and custom property
 * values, …) against GitHub's OpenAPI description.
 *
 * @param flavour `api.github.com` or `ghes-3.19` (what a request through `/api/v3` should match)
 * @param method HTTP method, any case
 * @param path concrete request path or path template (see {@link matchPathTemplate})
 * @param status HTTP status code of the response
 * @param body parsed JSON body, or `undefined` when the response has no body (e.g. 204)
 * @returns violations as readable strings, each prefixed with `METHOD template status:`; an empty
 *   array means the response conforms. Never throws for a bad response; throws only if the fixture
 *   files are missing or unreadable.
 */
export function validateResponse(flavour: ApiFlavour, method: string, path: string, status: number, body: unknown): string[] {
  const { ajv, validators } = description(flavour)
  const verb = method.toUpperCase()
  const found = findTemplate(flavour, path)
  if (!found) return [`${verb} ${path}: no such path in the ${flavour} description`]
  const { template, document, documentKey } = found
  const prefix = `${verb} ${template} ${status}:`
  const operation = document.paths[template][verb.toLowerCase()]
  if (!operation?.responses) return [`${prefix} no such operation in the ${flavour} description`]

  // Locate the declared response (exact status, then 4XX-style range, then default) and remember the
  // JSON pointer of its schema so Ajv can compile it with the document's references in scope.
  const responses = operation.responses
  const statusKey = [String(status), `${String(status)[0]}XX`, 'default'].find((key) => key in responses)
  let schemaPointer: string | undefined
  if (statusKey) {
    let response = responses[statusKey]
    let responsePointer = pointer('paths', template, verb.toLowerCase(), 'responses', statusKey)
    if (response.$ref) {
      responsePointer = response.$ref.replace(/^#/, '')
      const name = response.$ref.split('/').pop() ?? ''
      response = document.components?.responses?.[name] ?? {}
    }
    const content = response.content ?? {}
    const mediaType = MEDIA_TYPE in content ? MEDIA_TYPE : Object.keys(content)[0]
    if (mediaType === undefined || content[mediaType].schema === undefined) {
      const empty = body === undefined || body === null || body === ''
      return empty ? [] : [`${prefix} the description declares no body, but one was sent`]
    }
    schemaPointer = responsePointer + pointer('content', mediaType, 'schema')
  } else if (GENERIC_ERROR_STATUSES.has(status)) {
    schemaPointer = GENERIC_ERROR_SCHEMA
  } else {
    return [`${prefix} status not declared (declared: ${Object.keys(responses).join(', ')})`]
  }

  if (body === undefined) return [`${prefix} the description declares a body, but none was sent`]
  const ref = `${documentKey}#${schemaPointer}`
  let validate = validators.get(ref)
  if (!validate) {
    validate = ajv.compile({ $ref: ref })
    validators.set(ref, validate)
  }
  if (validate(body)) return []
  return (validate.errors ?? []).map((error) => `${prefix} ${describeError(error)}`)
}
