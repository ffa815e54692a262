/**
 * Runs the bundled action (`dist/index.js`) the way a GitHub runner does: inputs as `INPUT_*`
 * environment variables, outputs through the `GITHUB_OUTPUT` file, the job summary through
 * `GITHUB_STEP_SUMMARY`. Used by the demo and by the bundle's end-to-end test.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** What one step run produced. */
export interface StepRun {
  /** Process exit code: 0 success, 1 failed step. */
  exitCode: number
  /** Step outputs by name, parsed from the `GITHUB_OUTPUT` file. */
  outputs: Record<string, string>
  /** Markdown/HTML appended to `GITHUB_STEP_SUMMARY`. */
  summary: string
  stdout: string
  stderr: string
}

/** The bundled entry point. */
export const DIST_ENTRY = fileURLToPath(new URL('../dist/index.js', import.meta.url))

/** The environment variable a runner sets for an input: `INPUT_` + upper-cased name, spaces as `_`. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

/**
 * Parses a `GITHUB_OUTPUT` file: lines `name<<DELIMITER`, the value, `DELIMITER` (what
 * `core.setOutput` writes), and plain `name=value` lines.
 */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i])
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1)
      outputs[heredoc[1]] = lines.slice(i + 1, end).join('\n')
      i = end
    } else if (lines[i].includes('=')) {
      const at = lines[i].indexOf('=')
      outputs[lines[i].slice(0, at)] = lines[i].slice(at + 1)
    }
  }
  return outputs
}

/**
 * The inputs with `ghes_rate_limit_factor` added, when they do not set it, from the environment
 * variable `MANAGE_WEBHOOKS_TEST_RATE_LIMIT_FACTOR` (set by the tests' setup; the action itself never
 * reads it). The emulator is no github.com, so the action accepts the factor, and a test's writes are
 * not held one second apart; a test of the pacing itself sets the input.
 */
export function withTestDefaults(inputs: Record<string, string>): Record<string, string> {
  const factor = process.env.MANAGE_WEBHOOKS_TEST_RATE_LIMIT_FACTOR
  return factor === undefined || 'ghes_rate_limit_factor' in inputs ? inputs : { ...inputs, ghes_rate_limit_factor: factor }
}

/**
 * Runs `node dist/index.js` with the inputs (names as in action.yml) and resolves when it exits.
 * @param env extra environment (e.g. `RUNNER_DEBUG`); the parent's `INPUT_*` variables are not passed on.
 * @param node the Node.js binary, by default the one running this code
 * @param entry the script to run, by default the bundled action (`dist/index.js`)
 */
export async function runStep(
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  node: string = process.execPath,
  entry: string = DIST_ENTRY
): Promise<StepRun> {
  const dir = mkdtempSync(join(tmpdir(), 'manage-webhooks-step-'))
  const outputFile = join(dir, 'output')
  const summaryFile = join(dir, 'summary')
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('INPUT_')))
  const stepEnv: NodeJS.ProcessEnv = { ...base, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile, ...env }
  for (const [name, value] of Object.entries(withTestDefaults(inputs))) stepEnv[inputVariable(name)] = value
  try {
    const child = spawn(node, [entry], { env: stepEnv, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exitCode = await new Promise<number>((resolve, reject) => {
      child.on('error', reject)
      child.on('close', (code) => resolve(code ?? 1))
    })
    return {
      exitCode,
      outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
      summary: readFileSync(summaryFile, 'utf8'),
      stdout,
      stderr
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
