/**
 * Which secret a hook signs with, told from its signed deliveries (REST: "List deliveries for a …
 * webhook", "Get a delivery for a … webhook"): GitHub never returns a stored secret (it reads
 * `********`), but every delivery carries `X-Hub-Signature-256`, HMAC-SHA256 of its body with the
 * stored secret, and the API returns the delivery's headers and payload. Recomputing the HMAC of the
 * body with a candidate secret tells whether that candidate is the stored one, without writing it.
 */
import { verify } from '@octokit/webhooks-methods'
import { hooks, type Target } from '../github/index.js'
import type { Delivery, GitHubClient, Hook } from '../model.js'

/**
 * The bodies GitHub may have signed for a delivery whose payload the API returns parsed: GitHub
 * builds payloads in Ruby and may escape `<`, `>`, `&` as `\u003c`, `\u003e`, `\u0026` and
 * U+2028/U+2029 as `\u2028`/`\u2029` (Rails' JSON encoding), `/` as `\/` (Ruby's `script_safe`), or
 * every non-ASCII character as `\uXXXX`; a `form` hook's body is `payload=<url-encoded JSON>`
 * (two encodings). Each of these JSON texts differs from `JSON.stringify` only inside strings.
 */
export function signedBodies(payload: unknown, contentType: string): string[] {
  const json = JSON.stringify(payload)
  const unicode = (char: string): string => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
  const separators = json.replace(/[\u2028\u2029]/g, unicode)
  const texts = [json, separators.replace(/[<>&]/g, unicode), separators.replace(/\//g, '\\/'), json.replace(/[\u0080-\uffff]/g, unicode), separators]
  const unique = [...new Set(texts)]
  if (!contentType.includes('x-www-form-urlencoded')) return unique
  return [...new Set(unique.flatMap((text) => [`payload=${encodeURIComponent(text)}`, new URLSearchParams({ payload: text }).toString()]))]
}

/** A header of a delivery's request, whatever its case. */
function header(headers: Record<string, unknown> | null | undefined, name: string): string | undefined {
  const found = Object.entries(headers ?? {}).find(([key]) => key.toLowerCase() === name)
  return typeof found?.[1] === 'string' ? found[1] : undefined
}

/** How many recent deliveries {@link identifySecret} looks at, newest first. */
export const PROOF_DELIVERIES = 3

/**
 * Which of the candidate secrets signed a delivery: the name of the first candidate whose
 * HMAC-SHA256 of one of the body's plausible serialisations ({@link signedBodies}) equals the
 * delivery's `X-Hub-Signature-256`, compared in constant time (`verify` of `@octokit/webhooks-methods`).
 * @param candidates secrets by name, e.g. `{ current: '…', previous: '…' }`; unset ones are skipped
 * @returns the candidate's name; undefined when none verifies or the delivery is not signed
 */
export async function signerOf(delivery: Delivery, candidates: Record<string, string | undefined>): Promise<string | undefined> {
  const signature = header(delivery.request.headers, 'x-hub-signature-256')
  if (!signature) return undefined
  const bodies = signedBodies(delivery.request.payload, header(delivery.request.headers, 'content-type') ?? '')
  for (const [name, secret] of Object.entries(candidates)) {
    if (secret === undefined) continue
    for (const body of bodies) if (await verify(secret, body, signature)) return name
  }
  return undefined
}

/** What {@link identifySecret} found. */
export interface SecretMatch {
  /** The name of the candidate that signed the deliveries; undefined when none did or none was checked. */
  matched?: string
  /** The delivery that proved it. */
  delivery_id?: number
  /** That delivery, as read (its `status_code` is the receiver's answer to it). */
  delivery?: Delivery
  /** Ids of the deliveries checked, newest first; empty when none is newer than the hook's `updated_at`. */
  checked: number[]
  /** Which delivery proved what, or why nothing could be proven, for the log and the summary. */
  note: string
}

/**
 * Tells which candidate secret the hook signs with, from up to {@link PROOF_DELIVERIES} recent
 * deliveries made strictly after the hook's `updated_at` (so they were signed with the secret stored
 * now), newest first — only the newest one when the hook has no `updated_at` (a GitHub App's); the first delivery that verifies with a candidate decides. A delivery that
 * verifies with none proves nothing by itself (its body may have been serialised otherwise), so the
 * next one is tried. Costs 1 GET of the list + 1 GET per delivery checked; writes nothing.
 * @param candidates secrets by name (see {@link signerOf})
 */
export async function identifySecret(
  client: GitHubClient,
  target: Target,
  hook: Hook,
  candidates: Record<string, string | undefined>
): Promise<SecretMatch> {
  // Without updated_at (a GitHub App's hook), only the newest delivery tells the secret stored now.
  // A hook never changed since its creation (updated_at = created_at) has had its secret since then:
  // GitHub's creation ping, delivered within the same whole second as created_at, proves it too.
  const unchanged = hook.updated_at !== undefined && hook.updated_at === hook.created_at
  const changed = hook.updated_at ? Date.parse(hook.updated_at) - (unchanged ? 1 : 0) : -Infinity
  const limit = hook.updated_at ? PROOF_DELIVERIES : 1
  const { items: recent } = await hooks.listDeliveries(client, target, hook.id, {
    per_page: limit,
    limit,
    until: (delivery) => Date.parse(delivery.delivered_at) <= changed
  })
  if (recent.length === 0) return { checked: [], note: "no delivery newer than the hook's last change" }
  const checked: number[] = []
  for (const item of recent) {
    const delivery = await hooks.getDelivery(client, target, hook.id, Number(item.id))
    checked.push(Number(delivery.id))
    const matched = await signerOf(delivery, candidates)
    if (matched) return { matched, delivery_id: Number(delivery.id), delivery, checked, note: `delivery ${delivery.id} is signed with it` }
  }
  const which = checked.length === 1 ? `delivery ${checked[0]} is` : `deliveries ${checked.join(', ')} are`
  return { checked, note: `${which} signed with none of the secrets given` }
}

/**
 * Proves that the hook's stored secret equals `secret` without writing it ({@link identifySecret}
 * with that one candidate).
 * @returns proven, a note saying which delivery proved it or why nothing could, and the delivery
 *   that proved it (whose `status_code` says whether the receiver accepted it)
 */
export async function proveSecret(
  client: GitHubClient,
  target: Target,
  hook: Hook,
  secret: string
): Promise<{ proven: boolean; note: string; delivery?: Delivery }> {
  const match = await identifySecret(client, target, hook, { secret })
  if (match.matched) return { proven: true, note: match.note, delivery: match.delivery }
  if (match.checked.length === 0) return { proven: false, note: "no delivery newer than the hook's last change to prove it with" }
  const which = match.checked.length === 1 ? `delivery ${match.checked[0]} does` : `deliveries ${match.checked.join(', ')} do`
  return { proven: false, note: `${which} not verify with it` }
}
