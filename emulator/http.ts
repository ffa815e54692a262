/** Small node:http helpers shared by the emulator, its delivery client and the receiver. */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'

/** Reads a request or response body completely, as UTF-8 text. */
export function readBody(message: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    message.setEncoding('utf8')
    message.on('data', (chunk: string) => (text += chunk))
    message.on('end', () => resolve(text))
    message.on('error', reject)
  })
}

/** Headers as plain strings (repeated headers joined with `, `), names in lower case as node gives them. */
export function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return flat
}
