#!/usr/bin/env node
// Writes dist/licenses.txt, the third-party notices that ship with the bundle: the license text of every
// npm package whose code @vercel/ncc put into any chunk of dist/ (dist/index.js and its lazily loaded
// chunks). Run by `npm run build` right after ncc, under Node 24:
//   node .ci/node24.mjs node .ci/licenses.mjs <ncc --stats-out file> <notices file>
// The package set is read from ncc's webpack stats (every module of every emitted chunk, concatenated
// modules included), so it is exactly what was bundled; the notices themselves are written by
// license-checker-rseidelsohn (--plainVertical, limited to that set with --includePackages), sorted by
// name and version, with no paths or dates: the same node_modules gives the same bytes on any machine.
// The build fails when the tool leaves out a bundled package or finds no license text for one
// (__tests__/licenses.test.ts checks the committed file against dist/*.js independently).
import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const [statsFile, outFile] = process.argv.slice(2)
if (!statsFile || !outFile) {
  console.error('usage: node .ci/licenses.mjs <ncc stats json> <notices file>')
  process.exit(2)
}
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const fail = (message) => {
  console.error(`licenses: ${message}`)
  process.exit(1)
}

// Module names are relative to the project root ("./node_modules/@actions/github/node_modules/
// @actions/http-client/lib/index.js", "./node_modules/x/index.js + 3 modules"). A module is bundled when
// it is in a chunk, or concatenated into a module that is; one that tree shaking dropped is in none.
const stats = JSON.parse(readFileSync(statsFile, 'utf8'))
rmSync(statsFile) // never read a stale one
const names = new Set()
const collect = (compilation) => {
  for (const module of compilation.modules ?? []) {
    if (!module.chunks?.length) continue
    names.add(module.name)
    for (const inner of module.modules ?? []) names.add(inner.name)
  }
  for (const child of compilation.children ?? []) collect(child)
}
collect(stats)
if (names.size === 0) fail(`${statsFile} lists no bundled module`)

const packages = new Map() // "name@version" -> package directory
for (const name of names) {
  const dir = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(name)?.[1]
  if (!dir) continue // the action's own src/, Node's built-ins, webpack's runtime
  let manifest
  try {
    manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'))
  } catch (error) {
    fail(`cannot read the package.json of ${dir} (bundled module ${name}): ${error.message}`)
  }
  packages.set(`${manifest.name}@${manifest.version}`, dir)
}
const wanted = [...packages.keys()].sort()

const require = createRequire(import.meta.url)
const checkerManifest = require.resolve('license-checker-rseidelsohn/package.json')
const { bin } = JSON.parse(readFileSync(checkerManifest, 'utf8'))
const checker = join(dirname(checkerManifest), typeof bin === 'string' ? bin : bin['license-checker-rseidelsohn'])
const run = spawnSync(process.execPath, [checker, '--start', root, '--includePackages', wanted.join(';'), '--plainVertical'], {
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
  env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' }
})
if (run.error) fail(run.error.message)
if (run.status !== 0) fail(`license-checker-rseidelsohn failed (exit ${run.status}):\n${run.stderr}`)
if (run.stderr.trim()) console.error(run.stderr.trimEnd()) // it reports some errors there and exits 0: the checks below catch those
const notices = run.stdout.replace(/\r\n?/g, '\n').trimEnd()

// Each entry is "name version", the license, then the license file's text (the tool's --plainVertical).
const header = /^(\S+) (\d+\.\d+\.\d+\S*)$/
const entries = new Map()
let current
for (const line of notices.split('\n')) {
  const match = header.exec(line)
  if (match) entries.set((current = `${match[1]}@${match[2]}`), [])
  else if (current) entries.get(current).push(line)
}
const missing = wanted.filter((key) => !entries.has(key))
const extra = [...entries.keys()].filter((key) => !packages.has(key))
if (missing.length) fail(`license-checker-rseidelsohn left out bundled packages: ${missing.join(', ')}`)
if (extra.length) fail(`license-checker-rseidelsohn added packages that are not bundled: ${extra.join(', ')}`)
const textless = wanted.filter((key) => entries.get(key).slice(1).join('\n').trim().length < 100)
if (textless.length) {
  fail(
    `no license text found for ${textless.join(', ')} (${textless.map((key) => packages.get(key)).join(', ')}): ` +
      'give it one in a --clarificationsFile for license-checker-rseidelsohn'
  )
}

writeFileSync(
  outFile,
  `Third-party notices: the license of each of the ${wanted.length} npm packages bundled into this directory's *.js files.\n` +
    'Generated by `npm run build` (.ci/licenses.mjs, license-checker-rseidelsohn); do not edit by hand.\n\n' +
    `${notices}\n`
)
console.error(`licenses: ${outFile} lists ${wanted.length} bundled packages`)
