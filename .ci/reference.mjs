#!/usr/bin/env node
// The README's reference of inputs and outputs, generated from action.yml (as actions/checkout keeps
// its usage block): two Markdown tables, written between the markers
//   <!-- start inputs --> … <!-- end inputs -->   and   <!-- start outputs --> … <!-- end outputs -->
// in action.yml's order. What is between the markers is replaced; the rest of README.md is kept.
//   node .ci/reference.mjs           rewrite README.md (npm run reference)
//   node .ci/reference.mjs --check   change nothing; exit 1 when README.md differs (npm run reference -- --check)
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parse } from 'yaml'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** One table cell: on one line, with `|` escaped (GitHub's tables split on it, even inside code spans). */
function cell(text) {
  return String(text)
    .trim()
    .replace(/\s*\r?\n\s*/g, ' ')
    .replace(/\|/g, '\\|')
}

/**
 * The inputs table: input, default (action.yml's `default:`, `required` for a required input, empty
 * otherwise), description.
 */
export function renderInputs(action) {
  const rows = Object.entries(action.inputs ?? {}).map(([name, input]) => {
    const fallback = input.default !== undefined ? `\`${cell(input.default)}\`` : input.required === true ? 'required' : ''
    return `| \`${name}\` | ${fallback} | ${cell(input.description ?? '')} |`
  })
  return ['| input | default | description |', '| --- | --- | --- |', ...rows].join('\n')
}

/** The outputs table: output, description. */
export function renderOutputs(action) {
  const rows = Object.entries(action.outputs ?? {}).map(([name, output]) => `| \`${name}\` | ${cell(output.description ?? '')} |`)
  return ['| output | description |', '| --- | --- |', ...rows].join('\n')
}

/** Replaces what is between `<!-- start NAME -->` and `<!-- end NAME -->` with the block. */
function replaceBlock(readme, name, block) {
  const start = `<!-- start ${name} -->`
  const end = `<!-- end ${name} -->`
  const from = readme.indexOf(start)
  const to = readme.indexOf(end)
  if (from < 0 || to < 0 || to < from || readme.indexOf(start, from + 1) >= 0 || readme.indexOf(end, to + 1) >= 0) {
    throw new Error(`README.md needs exactly one '${start}' followed by one '${end}'.`)
  }
  return `${readme.slice(0, from + start.length)}\n\n${block}\n\n${readme.slice(to)}`
}

/**
 * README.md with its generated blocks rendered from action.yml.
 * @param {string} readme the README's text
 * @param {string} actionYml action.yml's text
 */
export function updateReadme(readme, actionYml) {
  const action = parse(actionYml)
  return replaceBlock(replaceBlock(readme, 'inputs', renderInputs(action)), 'outputs', renderOutputs(action))
}

function main(args) {
  const check = args.includes('--check')
  const unknown = args.filter((arg) => arg !== '--check')
  if (unknown.length > 0) {
    console.error(`usage: node .ci/reference.mjs [--check]  (unknown: ${unknown.join(' ')})`)
    return 2
  }
  const readmePath = join(root, 'README.md')
  const readme = readFileSync(readmePath, 'utf8')
  let updated
  try {
    updated = updateReadme(readme, readFileSync(join(root, 'action.yml'), 'utf8'))
  } catch (error) {
    console.error(error.message)
    return 2
  }
  if (updated === readme) return 0
  if (check) {
    console.error("README.md's inputs and outputs differ from action.yml: run 'npm run reference' and commit README.md.")
    return 1
  }
  writeFileSync(readmePath, updated)
  console.error('README.md: inputs and outputs rewritten from action.yml.')
  return 0
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) process.exitCode = main(process.argv.slice(2))
