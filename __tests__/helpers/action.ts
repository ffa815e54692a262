/**
 * Runs the action's `run()` in this process as a runner would drive it: inputs as `INPUT_*`
 * variables, outputs and job summary through the `GITHUB_OUTPUT` / `GITHUB_STEP_SUMMARY` files,
 * workflow commands (`::error::`, `::warning::`, `::add-mask::`) captured from stdout.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inputVariable, parseOutputFile, withTestDefaults, type StepRun } from '../../emulator/runner.js'
import { run } from '../../src/main.js'

// core.summary remembers the summary file's path after its first write: one file for the whole test file.
const dir = mkdtempSync(join(tmpdir(), 'manage-webhooks-test-'))
const outputFile = join(dir, 'output')
const summaryFile = join(dir, 'summary')
process.env.GITHUB_OUTPUT = outputFile
process.env.GITHUB_STEP_SUMMARY = summaryFile

/**
 * Runs the action once with the inputs (names as in action.yml; unset inputs are ''), and returns
 * exit code (1 when the step failed), outputs, summary and stdout.
 */
export async function runAction(inputs: Record<string, string>, env: Record<string, string> = {}): Promise<StepRun> {
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  const saved = { ...process.env }
  for (const name of Object.keys(process.env)) if (name.startsWith('INPUT_')) delete process.env[name]
  for (const [name, value] of Object.entries(withTestDefaults(inputs))) process.env[inputVariable(name)] = value
  Object.assign(process.env, env)
  let stdout = ''
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += chunk.toString()
    return true
  }) as typeof process.stdout.write
  try {
    await run()
  } finally {
    process.stdout.write = write
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name]
    Object.assign(process.env, saved)
  }
  const exitCode = process.exitCode === 1 ? 1 : 0
  process.exitCode = 0
  return {
    exitCode,
    outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
    stdout,
    stderr: ''
  }
}
