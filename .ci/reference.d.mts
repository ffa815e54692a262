// Types of .ci/reference.mjs, for the tests that import it.

/** action.yml as parsed: its inputs and outputs, in the file's order. */
export interface ActionMetadata {
  inputs?: Record<string, { description?: string; required?: boolean; default?: string }>
  outputs?: Record<string, { description?: string }>
}

/** The inputs table (input | default | description), one row per input in action.yml's order. */
export function renderInputs(action: ActionMetadata): string

/** The outputs table (output | description), one row per output in action.yml's order. */
export function renderOutputs(action: ActionMetadata): string

/** README.md with the blocks between its `<!-- start inputs -->` / `<!-- start outputs -->` markers rendered from action.yml's text. */
export function updateReadme(readme: string, actionYml: string): string
