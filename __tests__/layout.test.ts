/**
 * The layout of src/ (docs/development.md, "Where things go"): no circle of imports, type-only ones
 * included, and imports pointing one way, as .dependency-cruiser.cjs states them; the few files at
 * the top of src/; index.ts that only calls run().
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { Window } from 'happy-dom'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { OPERATION_TABLE, OPERATIONS } from '../src/operations.js'

const root = new URL('..', import.meta.url).pathname
const cli = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs')

interface Violation {
  from: string
  to: string
  rule: { name: string }
  cycle?: { name: string }[]
}

/** The rule violations dependency-cruiser finds in `paths` (relative to the repository) under `config`. */
function violations(paths: string[], config = join(root, '.dependency-cruiser.cjs')): Violation[] {
  const out = execFileSync(process.execPath, [cli, ...paths, '--config', config, '--output-type', 'json'], { cwd: root, encoding: 'utf8' })
  return (JSON.parse(out) as { summary: { violations: Violation[] } }).summary.violations
}

/** One line per violation: `rule: from → to (via the cycle)`. */
const described = (found: Violation[]): string[] =>
  found.map((v) => `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (${v.cycle.map((step) => step.name).join(' → ')})` : ''}`)

describe('the imports of src/', () => {
  it('hold no circle and point one way', () => {
    expect(described(violations(['src']))).toEqual([])
  })

  it('are checked: a circle through type-only imports and an import against the flow are both found', () => {
    // The check must be able to fail: two modules that know each other only by type, and a github/
    // module that imports a job, in a copy of the layout outside src/.
    const dir = mkdtempSync(join(tmpdir(), 'layout-'))
    for (const sub of ['src', 'src/github', 'src/jobs']) execFileSync('mkdir', ['-p', join(dir, sub)])
    writeFileSync(join(dir, 'src/model.ts'), 'export interface A { b?: import("./github/b.js").B }\n')
    writeFileSync(join(dir, 'src/github/b.ts'), "import type { C } from '../jobs/c.js'\nexport interface B { c?: C }\n")
    writeFileSync(join(dir, 'src/jobs/c.ts'), "import type { B } from '../github/b.js'\nexport interface C { b?: B }\n")
    writeFileSync(join(dir, 'tsconfig.json'), '{ "compilerOptions": { "module": "NodeNext", "moduleResolution": "NodeNext" } }\n')
    const config = readFileSync(join(root, '.dependency-cruiser.cjs'), 'utf8')
    writeFileSync(join(dir, '.dependency-cruiser.cjs'), config)
    const out = execFileSync(process.execPath, [cli, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
      cwd: dir,
      encoding: 'utf8'
    })
    const names = (JSON.parse(out) as { summary: { violations: Violation[] } }).summary.violations.map((v) => v.rule.name)
    expect(names).toContain('no-circular')
    expect(names).toContain('github-knows-no-job')
  })
})

describe('the top of src/', () => {
  it('holds only the entry, the run, the domain types, the operation table and the published schema', () => {
    const files = readdirSync(join(root, 'src'), { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name)
    expect(files.sort()).toEqual(['index.ts', 'main.ts', 'model.ts', 'operations.ts', 'webhooks.schema.json'])
  })

  it('index.ts only calls run()', () => {
    const code = readFileSync(join(root, 'src/index.ts'), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '')
      .trim()
    expect(code).toBe("import { run } from './main.js'\n\nawait run()")
  })
})

describe('the operations', () => {
  it('main.ts names none of them: it runs the module the operation table gives', () => {
    const code = readFileSync(join(root, 'src/main.ts'), 'utf8')
    const named = OPERATIONS.filter(
      (operation) => code.includes(`'${operation}'`) || code.includes(`"${operation}"`) || code.includes(`\`${operation}\``)
    )
    expect(named).toEqual([])
  })

  it('are each one module of src/operations/, listed once by the table, which runs every one', () => {
    const modules = readdirSync(join(root, 'src/operations')).filter((name) => !['operation.ts', 'run.ts', 'verdict.ts'].includes(name))
    expect(modules.map((name) => name.replace(/\.ts$/, '')).sort()).toEqual([...OPERATIONS].sort())
    const table = readFileSync(join(root, 'src/operations.ts'), 'utf8')
    for (const operation of OPERATIONS) {
      expect(table).toContain(`from './operations/${operation}.js'`)
      const module = OPERATION_TABLE[operation]
      expect([module.run, module.runTargets, module.runAll].filter((run) => run !== undefined)).toHaveLength(1)
    }
  })
})

describe('docs/development.md', () => {
  const doc = readFileSync(join(root, 'docs/development.md'), 'utf8')
  const diagram = /```mermaid\n([\s\S]*?)```/.exec(doc)?.[1] ?? ''
  let dom: Window
  beforeAll(() => {
    // Mermaid builds DOMPurify from `window` when it loads (see __tests__/report.test.ts).
    dom = new Window()
    Object.assign(globalThis, { window: dom, document: dom.document })
  })
  afterAll(async () => {
    await dom.happyDOM.close()
  })

  it('draws the flow as one Mermaid diagram that names every folder and top file of src/', async () => {
    const entries = readdirSync(join(root, 'src'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() || entry.name.endsWith('.ts'))
      .map((entry) => (entry.isDirectory() ? `${entry.name}/` : entry.name))
    expect(entries.filter((name) => !diagram.includes(`["${name}<br/>`))).toEqual([])
    const { default: mermaid } = await import('mermaid')
    mermaid.initialize({ startOnLoad: false })
    await expect(mermaid.parse(diagram)).resolves.toBeTruthy()
  })

  it('says where a new operation, a new scope and a new finding go', () => {
    for (const question of ['**A new operation**', '**A new scope**', '**A new finding of `inventory`**']) expect(doc).toContain(question)
  })
})
