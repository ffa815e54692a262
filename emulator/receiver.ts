/**
 * A webhook receiver on 127.0.0.1 for tests and the demo: records every delivery POSTed to
 * `/webhook`, checks its `X-Hub-Signature-256` (GitHub docs "Validating webhook deliveries", with
 * `verify` from @octokit/webhooks-methods over the raw body) against the secrets it knows — one, or
 * several during a rotation, as `@octokit/webhooks`' `additionalSecrets` allows — and answers with a
 * configurable status; with `rejectUnverified`, a delivery signed with none of them gets 401.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { verify } from '@octokit/webhooks-methods'
import { flattenHeaders, readBody } from './http.js'

/** One webhook delivery the receiver got. */
export interface ReceivedDelivery {
  /** `X-GitHub-Event`. */
  event: string
  /** `X-GitHub-Delivery`. */
  guid: string
  /** `X-GitHub-Hook-ID`. */
  hookId: string
  /** `Content-Type` of the request. */
  contentType: string
  /** Raw body as received (JSON, or `payload=…` for form hooks). */
  body: string
  /** `X-Hub-Signature-256`, when sent. */
  signature256?: string
  /** Whether the signature matches one of the receiver's secrets; null when the receiver has none. */
  signatureValid: boolean | null
  /** The secret that verified the signature, when one did. */
  signedWith?: string
  /** All request headers, names in lower case. */
  headers: Record<string, string>
}

/** A running receiver. */
export interface Receiver {
  /** `http://127.0.0.1:PORT/webhook`. */
  url: string
  /** Deliveries in arrival order; recorded before the receiver answers. */
  received: ReceivedDelivery[]
  /** Status code of the following answers, and their body when given (else the body is unchanged). */
  setStatus(code: number, body?: string): void
  /** Secret used to check signatures from now on; undefined to stop checking. */
  setSecret(secret: string | undefined): void
  /** Secrets used to check signatures from now on (any one verifies, as during a rotation); [] to stop checking. */
  setSecrets(secrets: readonly string[]): void
  /** From now on, answer 401 to a delivery whose signature verifies with none of the secrets (true), or record it and answer as configured (false). */
  setRejectUnverified(reject: boolean): void
  close(): Promise<void>
}

const WEBHOOK_PATH = '/webhook'

/** Checks `signature` against `body` with `secret`; malformed or missing signatures are invalid. */
async function signatureMatches(secret: string, body: string, signature: string | undefined): Promise<boolean> {
  if (!signature) return false
  try {
    return await verify(secret, body, signature)
  } catch {
    return false // verify() throws on an empty body or signature
  }
}

/**
 * Starts a receiver on a free port of 127.0.0.1. POSTs to `/webhook` are recorded and answered with
 * the configured status and body (text/plain); anything else gets 404 and is not recorded.
 *
 * @param options.secret secret to verify `X-Hub-Signature-256` with (none: `signatureValid` is null)
 * @param options.secrets several secrets, any of which verifies (instead of `secret`)
 * @param options.rejectUnverified answer 401 `signature does not verify` to a delivery signed with none of them (default false)
 * @param options.status answer status, default 200
 * @param options.body answer body, default `ok`
 * @param options.port TCP port on 127.0.0.1, default 0 (a free port chosen by the OS)
 * @param options.onDelivery called with each delivery and the status it was answered with, once answered
 * @throws when the port cannot be bound (e.g. EADDRINUSE)
 */
export async function startReceiver(
  options: {
    secret?: string
    secrets?: string[]
    rejectUnverified?: boolean
    status?: number
    body?: string
    port?: number
    onDelivery?: (delivery: ReceivedDelivery, status: number) => void
  } = {}
): Promise<Receiver> {
  let secrets: readonly string[] = options.secrets ?? (options.secret === undefined ? [] : [options.secret])
  let rejectUnverified = options.rejectUnverified ?? false
  let status = options.status ?? 200
  let answer = options.body ?? 'ok'
  const received: ReceivedDelivery[] = []

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req)
      if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://receiver').pathname !== WEBHOOK_PATH) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found')
        return
      }
      const headers = flattenHeaders(req.headers)
      const signature256 = headers['x-hub-signature-256']
      let signedWith: string | undefined
      for (const secret of secrets) if (signedWith === undefined && (await signatureMatches(secret, body, signature256))) signedWith = secret
      const signatureValid = secrets.length === 0 ? null : signedWith !== undefined
      const delivery: ReceivedDelivery = {
        event: headers['x-github-event'] ?? '',
        guid: headers['x-github-delivery'] ?? '',
        hookId: headers['x-github-hook-id'] ?? '',
        contentType: headers['content-type'] ?? '',
        body,
        signature256,
        signatureValid,
        signedWith,
        headers
      }
      received.push(delivery)
      if (rejectUnverified && signatureValid === false) {
        res.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8' }).end('signature does not verify')
        options.onDelivery?.(delivery, 401)
        return
      }
      const answered = status
      res.writeHead(answered, { 'Content-Type': 'text/plain; charset=utf-8' }).end(answer)
      options.onDelivery?.(delivery, answered)
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${WEBHOOK_PATH}`,
    received,
    setStatus(code, body) {
      status = code
      if (body !== undefined) answer = body
    },
    setSecret(value) {
      secrets = value === undefined ? [] : [value]
    },
    setSecrets(values) {
      secrets = [...values]
    },
    setRejectUnverified(reject) {
      rejectUnverified = reject
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      })
  }
}
