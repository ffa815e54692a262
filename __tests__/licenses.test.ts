import { describe, expect, test } from '@jest/globals'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { basename, dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

// dist/licenses.txt must carry the name and license text of every npm package whose code is in dist/*.js.
// The bundled packages are found here from the bundle itself, independently of the generator
// (.ci/licenses.mjs, which reads ncc's webpack stats), in two ways:
//  - the module paths webpack leaves in its comments ("CONCATENATED MODULE: ./node_modules/…",
//    "EXTERNAL MODULE: ./node_modules/…"), which name every ES module but not a CommonJS one;
//  - the code itself: each package of the production dependency tree (from package.json, resolved as
//    Node resolves it) whose source lines that no other package has show up in the bundle. This also
//    finds a CommonJS package that only another CommonJS package requires, which has no comment.

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
const bundleFiles = readdirSync(dist)
  .filter((file) => file.endsWith('.js'))
  .sort()
const bundle = bundleFiles.map((file) => readFileSync(join(dist, file), 'utf8')).join('\n')
const bundleLines = new Set(bundle.split('\n').map((line) => line.trim()))
const notices = readFileSync(join(dist, 'licenses.txt'), 'utf8')

interface Manifest {
  name: string
  version: string
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}
const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest

/** The package directory of a module path: the part up to the package after the last node_modules/. */
const packageDir = (modulePath: string): string | undefined => /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)(?:\/|$)/.exec(modulePath)?.[1]

/** Packages named by webpack's module comments, as directories relative to the root. */
function packagesInComments(): Set<string> {
  const dirs = new Set<string>()
  for (const [, path] of bundle.matchAll(/\/\/ (?:CONCATENATED|EXTERNAL) MODULE: \.\/(\S+)/g)) {
    const dir = packageDir(path)
    if (dir) dirs.add(dir)
  }
  return dirs
}

/** Every package reached from package.json's dependencies (not devDependencies), resolved as Node does. */
function productionTree(): string[] {
  const resolveFrom = (dir: string, name: string): string | undefined => {
    for (let base = dir; ; base = dirname(base)) {
      const candidate = join(base, 'node_modules', name)
      if (basename(base) !== 'node_modules' && existsSync(join(candidate, 'package.json'))) return candidate
      if (base === root || base === dirname(base)) return undefined
    }
  }
  const found = new Set<string>()
  const queue = [root]
  while (queue.length) {
    const dir = queue.shift() as string
    const { dependencies, optionalDependencies, peerDependencies } = manifest(dir)
    for (const name of Object.keys({ ...dependencies, ...optionalDependencies, ...peerDependencies })) {
      const resolved = resolveFrom(dir, name)
      if (!resolved || found.has(resolved)) continue
      found.add(resolved)
      queue.push(resolved)
    }
  }
  return [...found].map((dir) => relative(root, dir)).sort()
}

/** The trimmed source lines (30 characters or more) of a package's own .js/.cjs/.mjs files. */
function sourceLines(dir: string): Set<string> {
  const lines = new Set<string>()
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      if (entry.name === 'node_modules') continue
      const child = join(path, entry.name)
      if (entry.isDirectory()) walk(child)
      else if (/\.[cm]?js$/.test(entry.name)) {
        for (const line of readFileSync(child, 'utf8').split('\n')) {
          const trimmed = line.trim()
          if (trimmed.length >= 30) lines.add(trimmed)
        }
      }
    }
  }
  walk(join(root, dir))
  return lines
}

/** Per package of the production tree: its lines that no package of another name has, and how many are in the bundle. */
function codeInBundle(): Map<string, { distinctive: number; inBundle: string[] }> {
  const tree = productionTree()
  const linesOf = new Map(tree.map((dir) => [dir, sourceLines(dir)]))
  const owners = new Map<string, Set<string>>()
  for (const dir of tree) {
    const { name } = manifest(join(root, dir))
    for (const line of linesOf.get(dir) ?? []) {
      if (!owners.has(line)) owners.set(line, new Set())
      owners.get(line)?.add(name)
    }
  }
  const result = new Map<string, { distinctive: number; inBundle: string[] }>()
  for (const dir of tree) {
    const distinctive = [...(linesOf.get(dir) ?? [])].filter((line) => owners.get(line)?.size === 1)
    result.set(dir, { distinctive: distinctive.length, inBundle: distinctive.filter((line) => bundleLines.has(line)) })
  }
  return result
}

/** dist/licenses.txt's entries ("name version" line, license line, license text), by "name@version". */
function noticeEntries(): Map<string, string> {
  const entries = new Map<string, string[]>()
  let current: string[] | undefined
  for (const line of notices.split('\n')) {
    const header = /^(\S+) (\d+\.\d+\.\d+\S*)$/.exec(line)
    if (header) entries.set(`${header[1]}@${header[2]}`, (current = []))
    else current?.push(line)
  }
  return new Map([...entries].map(([key, lines]) => [key, lines.join('\n')]))
}

const normalize = (text: string) => text.replace(/\s+/g, ' ').trim()

const inComments = packagesInComments()
const inCode = codeInBundle()
const bundled = [...new Set([...inComments, ...[...inCode].filter(([, { inBundle }]) => inBundle.length > 0).map(([dir]) => dir)])].sort()

describe('dist/licenses.txt', () => {
  test('the bundle is read: dist/ has the chunks and webpack module comments, and the code scan agrees with them', () => {
    expect(bundleFiles).toContain('index.js')
    expect(inComments.size).toBeGreaterThan(0)
    // Every package that the comments name and whose code has distinctive lines is found by the code
    // scan too, so the scan can be trusted for the packages no comment names.
    const unseen = [...inComments].filter((dir) => (inCode.get(dir)?.distinctive ?? 0) > 0 && !inCode.get(dir)?.inBundle.length)
    expect(unseen).toEqual([])
  })

  test('has the name, version and license text of every package bundled into dist/*.js', () => {
    const entries = noticeEntries()
    const problems: string[] = []
    for (const dir of bundled) {
      const { name, version } = manifest(join(root, dir))
      const entry = entries.get(`${name}@${version}`)
      if (entry === undefined) {
        problems.push(`${name}@${version} (${dir}) is bundled but has no entry`)
        continue
      }
      const licenseFiles = readdirSync(join(root, dir)).filter((file) => /^(licen[cs]e|copying)([.-]|$)/i.test(file))
      if (licenseFiles.length === 0) {
        problems.push(`${name}@${version} (${dir}) has no license file to check its entry against`)
      } else if (!licenseFiles.some((file) => normalize(entry).includes(normalize(readFileSync(join(root, dir, file), 'utf8'))))) {
        problems.push(`${name}@${version}: the entry lacks the text of ${dir}/${licenseFiles.join(' or ')}`)
      }
    }
    expect(problems).toEqual([])
    expect(bundled.length).toBeGreaterThan(0)
  })
})
