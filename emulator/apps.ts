/**
 * GitHub Apps as the emulator knows them, and their authentication: the apps of the options (id,
 * optional client ID, RSA public key), and the check of the JSON Web Token an App signs to call the
 * endpoints that "must use a JWT" (GitHub docs "Generating a JSON Web Token (JWT) for a GitHub App"
 * and "Authenticating as a GitHub App"): `Authorization: Bearer <jwt>`, RS256, claims `iat`, `exp`,
 * `iss`. Refusals are 401 with GitHub's messages (see {@link JWT_ERRORS}). Also helpers for tests:
 * {@link appKeyPair} and {@link signAppJwt}.
 *
 * The App webhook itself (config, deliveries) is kept by the HookStore (./store.ts) and served by
 * ./app-routes.ts.
 */
import { Buffer } from 'node:buffer'
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto'
import { ApiError } from './store.js'

/** A GitHub App of `EmulatorOptions.apps`. */
export interface AppSeed {
  /** The App ID (a positive integer), accepted as the JWT's `iss` as a number or a decimal string. */
  id: number
  /** The App's client ID (e.g. `Iv23liABCDEF01234567`), also accepted as the JWT's `iss`. */
  client_id?: string
  /**
   * The App's RSA public key as PEM (`BEGIN PUBLIC KEY` or `BEGIN RSA PUBLIC KEY`); JWTs must be
   * signed with the matching private key. See {@link appKeyPair}.
   */
  publicKey: string
}

/** A registered App with its parsed public key. */
export interface KnownApp {
  id: number
  client_id?: string
  publicKey: KeyObject
}

/**
 * GitHub's 401 messages for JWTs it refuses (the `message` of a `basic-error` body). Those marked
 * "seen" appear verbatim in GitHub answers quoted in public issue threads (and, where said, in the
 * time-skew detection of `@octokit/auth-app`, which retries on them); those marked "listing" come
 * only from a public listing of GitHub's messages and checks that could not be confirmed against
 * GitHub itself.
 */
export const JWT_ERRORS = {
  /** Seen: not a JWT, no Bearer token, a PAT or installation token, or a bad signature / wrong key. */
  cannotDecode: 'A JSON web token could not be decoded',
  /** Listing: the header's `alg` is not RS256. */
  badAlgorithm: 'Assertion must be signed using RS256',
  /** Listing. */
  iatMissing: "Missing 'issued at' claim ('iat') in assertion",
  /** Seen (and matched by @octokit/auth-app): `iat` not an integer, or more than 60 s in the future. */
  iatInvalid: "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
  /** Listing. */
  issMissing: "Missing 'issuer' claim ('iss') in assertion",
  /** Seen: `iss` neither an integer, a decimal string, nor a client ID. */
  issInvalid: "'Issuer' claim ('iss') must be an Integer",
  /** Listing. */
  expMissing: "Missing 'expiration time' claim ('exp') in assertion",
  /** Seen (and matched by @octokit/auth-app): `exp` not an integer, or not in the future. */
  expInvalid: "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
  /** Seen (and matched by @octokit/auth-app): more than 10 minutes ahead of now, or after `iat`. */
  expTooFar: "'Expiration time' claim ('exp') is too far in the future",
  /** Seen (the 401 status is the brief's; one old GHES log shows 404): `iss` names no App. */
  notFound: 'Integration not found'
} as const

/** GitHub's limit on a JWT's lifetime (`exp` after now, and after `iat`), in seconds: 10 minutes. */
export const MAX_JWT_LIFETIME_S = 600
/** How far in the future `iat` may be (clock drift), in seconds. */
export const IAT_LEEWAY_S = 60

/** What a client ID looks like (`Iv1.0123456789abcdef`, `Iv23li…`): an unknown one is "not found", not "invalid". */
const CLIENT_ID_SHAPE = /^Iv[0-9A-Za-z.]+$/
const BASE64URL = /^[A-Za-z0-9_-]+$/

const refuse = (message: string): ApiError => new ApiError(401, message)

/**
 * A fresh RSA 2048 key pair for a test App, as PEM strings: the private key in PKCS#1 (`BEGIN RSA
 * PRIVATE KEY`, as GitHub issues App keys), the public key in SPKI (`BEGIN PUBLIC KEY`), ready for
 * {@link AppSeed.publicKey}. Takes some tens of milliseconds.
 */
export function appKeyPair(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' }
  })
}

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

/**
 * Signs a JWT with RS256 (RSASSA-PKCS1-v1_5, SHA-256) over whatever claims and header it is given,
 * so that tests can also build malformed ones. For a valid App JWT pass
 * `{ iat: now - 60, exp: now + 540, iss: appId }` (seconds).
 * @param privateKey PEM private key (PKCS#1 or PKCS#8)
 * @param payload the claims, serialised as given
 * @param header default `{ alg: 'RS256', typ: 'JWT' }`; the signature is RS256 whatever it says
 * @returns `<header>.<payload>.<signature>`, base64url without padding
 * @throws when `privateKey` is not a private key
 */
export function signAppJwt(
  privateKey: string,
  payload: Record<string, unknown>,
  header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT' }
): string {
  const signingInput = `${base64url(header)}.${base64url(payload)}`
  return `${signingInput}.${sign('sha256', Buffer.from(signingInput), createPrivateKey(privateKey)).toString('base64url')}`
}

/** Parses one base64url JWT segment as a JSON object; undefined when it is none. */
function segment(text: string): Record<string, unknown> | undefined {
  if (!BASE64URL.test(text)) return undefined
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** The GitHub Apps of the emulator, and the JWT check of the `/app/…` endpoints. */
export class AppRegistry {
  private readonly byId = new Map<number, KnownApp>()
  private readonly byClientId = new Map<string, KnownApp>()

  /**
   * @param seeds the apps
   * @throws TypeError for an id that is not a positive integer, a duplicate id or client ID, or a
   *   public key that is not an RSA key in PEM
   */
  constructor(seeds: readonly AppSeed[]) {
    for (const seed of seeds) {
      if (!Number.isSafeInteger(seed.id) || seed.id < 1) throw new TypeError(`App id must be a positive integer, got ${JSON.stringify(seed.id)}`)
      if (this.byId.has(seed.id)) throw new TypeError(`Duplicate App id ${seed.id}`)
      if (seed.client_id !== undefined && (typeof seed.client_id !== 'string' || seed.client_id === '' || this.byClientId.has(seed.client_id))) {
        throw new TypeError(`Invalid or duplicate client_id ${JSON.stringify(seed.client_id)} of App ${seed.id}`)
      }
      let publicKey: KeyObject
      try {
        publicKey = createPublicKey(seed.publicKey)
      } catch (error) {
        throw new TypeError(`App ${seed.id}: publicKey is not a PEM key (${error instanceof Error ? error.message : String(error)})`, {
          cause: error
        })
      }
      if (publicKey.asymmetricKeyType !== 'rsa')
        throw new TypeError(`App ${seed.id}: publicKey must be an RSA key, got ${publicKey.asymmetricKeyType}`)
      const app: KnownApp = { id: seed.id, ...(seed.client_id !== undefined ? { client_id: seed.client_id } : {}), publicKey }
      this.byId.set(app.id, app)
      if (app.client_id !== undefined) this.byClientId.set(app.client_id, app)
    }
  }

  /** Every app, in the order of the options. */
  all(): KnownApp[] {
    return [...this.byId.values()]
  }

  /**
   * What an `iss` claim names: an integer or a decimal string is an App ID, another string a client
   * ID (a known one, or one shaped like a client ID).
   * @throws ApiError 401 `'Issuer' claim ('iss') must be an Integer` for anything else (a float, a
   *   string shaped like neither)
   */
  private issuerOf(iss: unknown): { id: number } | { clientId: string } {
    if (Number.isSafeInteger(iss)) return { id: iss as number }
    if (typeof iss === 'string' && /^[1-9]\d*$/.test(iss)) return { id: Number(iss) }
    if (typeof iss === 'string' && (this.byClientId.has(iss) || CLIENT_ID_SHAPE.test(iss))) return { clientId: iss }
    throw refuse(JWT_ERRORS.issInvalid)
  }

  /**
   * Authenticates a request as a GitHub App, checking in this order (that of the public listing of
   * GitHub's checks, see {@link JWT_ERRORS}): the `Bearer` (any case)
   * token must be a JWT whose header and claims decode; `exp` an integer in the future; `iat`, when
   * present, an integer at most {@link IAT_LEEWAY_S} s in the future; then `iat`, `iss` and `exp`
   * present; `iss` of a valid form; `exp` at most {@link MAX_JWT_LIFETIME_S} s after now and after
   * `iat`; the app known (`Integration not found`); `alg` RS256; and the signature valid for the
   * app's public key.
   *
   * @param authorization the request's `Authorization` header
   * @param nowMs the emulator's clock, epoch MILLISECONDS (with `clockSkewMs` applied)
   * @returns the authenticated app
   * @throws ApiError 401 with one of {@link JWT_ERRORS}: `A JSON web token could not be decoded`
   *   without a Bearer JWT (a personal access token, `token <jwt>`, garbage) or for a signature that
   *   does not verify (wrong key)
   */
  authenticate(authorization: string | undefined, nowMs: number): KnownApp {
    const token = /^bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1]
    const parts = token?.split('.') ?? []
    const header = parts.length === 3 ? segment(parts[0]) : undefined
    const claims = parts.length === 3 ? segment(parts[1]) : undefined
    if (!header || !claims) throw refuse(JWT_ERRORS.cannotDecode)
    const now = Math.floor(nowMs / 1000)
    const { iat, exp, iss } = claims
    if (exp !== undefined && !(Number.isSafeInteger(exp) && (exp as number) > now)) throw refuse(JWT_ERRORS.expInvalid)
    if (iat !== undefined && !(Number.isSafeInteger(iat) && (iat as number) <= now + IAT_LEEWAY_S)) throw refuse(JWT_ERRORS.iatInvalid)
    if (iat === undefined) throw refuse(JWT_ERRORS.iatMissing)
    if (iss === undefined || iss === null || iss === '') throw refuse(JWT_ERRORS.issMissing)
    const issuer = this.issuerOf(iss)
    if (exp === undefined) throw refuse(JWT_ERRORS.expMissing)
    if ((exp as number) > now + MAX_JWT_LIFETIME_S || (exp as number) - (iat as number) > MAX_JWT_LIFETIME_S) throw refuse(JWT_ERRORS.expTooFar)
    const app = 'id' in issuer ? this.byId.get(issuer.id) : this.byClientId.get(issuer.clientId)
    if (!app) throw refuse(JWT_ERRORS.notFound)
    if (header.alg !== 'RS256') throw refuse(JWT_ERRORS.badAlgorithm)
    const signature = BASE64URL.test(parts[2]) ? Buffer.from(parts[2], 'base64url') : Buffer.alloc(0)
    if (!verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), app.publicKey, signature)) throw refuse(JWT_ERRORS.cannotDecode)
    return app
  }
}
