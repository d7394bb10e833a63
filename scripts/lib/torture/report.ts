/**
 * One table of the torture run's figures (markdown) and the verdict on the correctness figures.
 */
import type { BadInputFigures } from './bad-input'
import type { FuzzFigures } from './fuzz'
import type { VictimFigures } from './kill'
import type { ReplayFigures } from './replay'

export interface TortureResults {
  startedAt: string
  machine: string
  command: string
  badInput?: BadInputFigures
  replay?: ReplayFigures
  fuzz?: FuzzFigures
  kill?: VictimFigures[]
}

const ms = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${x} ms`)
const kv = (o: Record<string, number>) =>
  Object.entries(o)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ') || '–'

/** Each row: area, figure, value, goal, pass. */
export function rows(r: TortureResults): Array<[string, string, string, string, string]> {
  const out: Array<[string, string, string, string, string]> = []
  const ok = (pass: boolean) => (pass ? '✅' : '❌')
  const b = r.badInput
  if (b) {
    out.push([
      'Bad input',
      `requests (${b.signed} signed, ${b.unsigned} unsigned or corrupt; ${b.actions} actions × ${b.parameterNames} parameter names; seed ${b.seed})`,
      `${b.requests} in ${b.seconds} s`,
      '≥ 10,000',
      ok(b.requests >= 10_000),
    ])
    out.push(['Bad input', 'statuses', kv(b.statuses), '', ''])
    out.push(['Bad input', 'responses ≥ 500', String(b.fiveXx), '0', ok(b.fiveXx === 0)])
    out.push([
      'Bad input',
      `no response (reset / refused) after one resend (${b.resetsRetried} resets resent)`,
      String(b.connectionErrors),
      '0',
      ok(b.connectionErrors === 0),
    ])
    out.push([
      'Bad input',
      'responses echoing a canary plaintext / secret or the AccessKey secret',
      String(b.echoesInResponses),
      '0',
      ok(b.echoesInResponses === 0),
    ])
    out.push(['Bad input', 'workerd log lines echoing one', String(b.echoesInLogs), '0', ok(b.echoesInLogs === 0)])
    out.push([
      'Bad input',
      `table items changed by refused requests (audit items excluded: ${b.auditItemsAdded} added; ${b.accepted} requests happened to be valid)`,
      String(b.tableItemsChangedByRefused),
      '0',
      ok(b.tableItemsChangedByRefused === 0),
    ])
  }
  for (const t of r.replay?.trials ?? [])
    out.push(['Replay', t.name, `${t.accepted} accepted (${kv(t.outcomes)})`, 'exactly 1', ok(t.accepted === 1)])
  const f = r.fuzz
  if (f) {
    out.push(['Concurrent fuzz', `operations (${f.workers} workers × ${f.seconds} s)`, `${f.operations} (${f.opsPerSecond}/s)`, '', ''])
    out.push(['Concurrent fuzz', 'wrong plaintexts / results', String(f.wrongResults), '0', ok(f.wrongResults === 0)])
    out.push([
      'Concurrent fuzz',
      'responses ≥ 500 or no response',
      `${f.fiveXx + f.connectionErrors}`,
      '0',
      ok(f.fiveXx + f.connectionErrors === 0),
    ])
    out.push([
      'Concurrent fuzz',
      'acknowledged blobs that fail to decrypt after re-enabling',
      `${f.blobsFailingAfterReenable} of ${f.blobsChecked}`,
      '0',
      ok(f.blobsFailingAfterReenable === 0),
    ])
    out.push([
      'Concurrent fuzz',
      'secrets: versions / ACSCurrent holders / wrong data',
      f.secrets.map((s) => `${s.versions}/${s.acsCurrent}/${s.wrongData}`).join(', '),
      '≤ 10 / 1 / 0',
      ok(f.secretLabelViolations === 0),
    ])
    out.push(['Concurrent fuzz', 'key versions at the end (rotations by cron --at)', f.keyVersions.join(', '), '> 1', ''])
  }
  for (const k of r.kill ?? []) {
    const name = `kill -9 ${k.victim}`
    out.push([name, `trials × workers; requests`, `${k.trials} × ${k.workers}; ${k.requests} (${k.ok} × 200)`, '', ''])
    out.push([name, 'wrong results', String(k.wrongResults), '0', ok(k.wrongResults === 0)])
    out.push([name, 'answers during the outage', kv(k.duringOutage), k.victim === 'workerd' ? 'connection errors / 503' : 'only 503', ''])
    out.push([
      name,
      'answers breaking the rule (not 503 in the outage, not 200 outside)',
      String(k.violations),
      '0',
      ok(k.violations === 0),
    ])
    out.push([
      name,
      'acknowledged writes lost (CreateKey, CreateSecret)',
      `${k.lostWrites} of ${k.acknowledgedWrites}`,
      '0',
      ok(k.lostWrites === 0),
    ])
    out.push([
      name,
      'acknowledged calls without their audit record',
      `${k.missingAuditRecords} of ${k.acknowledgedCalls}`,
      '0',
      ok(k.missingAuditRecords === 0),
    ])
    out.push([name, 'restart (process up) p50 / p95', `${ms(k.restartMs.p50)} / ${ms(k.restartMs.p95)}`, '', ''])
    out.push([
      name,
      'recovery (restart → first success) p50 / p95 / max',
      `${ms(k.recoveryMs.p50)} / ${ms(k.recoveryMs.p95)} / ${ms(k.recoveryMs.max)}`,
      'p95 < 3 s',
      ok((k.recoveryMs.p95 ?? Infinity) < 3000),
    ])
  }
  return out
}

export function markdown(r: TortureResults): string {
  const lines = [
    `# Torture run ${r.startedAt}`,
    '',
    `Command: \`${r.command}\` — ${r.machine}. Correctness figures are the ones with a goal of 0 or exactly 1; times are reported, not asserted.`,
    '',
    '| Area | Figure | Value | Goal | |',
    '|---|---|---|---|---|',
    ...rows(r).map((cells) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`),
  ]
  const samples: string[] = []
  const add = (title: string, xs: string[] | undefined) => {
    if (xs && xs.length > 0) samples.push(`**${title}**`, '', ...xs.map((x) => `- \`${x.replace(/`/g, "'")}\``), '')
  }
  add('Bad input: 5xx / no-response samples', r.badInput?.fiveXxSamples)
  add('Bad input: echo samples', r.badInput?.echoSamples)
  add('Bad input: changed items', r.badInput?.changedSamples)
  add('Fuzz: wrong results', r.fuzz?.wrongSamples)
  add('Fuzz: 5xx samples', r.fuzz?.fiveXxSamples)
  add('Fuzz: blobs failing after re-enable', r.fuzz?.blobFailureSamples)
  for (const k of r.kill ?? []) {
    add(`kill -9 ${k.victim}: violations`, k.violationSamples)
    add(`kill -9 ${k.victim}: lost writes`, k.lostSamples)
    add(`kill -9 ${k.victim}: missing audit records`, k.missingAuditSamples)
  }
  if (samples.length) lines.push('', ...samples)
  return `${lines.join('\n')}\n`
}

/** Every correctness figure that is off (empty when the run passes). */
export function failures(r: TortureResults, opts: { minBadInput?: number } = {}): string[] {
  const out: string[] = []
  const b = r.badInput
  if (b) {
    if (b.requests < (opts.minBadInput ?? 10_000)) out.push(`bad input: only ${b.requests} requests`)
    if (b.fiveXx + b.connectionErrors > 0) out.push(`bad input: ${b.fiveXx} 5xx, ${b.connectionErrors} without a response`)
    if (b.echoesInResponses + b.echoesInLogs > 0) out.push(`bad input: ${b.echoesInResponses + b.echoesInLogs} echoes`)
    if (b.tableItemsChangedByRefused > 0) out.push(`bad input: ${b.tableItemsChangedByRefused} items changed by refused requests`)
  }
  for (const t of r.replay?.trials ?? []) if (t.accepted !== 1) out.push(`replay "${t.name}": ${t.accepted} accepted`)
  const f = r.fuzz
  if (f) {
    if (f.wrongResults > 0) out.push(`fuzz: ${f.wrongResults} wrong results`)
    if (f.fiveXx + f.connectionErrors > 0) out.push(`fuzz: ${f.fiveXx} 5xx, ${f.connectionErrors} without a response`)
    if (f.blobsFailingAfterReenable > 0) out.push(`fuzz: ${f.blobsFailingAfterReenable} blobs fail after re-enabling`)
    for (const s of f.secrets) {
      if (s.acsCurrent !== 1 || s.versions > 10)
        out.push(`fuzz: secret ${s.name} has ${s.acsCurrent} ACSCurrent holders and ${s.versions} versions`)
      if (s.wrongData > 0) out.push(`fuzz: secret ${s.name} has ${s.wrongData} versions that do not read back`)
    }
  }
  for (const k of r.kill ?? []) {
    if (k.wrongResults + k.violations + k.lostWrites + k.missingAuditRecords > 0) {
      out.push(
        `kill -9 ${k.victim}: ${k.wrongResults} wrong, ${k.violations} rule breaks, ${k.lostWrites} lost writes, ${k.missingAuditRecords} missing audit records`,
      )
    }
  }
  return out
}
