/**
 * The secrets and the connection of the input flow (see ./input-helper.ts): masking every secret
 * input before anything else runs ({@link maskSecretInputs}), the webhook secrets
 * ({@link hookSecrets}), the `token` or the GitHub App's credentials, and the checks of where and
 * how the action connects (`api_url`, `api_version`, `ghes_rate_limit_factor`:
 * {@link checkConnection}). No secret value is ever repeated in a message.
 */
import { createPrivateKey } from 'node:crypto'
import * as core from '@actions/core'
import { SECRET_MASK, type Connection } from '../model.js'
import { mask, urlCredentials, type Scope } from '../github/index.js'
import { KNOWN_API_VERSIONS, list, type InputReader, type ReadInput } from './values.js'

/** What `token` must be, for the error when it is missing. */
const TOKEN_HELP =
  "it accepts a token allowed to manage webhooks, stored as a secret: a fine-grained personal access token or GitHub App installation token with the \"Webhooks\" repository permission (read and write) for scope 'repo' or the \"Webhooks\" organization permission for scope 'org', or a classic personal access token with the admin:repo_hook / admin:org_hook scope. The workflow's GITHUB_TOKEN can never manage webhooks."

/** A GitHub App's id (digits) or client id (`Iv1.…`, `Iv23…`), which GitHub takes as the JWT's issuer. */
export const APP_ID = /^(\d+|Iv[0-9A-Za-z.]+)$/

/**
 * Masks the secret, the previous secret, the token, the App's private key and the credentials of the
 * `url` input in the log (`core.setSecret`) and for {@link redact}. Call it before anything else runs.
 */
export function maskSecretInputs(read: InputReader = core.getInput): void {
  for (const name of ['secret', 'previous_secret', 'token']) {
    const raw = read(name, { trimWhitespace: false })
    if (raw.trim() === SECRET_MASK) continue // refused later; it is no secret
    mask(raw)
    if (raw.trim() !== raw) mask(raw.trim())
  }
  // The App's private key: whole, as given and with \n escapes resolved, and line by line (a log may
  // show one line of it); its BEGIN/END lines are no secret.
  const key = read('private_key')
  if (key !== '') {
    for (const value of new Set([key, appPrivateKey(key)])) mask(value)
    for (const line of appPrivateKey(key).split('\n')) if (!/^-----(BEGIN|END) /.test(line.trim())) mask(line.trim())
  }
  const url = read('url')
  // A url that does not parse (a forgotten scheme, an unencoded `/` in a password) is masked whole.
  if (url !== '' && !URL.canParse(url)) mask(url)
  urlCredentials(url).forEach(mask)
}

/**
 * The webhook secrets: `secret` (the one the hooks should sign with) and `previous_secret` (the one
 * receivers knew before a rotation), as given (trimmed, like every input: surrounding whitespace is
 * a paste accident); undefined when unset. Records a problem for either being {@link SECRET_MASK}
 * (what GitHub returns in place of a stored secret) and for `previous_secret` equal to `secret`.
 */
export function hookSecrets(read: InputReader, problems: string[]): { secret?: string; previous_secret?: string } {
  const secret = read('secret')
  if (secret === SECRET_MASK) {
    problems.push(
      `Input 'secret' is '${SECRET_MASK}', the mask GitHub returns in place of a stored secret; it accepts the real secret (or leave it unset to keep the stored one).`
    )
  }
  const previous = read('previous_secret')
  if (previous === SECRET_MASK) {
    problems.push(
      `Input 'previous_secret' is '${SECRET_MASK}', the mask GitHub returns in place of a stored secret; it accepts the secret receivers knew before the rotation.`
    )
  } else if (previous !== '' && previous === secret) {
    problems.push("Input 'previous_secret' is the same as 'secret'; it accepts the OLD secret (the one to go back to), 'secret' the new one.")
  }
  return {
    secret: secret === '' || secret === SECRET_MASK ? undefined : secret,
    previous_secret: previous === '' || previous === SECRET_MASK ? undefined : previous
  }
}

/**
 * True for an API root of GitHub's own service: api.github.com, or `api.SUBDOMAIN.ghe.com` (GitHub
 * Enterprise Cloud with data residency), whose limits are GitHub's documented ones.
 */
export function isGitHubCloud(api_url: string): boolean {
  // However the host is written: upper case, a trailing dot (an absolute DNS name), a port.
  const host = (URL.parse(api_url)?.hostname.toLowerCase() ?? '').replace(/\.+$/, '')
  return host === 'api.github.com' || host === 'github.com' || host.endsWith('.github.com') || host.endsWith('.ghe.com')
}

/**
 * Checks the connection built from the inputs, and completes its credentials: `ghes_rate_limit_factor`
 * is refused for GitHub's own service ({@link isGitHubCloud}); an `api_version` outside
 * {@link KNOWN_API_VERSIONS} gets a warning; with scope `app` sets `connection.app` from `app_id` and
 * `private_key` ({@link appCredentials}) and clears `connection.token` (a set one gets a warning),
 * otherwise `token` is required. Records errors in `problems`, warnings in `warnings`; throws nothing.
 */
export function checkConnection(scope: Scope, connection: Connection, input: ReadInput, problems: string[], warnings: string[]): void {
  if (connection.ghes_rate_limit_factor !== 1 && isGitHubCloud(connection.api_url)) {
    problems.push(
      `Input 'ghes_rate_limit_factor' is set, but api_url is GitHub's own service (${connection.api_url}), whose rate limits the action always keeps; it accepts a factor only for a GitHub Enterprise Server whose administrator changed its limits.`
    )
  }
  if (!(KNOWN_API_VERSIONS as readonly string[]).includes(connection.api_version)) {
    warnings.push(
      `Input 'api_version' is '${connection.api_version}', which this action does not know (it knows ${list(KNOWN_API_VERSIONS)}); GitHub answers 400 if it does not support it.`
    )
  }
  if (scope === 'app') {
    connection.app = appCredentials(input, problems)
    if (connection.token !== '')
      warnings.push("Input 'token' is ignored with scope 'app': the action authenticates as the App (app_id, private_key).")
    connection.token = ''
  } else if (connection.token === '') {
    problems.push(`Input 'token' is required; ${TOKEN_HELP}`)
  }
}

/**
 * The App's credentials for scope `app`: `app_id` and `private_key` (PEM, also with literal `\n`
 * escapes as secrets often hold it), checked before any request: the key must parse as a private key
 * (node:crypto `createPrivateKey`) and be an RSA one (`asymmetricKeyType` `rsa`, PKCS#1 `BEGIN RSA
 * PRIVATE KEY` or PKCS#8 `BEGIN PRIVATE KEY`), since GitHub signs App JWTs with RS256 only (REST docs
 * "Generating a JSON Web Token (JWT) for a GitHub App"). Records a problem for each one missing or
 * malformed; the key is never repeated.
 */
function appCredentials(input: ReadInput, problems: string[]): { app_id: string; private_key: string } | undefined {
  const app_id = input('app_id')
  const raw = input('private_key')
  if (app_id === undefined)
    problems.push("Input 'app_id' is required with scope 'app'; it accepts the App's id (a number, on its settings page) or its client id.")
  else if (!APP_ID.test(app_id)) problems.push(`Input 'app_id' is '${app_id}'; it accepts the App's id (a number) or its client id (Iv…).`)
  if (raw === undefined) {
    problems.push(
      "Input 'private_key' is required with scope 'app'; it accepts the App's private key (the .pem file GitHub generates), from a secret."
    )
    return undefined
  }
  const private_key = appPrivateKey(raw)
  const accepts =
    "it accepts the PEM the App's settings page generates, -----BEGIN RSA PRIVATE KEY----- to its END line (or the same RSA key as PKCS#8, -----BEGIN PRIVATE KEY-----), with real line breaks or literal \\n"
  let type: string | undefined
  try {
    type = createPrivateKey(private_key).asymmetricKeyType
  } catch {
    problems.push(`Input 'private_key' is not a private key (its value is not shown); ${accepts}.`)
    return undefined
  }
  // GitHub App keys are RSA and the JWT is signed RS256 (RSASSA-PKCS1-v1_5): an EC, Ed25519 or RSA-PSS
  // key would only fail at the first request ("Invalid key type").
  if (type !== 'rsa') {
    problems.push(
      `Input 'private_key' is a private key of type ${type?.toUpperCase() ?? 'unknown'} (its value is not shown), but GitHub App keys are RSA (the App's JWT is signed RS256); ${accepts}.`
    )
    return undefined
  }
  return app_id === undefined ? undefined : { app_id, private_key }
}

/** A private key as given: trimmed, and literal `\n` escapes (a key pasted into a one-line secret) turned into line breaks. */
export function appPrivateKey(raw: string): string {
  return raw.trim().replace(/\\n/g, '\n')
}
