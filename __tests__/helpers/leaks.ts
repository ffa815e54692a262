/**
 * Shared by the leak tests: where a secret shows in what a step of the bundled action produced.
 */
import type { StepRun } from '../../emulator/runner.js'

/** Where a secret appears in a step's stdout, stderr, outputs or summary, other than in ::add-mask::. */
export function leaks(run: StepRun, secrets: string[]): string[] {
  const places: Record<string, string> = {
    stdout: run.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n'),
    stderr: run.stderr,
    outputs: JSON.stringify(run.outputs),
    summary: run.summary
  }
  return Object.entries(places).flatMap(([place, text]) => secrets.filter((secret) => text.includes(secret)).map((secret) => `${secret} in ${place}`))
}
