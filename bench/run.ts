/**
 * `npm run bench [-- --quick | --full] [options]` — the benchmark harness (bench/README.md).
 *
 * Starts its own stack (scripts/lib/stack.ts: dynalite, table, bootstrap credentials, the bundle
 * `wrangler deploy --dry-run` ships), serves that bundle with workerd directly (default) or
 * through Miniflare (`--runtime miniflare`), serves a hello-world Worker the same way as the
 * ceiling, drives load from a separate process with pre-signed V1 requests, and writes
 * bench/results/<timestamp>/{result.json,results.md,chart.svg} and bench/results/latest.md.
 *
 * This file is the orchestrator only: options (lib/options.ts), cleanup (lib/lifecycle.ts),
 * workloads (lib/workloads.ts), phases and the load generator (lib/phases.ts, lib/driver.ts,
 * lib/loadgen.ts), profiling (lib/profile.ts), cron (lib/cron-bench.ts), targets and notes
 * (lib/targets.ts), report (lib/report.ts).
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Miniflare } from 'miniflare'
import { buildWorker, freePort, ROOT, startStack, type RunningStack } from '../scripts/lib/stack'
import { buildBaselineBundle, measureBaseline, resolveBaseline, type BaselineBundle, type ResolvedBaseline } from './lib/baseline'
import type { BaselineResult } from './lib/baseline-report'
import { cleanup, installLifecycle, log, onCleanup } from './lib/lifecycle'
import { measureCron } from './lib/cron-bench'
import { LoadDriver, type MeasuredPhase } from './lib/driver'
import { HELLO_SCRIPT, readWranglerCompat, startHello } from './lib/hello'
import { bindingsFor, machineInfo, quietWaiter } from './lib/machine'
import { EC_SIGN_CONCURRENT, EC_SIGN_SEQUENTIAL, runMicro, type MicroResult } from './lib/micro'
import { findMotoServer, MOTO_CREDS, motoVersion, startMoto } from './lib/moto'
import type { AwsSideBySide, MotoOutcome } from './lib/aws-report'
import { callAws, SigV4Signer, type AwsCredentials } from './lib/sigv4'
import { startOpCounter } from './lib/op-counter'
import { args, mode, OPT, quick, RUN_DEADLINE_MS } from './lib/options'
import { phaseRunner } from './lib/phases'
import { dynalitePid, workerdPids } from './lib/procs'
import { profileWorker, type ProfileResult } from './lib/profile'
import type { PhaseSpec } from './lib/protocol'
import {
  renderMarkdown,
  renderSvg,
  type FlatnessPoint,
  type Group,
  type RatePhaseRow,
  type RunResult,
  type ScenarioRow,
} from './lib/report'
import { seedKeys } from './lib/seed'
import { requestParams, signedPathFast, type SigningCredentials } from './lib/signing'
import { evaluateTargets } from './lib/targets'
import { b64, sendOnce, setupWorkloads, signedWith } from './lib/workloads'
import { startRawWorkerd, type RawWorkerd } from './lib/workerd'

const deadline = installLifecycle(RUN_DEADLINE_MS)
const waitQuiet = quietWaiter(OPT.quietBudgetMs, quick)

async function main(): Promise<void> {
  const startedAt = new Date()
  const machine = machineInfo()
  log(`edge-kms benchmark, mode ${mode}, runtime ${OPT.runtime}`)
  log(
    `machine: ${machine.cores} cores (${machine.model}), Node ${machine.node}, workerd ${machine.workerd}, wrangler ${machine.wrangler}, miniflare ${machine.miniflare}`,
  )
  log(`NOTE: the load generator, workerd and dynalite share these ${machine.cores} cores; every figure includes the load generator's CPU.`)
  const setupSeconds: Record<string, number> = {}
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t = Date.now()
    try {
      return await fn()
    } finally {
      setupSeconds[name] = Math.round((Date.now() - t) / 100) / 10
    }
  }

  // --baseline: the ref resolved first, so that a bad one fails before anything starts.
  const baselineRef: ResolvedBaseline | undefined = OPT.baseline ? await resolveBaseline(OPT.baseline) : undefined
  if (baselineRef) log(`baseline: ${baselineRef.ref} = ${baselineRef.shortSha} (${baselineRef.subject})`)

  // Data dir (temporary, removed at the end unless --keep).
  const dataDir = mkdtempSync(join(tmpdir(), 'kms-bench-'))
  onCleanup('data dir', () => {
    if (!args.keep) rmSync(dataDir, { recursive: true, force: true })
    else log(`data dir kept: ${dataDir}`)
  })

  // The bundle: built once into a cache (rebuilt only when sources change), copied into the data
  // dir so startStack finds it up to date instead of running wrangler again.
  await timed('build', async () => {
    const cache = join(ROOT, 'bench/results/.cache/worker')
    await buildWorker(cache)
    cpSync(cache, join(dataDir, 'build'), { recursive: true })
  })
  // The baseline's bundle (lib/baseline.ts), built the same way from `git archive <sha>`.
  const baselineBundle: BaselineBundle | undefined = baselineRef
    ? await timed('baseline-build', () =>
        buildBaselineBundle({ sha: baselineRef.sha, outDir: join(dataDir, 'baseline-build'), onCleanup, log }),
      )
    : undefined

  // The stack: dynalite, table, bootstrap identity, the HSM bridge when a PKCS#11 module is
  // available (startStack starts it), the bundle in workerd through Miniflare.
  const stack: RunningStack = await timed('stack', async () =>
    startStack({ port: await freePort(), dataDir, hsm: OPT.hsm ? 'auto' : 'off' }),
  )
  onCleanup('stack', () => stack.stop())
  const bridge = stack.hsm
  const bridgeReason = OPT.hsm ? 'startStack found no PKCS#11 module (no SoftHSMv2, no HSM_MODULE)' : '--no-hsm'
  log(bridge ? `HSM bridge at ${bridge.url} (pid ${bridge.pid}, started by startStack)` : `no HSM bridge: ${bridgeReason}`)
  const hsmBindings: Record<string, string> = bridge ? { HSM_BRIDGE_URL: bridge.url, HSM_BRIDGE_SECRET: bridge.secret } : {}
  const creds: SigningCredentials = {
    accessKeyId: stack.credentials.accessKeyId,
    accessKeySecret: stack.credentials.accessKeySecret,
    regionId: stack.credentials.regionId,
  }
  const miniflareWorkerd = workerdPids()
  const dynPid = dynalitePid()
  log(`stack up: dynalite ${stack.dynamoEndpoint} (pid ${dynPid}), Miniflare endpoint ${stack.endpoint}`)

  // The product runtime under test and the hello-world ceiling, served the same way.
  const compat = readWranglerCompat()
  let endpoint: string
  let productPid: number | undefined
  let helloPort: number
  let helloPid: number | undefined
  let helloMf: Miniflare | undefined
  const productBindings = bindingsFor(stack, dataDir, hsmBindings)
  if (OPT.runtime === 'workerd') {
    const product: RawWorkerd = await timed('workerd', async () =>
      startRawWorkerd({
        port: await freePort(),
        scriptPath: join(dataDir, 'build/index.js'),
        ...compat,
        bindings: productBindings,
        configDir: join(dataDir, 'workerd-product'),
      }),
    )
    onCleanup('workerd (product)', () => product.stop())
    endpoint = `http://127.0.0.1:${product.port}`
    productPid = product.pid
    helloPort = await freePort()
    const hello = await startRawWorkerd({
      port: helloPort,
      scriptPath: HELLO_SCRIPT,
      ...compat,
      bindings: {},
      configDir: join(dataDir, 'workerd-hello'),
    })
    onCleanup('workerd (hello)', () => hello.stop())
    helloPid = hello.pid
  } else {
    endpoint = stack.endpoint
    productPid = miniflareWorkerd[0]
    helloPort = await freePort()
    const before = new Set(workerdPids())
    helloMf = await startHello(helloPort)
    onCleanup('miniflare (hello)', () => helloMf?.dispose())
    helloPid = workerdPids().find((p) => !before.has(p))
  }
  const productUrl = new URL(endpoint)
  const knownWorkerd = new Set(workerdPids())
  log(`product served at ${endpoint} (workerd pid ${productPid}); hello-world at 127.0.0.1:${helloPort} (pid ${helloPid})`)

  // Load generator: one separate process.
  const driver = new LoadDriver()
  await driver.start()
  onCleanup('load generator', () => driver.stop())

  const servingProcs = (workerdPid: number | undefined) => ({
    workerd: workerdPid,
    dynalite: dynPid,
    ...(bridge ? { bridge: bridge.pid } : {}),
    loadgen: driver.pid,
  })

  // In-process baselines first, while nothing else of ours runs.
  const micro: MicroResult[] = await timed('micro', () => runMicro(quick ? 80 : 600, { ms: OPT.durationMs, concurrency: OPT.connections }))
  log(`in-process WebCrypto AES-256-GCM (32 B): ${micro[0]!.opsPerSec.toLocaleString('en-US')} ops/s`)
  const ecSeq = micro.find((m) => m.name === EC_SIGN_SEQUENTIAL)
  const ecConc = micro.find((m) => m.name === EC_SIGN_CONCURRENT)
  log(
    `in-process WebCrypto ECDSA P-256 sign: ${ecSeq?.opsPerSec.toLocaleString('en-US')} ops/s one at a time, ${ecConc?.opsPerSec.toLocaleString('en-US')} ops/s with ${OPT.connections} in flight`,
  )

  // ---- Setup through the API ----------------------------------------------------------------
  const { keyIds, plaintext, skipped, hsmKeyId, decomposition, describeRegions, productScenarios } = await setupWorkloads(
    endpoint,
    creds,
    bridge,
    bridgeReason,
    log,
  )
  const bridgeInUse = bridge !== undefined && hsmKeyId !== undefined

  // The same Encrypt through the AWS dialect (SigV4, TrentService.Encrypt): checked once here.
  const awsCreds: AwsCredentials = { accessKeyId: creds.accessKeyId, secretAccessKey: creds.accessKeySecret, region: creds.regionId }
  const awsEncryptReq = (c: AwsCredentials, ids: string[], verify = true) =>
    ({
      kind: 'aws',
      creds: c,
      service: 'kms',
      target: 'TrentService.Encrypt',
      body: { Plaintext: b64(plaintext) },
      keyIds: ids,
      verify,
    }) as const
  let awsReason: string | undefined
  {
    const r = await callAws(endpoint, new SigV4Signer(awsCreds, 'kms'), 'TrentService.Encrypt', {
      KeyId: keyIds[0]!,
      Plaintext: b64(plaintext),
    })
    if (r.status !== 200 || typeof r.body.CiphertextBlob !== 'string')
      awsReason = `TrentService.Encrypt answered ${r.status} ${String(r.body.__type ?? '')}`
    if (awsReason) skipped.push({ scenario: 'Encrypt (AWS dialect)', reason: awsReason })
    else log('setup: TrentService.Encrypt (SigV4) answered 200')
  }
  const awsScenario = awsReason
    ? undefined
    : {
        id: 'aws-encrypt',
        label: 'Encrypt, AWS dialect (SigV4)',
        what: 'the Encrypt row as POST / X-Amz-Target TrentService.Encrypt, SigV4 per request (fresh signed amz-sdk-invocation-id = nonce)',
        req: awsEncryptReq(awsCreds, keyIds),
      }
  let moto: MotoOutcome = { status: 'not installed', reason: 'no moto_server on PATH or at /root/.pyenv/shims/moto_server' }
  const procsFor = (pid: number | undefined) => {
    const p = servingProcs(pid)
    if (!bridgeInUse) delete (p as Record<string, unknown>).bridge
    return p
  }

  // ---- Phases ---------------------------------------------------------------------------------
  const sampleEncryptPath = signedPathFast(creds, requestParams(creds, 'Encrypt', { KeyId: keyIds[0]!, Plaintext: b64(plaintext) }))
  const helloPath = `/?Hello=${'a'.repeat(Math.max(1, sampleEncryptPath.length - 8))}`
  let ceilingHint = 50_000
  const runPhase = phaseRunner({
    driver,
    connections: OPT.connections,
    warmupMs: OPT.warmupMs,
    durationMs: OPT.durationMs,
    requestTimeoutMs: OPT.requestTimeoutMs,
    maxPresign: OPT.maxPresign,
    procsFor,
    rateHint: () => ceilingHint,
    waitQuiet,
    log,
  })
  const product = { port: Number(productUrl.port), pid: productPid }
  const signed = signedWith(creds)

  // moto_server side by side (lib/moto.ts): started here, stopped right after its phase; its
  // cleanup is registered before anything can fail, and the watchdog kills it even on SIGKILL.
  const measureMoto = async (alibabaLabel: string): Promise<MotoOutcome> => {
    const bin = findMotoServer()
    if (!bin) {
      log('moto_server: not installed')
      return { status: 'not installed', reason: 'no moto_server on PATH or at /root/.pyenv/shims/moto_server' }
    }
    const port = await freePort()
    let stop: (() => Promise<void>) | undefined
    try {
      const m = await startMoto({
        bin,
        port,
        cwd: dataDir,
        keys: keyIds.length,
        plaintextB64: b64(plaintext),
        register: (fn) => {
          stop = fn
          onCleanup('moto_server', fn)
        },
      })
      const version = motoVersion()
      log(`moto_server ${version} at ${m.endpoint} (pid ${m.pid}), ${m.keyIds.length} keys`)
      const runMoto = phaseRunner({
        driver,
        connections: OPT.connections,
        warmupMs: OPT.warmupMs,
        durationMs: OPT.durationMs,
        requestTimeoutMs: OPT.requestTimeoutMs,
        maxPresign: OPT.maxPresign,
        procsFor: () => ({ moto: m.pid, loadgen: driver.pid }),
        rateHint: () => ceilingHint,
        waitQuiet,
        log,
      })
      const phase = await runMoto('moto_server Encrypt (AWS, SigV4)', { port, pid: m.pid }, awsEncryptReq(MOTO_CREDS, m.keyIds, false))
      add(
        'moto-encrypt',
        'moto_server Encrypt (in memory, no audit)',
        'info',
        `the AWS Encrypt row's requests (same load, signed for moto's us-east-1) to moto_server ${version}: in memory, no audit trail, no replay protection, no durable write; compare with ${alibabaLabel}`,
        phase,
      )
      return { status: 'measured', id: 'moto-encrypt', version, bin }
    } catch (err) {
      log(`moto_server failed: ${(err as Error).message}`)
      skipped.push({ scenario: 'moto_server Encrypt', reason: (err as Error).message })
      return { status: 'failed', reason: (err as Error).message }
    } finally {
      await stop?.()
    }
  }

  const scenarios: ScenarioRow[] = []
  const storeOps: Record<string, Record<string, number>> = {}
  const add = (id: string, label: string, group: Group, what: string, phase: MeasuredPhase) =>
    scenarios.push({ id, label, group, what, phase, storeOps: storeOps[id] })

  // Store calls per request, counted: a dedicated workerd whose DYNAMODB_ENDPOINT is a counting
  // proxy in front of dynalite, a few sequential requests per scenario.
  await timed('store-op-count', async () => {
    const counter = await startOpCounter(stack.dynamoEndpoint)
    onCleanup('store op counter', () => counter.stop())
    const w = await startRawWorkerd({
      port: await freePort(),
      scriptPath: join(dataDir, 'build/index.js'),
      ...compat,
      bindings: { ...productBindings, DYNAMODB_ENDPOINT: counter.endpoint },
      configDir: join(dataDir, 'workerd-opcount'),
    })
    try {
      const target = `http://127.0.0.1:${w.port}`
      const all = [...(quick ? [] : decomposition), describeRegions, ...productScenarios, ...(awsScenario ? [awsScenario] : [])]
      const n = quick ? 4 : 10
      for (const sc of all) {
        await sendOnce(target, sc.req) // first call may warm caches; not counted
        await new Promise((r) => setTimeout(r, 50))
        counter.reset()
        for (let i = 0; i < n; i++) await sendOnce(target, sc.req)
        await new Promise((r) => setTimeout(r, 100)) // writes after the response (waitUntil), if any
        storeOps[sc.id] = Object.fromEntries(Object.entries(counter.counts()).map(([op, c]) => [op, Math.round((c / n) * 10) / 10]))
      }
    } finally {
      await w.stop()
      await counter.stop()
    }
  })
  log(
    `store calls per request: ${Object.entries(storeOps)
      .map(
        ([id, ops]) =>
          `${id} ${
            Object.entries(ops)
              .map(([o, c]) => `${o}×${c}`)
              .join('+') || 'none'
          }`,
      )
      .join('; ')}`,
  )

  // Ceiling.
  const ceiling1 = await runPhase('ceiling: hello-world', { port: helloPort, pid: helloPid }, { kind: 'static', path: helloPath })
  add('ceiling', 'hello-world (ceiling)', 'ceiling', 'a trivial Worker on the same runtime: runtime + HTTP + load generator', ceiling1)
  ceilingHint = Math.max(1000, ceiling1.rps)

  // Store and request-path decomposition (default mode).
  const half = Math.max(1000, Math.round(OPT.durationMs / 2))
  const dynamoPort = Number(new URL(stack.dynamoEndpoint).port)
  if (!quick) {
    add(
      'dynamo-get',
      'dynalite GetItem (direct)',
      'store',
      'one consistent GetItem of the access-key item, straight to dynalite (no Worker)',
      await runPhase(
        'store: dynalite GetItem',
        { port: dynamoPort, pid: productPid },
        { kind: 'dynamo', op: 'GetItem', table: stack.tableName, pk: `AK#${creds.accessKeyId}`, sk: 'META' },
        { durationMs: half },
      ),
    )
    add(
      'dynamo-put',
      'dynalite cond. PutItem (direct)',
      'store',
      'one conditional PutItem of a new small item (no indexes), straight to dynalite (no Worker)',
      await runPhase(
        'store: dynalite PutItem nonce',
        { port: dynamoPort, pid: productPid },
        { kind: 'dynamo', op: 'PutNonce', table: stack.tableName, accessKeyId: creds.accessKeyId },
        { durationMs: half },
      ),
    )
    for (const d of decomposition) {
      const r = await runPhase(`decomposition: ${d.id}`, product, d.req, { durationMs: half, expectStatus: [d.status] })
      const seen = Object.keys(r.errorCodes)
      if (!seen.some((k) => k.endsWith(d.code))) log(`  (expected ${d.status} ${d.code}, saw ${seen.join(', ')})`)
      add(d.id, d.label, 'decomposition', d.what, r)
    }
  }
  add(
    describeRegions.id,
    describeRegions.label,
    'decomposition',
    describeRegions.what,
    await runPhase('DescribeRegions', product, describeRegions.req),
  )

  // Product scenarios.
  for (const s of productScenarios) {
    add(s.id, s.label, 'product', s.what, await runPhase(s.label, product, s.req))
    if (s.id !== 'encrypt') continue
    // Right after the Alibaba Encrypt: the same workload through the AWS dialect, then moto_server.
    if (awsScenario)
      add(awsScenario.id, awsScenario.label, 'product', awsScenario.what, await runPhase(awsScenario.label, product, awsScenario.req))
    moto = await timed('moto', () => measureMoto(s.label))
  }

  // Runtime comparison (informational): the same hello and Encrypt through Miniflare.
  if (!quick && OPT.runtime === 'workerd') {
    const mfHelloPort = await freePort()
    const before = new Set(workerdPids())
    const mf = await startHello(mfHelloPort)
    let mfDisposed = false
    const disposeMf = async () => {
      if (mfDisposed) return
      mfDisposed = true
      await mf.dispose()
    }
    onCleanup('miniflare (hello, comparison)', disposeMf)
    const mfHelloPid = workerdPids().find((p) => !before.has(p))
    add(
      'mf-hello',
      'hello-world via Miniflare',
      'info',
      'the same hello-world through Miniflare (its entry worker + a service-binding hop)',
      await runPhase(
        'info: hello via Miniflare',
        { port: mfHelloPort, pid: mfHelloPid },
        { kind: 'static', path: helloPath },
        { durationMs: half },
      ),
    )
    await disposeMf()
    add(
      'mf-encrypt',
      'Encrypt via Miniflare',
      'info',
      'Encrypt through scripts/lib/stack.ts as it is (Miniflare)',
      await runPhase(
        'info: Encrypt via Miniflare',
        { port: Number(new URL(stack.endpoint).port), pid: miniflareWorkerd[0] },
        productScenarios[0]!.req,
        { durationMs: half },
      ),
    )
  }

  // Latency at half the peak rate.
  const halfRate: RatePhaseRow[] = []
  const halfTargets = quick ? productScenarios.filter((s) => s.id === 'encrypt') : productScenarios
  for (const s of halfTargets) {
    const peak = scenarios.find((x) => x.id === s.id)!.phase.rps
    const rate = Math.max(1, Math.round(peak / 2))
    // Encrypt at the full phase length (it is also the flatness baseline's rate); the others at half.
    const extra: Partial<PhaseSpec> = { mode: 'rate', rate, ...(s.id === 'encrypt' ? {} : { durationMs: half }) }
    halfRate.push({ id: s.id, label: s.label, peakRps: peak, phase: await runPhase(`${s.label} @ 50 % of peak`, product, s.req, extra) })
  }

  // Flatness with the number of keys. The 10-key point is measured right before seeding and the
  // N-key point right after, at the same fixed rate, so that the two are as close in time (and in
  // machine conditions) as the run allows; a third point (10 keys named, N in the table)
  // separates table size from working-set size.
  // At a quarter of the Encrypt peak: latency, not queueing (at half the peak a disturbed window
  // is already near saturation and its p90/p99 are queueing).
  const encryptPeak = scenarios.find((x) => x.id === 'encrypt')!.phase.rps
  const flatness: FlatnessPoint[] = []
  const encryptReq = (ids: string[]) => signed('Encrypt', { Plaintext: b64(plaintext) }, { keyIds: ids })
  // (--quick compares at half the peak instead, reusing the half-rate Encrypt phase as the
  // 10-key point: one phase less.)
  const quickTen = quick ? halfRate.find((h) => h.id === 'encrypt')?.phase : undefined
  const flatRate = quickTen?.targetRate ?? Math.max(1, Math.round(encryptPeak / 4))
  flatness.push({
    keys: keyIds.length,
    named: keyIds.length,
    rate:
      quickTen ??
      (await runPhase(`Encrypt @ ${keyIds.length} keys, fixed ${flatRate}/s`, product, encryptReq(keyIds), {
        mode: 'rate',
        rate: flatRate,
      })),
  })
  const caller = {
    accountId: stack.credentials.accountId,
    principal: 'root',
    accessKeyId: creds.accessKeyId,
    region: stack.credentials.regionId,
  }
  const allKeys = [...keyIds]
  const measureFlat = async (ids: string[]) => {
    const n = ids.length
    const rate = await runPhase(`Encrypt @ ${n.toLocaleString('en-US')} keys, fixed ${flatRate}/s`, product, encryptReq(ids), {
      mode: 'rate',
      rate: flatRate,
    })
    if (quick) {
      flatness.push({ keys: n, named: n, rate })
      return
    }
    const sameTen = await runPhase(`Encrypt, 10 of ${n.toLocaleString('en-US')} keys, fixed ${flatRate}/s`, product, encryptReq(keyIds), {
      mode: 'rate',
      rate: flatRate,
    })
    const closed = await runPhase(`Encrypt @ ${n.toLocaleString('en-US')} keys, closed loop`, product, encryptReq(ids))
    flatness.push({ keys: n, named: n, rate, closed })
    flatness.push({ keys: n, named: keyIds.length, rate: sameTen })
  }
  const flatSteps = mode === 'full' ? [10_000, OPT.flatKeys] : [OPT.flatKeys]
  for (const target of flatSteps) {
    const count = target - (allKeys.length - keyIds.length)
    if (count <= 0) continue
    log(`seeding ${count.toLocaleString('en-US')} keys straight into the table…`)
    const seeded = await timed(`seed-${target}-keys`, () =>
      seedKeys({
        dynamoEndpoint: stack.dynamoEndpoint,
        tableName: stack.tableName,
        dataDir,
        caller,
        count,
        deadlineMs: 20 * 60_000,
        onProgress: (n) => n % 20_000 === 0 && log(`  ${n.toLocaleString('en-US')}`),
      }),
    )
    log(
      `seeded ${seeded.keyIds.length.toLocaleString('en-US')} keys in ${(seeded.ms / 1000).toFixed(1)} s (${Math.round(seeded.keyIds.length / (seeded.ms / 1000))}/s)${seeded.failed ? `, ${seeded.failed} failed` : ''}`,
    )
    allKeys.push(...seeded.keyIds)
    await measureFlat(allKeys)
  }

  // Cron over due keys, on a second, fresh stack served the same way (lib/cron-bench.ts).
  const cron = await measureCron({
    dataDir,
    keep: args.keep,
    quick,
    runtime: OPT.runtime === 'miniflare' ? 'miniflare' : 'workerd',
    cronKeys: OPT.cronKeys,
    compat,
    knownWorkerd,
    onCleanup,
    timed,
    waitQuiet,
    log,
  })

  const byIdEarly = (id: string) => scenarios.find((x) => x.id === id)

  // --baseline: the other commit's bundle against this one, alternately, on the same table, keys
  // and secrets (after everything else, so that the rest of the run is the same as without it).
  let baseline: BaselineResult | undefined
  if (baselineRef && baselineBundle) {
    const compared = new Set(['encrypt', 'decrypt', 'generate-data-key', 'get-secret-value'])
    const measured = await timed('baseline', () =>
      measureBaseline({
        bundleDir: baselineBundle.dir,
        compat: baselineBundle.compat,
        bindings: productBindings,
        configDir: join(dataDir, 'workerd-baseline'),
        after: { ...product, endpoint },
        cases: [describeRegions, ...productScenarios.filter((s) => compared.has(s.id))],
        rounds: 2,
        runPhase,
        onCleanup,
        log,
      }).catch((err: Error) => {
        // A baseline that cannot be served or measured costs the section, not the run.
        log(`baseline failed: ${err.message}`)
        return { scenarios: [], skipped: [{ scenario: 'every scenario', reason: err.message }], order: [] }
      }),
    )
    baseline = {
      ...baselineRef,
      buildSeconds: baselineBundle.seconds,
      cached: baselineBundle.cached,
      compat: baselineBundle.compat,
      compatDiffers: JSON.stringify(baselineBundle.compat) !== JSON.stringify(compat),
      rounds: 2,
      ...measured,
    }
  }

  // CPU profile of the Worker inside workerd (a separate instance with the inspector enabled, so
  // the measured phases above ran without it).
  const profiles: ProfileResult[] = []
  const profileCases = [
    {
      label: 'DescribeRegions',
      req: signed('DescribeRegions', {}),
      rateHint: 2 * (byIdEarly('describe-regions')?.phase.rps ?? 1000),
    },
    { label: 'Encrypt', req: productScenarios[0]!.req, rateHint: 2 * encryptPeak },
  ]
  if (OPT.profile) {
    try {
      profiles.push(...(await profileWorker(dataDir, compat, productBindings, profileCases, runPhase, onCleanup, OPT.durationMs)))
    } catch (err) {
      log(`profiling failed: ${(err as Error).message}`)
      skipped.push({ scenario: 'CPU profile', reason: (err as Error).message })
    }
    // The baseline bundle's profile, right after the working tree's, over the same cases.
    if (baseline && baselineBundle && !profiles.length) baseline.profileError = "the working tree's profile failed"
    else if (baseline && baselineBundle) {
      try {
        const before = await profileWorker(
          dataDir,
          baselineBundle.compat,
          productBindings,
          profileCases,
          runPhase,
          onCleanup,
          OPT.durationMs,
          {
            dir: baselineBundle.dir,
            name: 'profile-baseline',
          },
        )
        baseline.profiles = { before, after: profiles }
      } catch (err) {
        log(`profiling the baseline failed: ${(err as Error).message}`)
        baseline.profileError = (err as Error).message
      }
    }
  }

  // Ceiling again, to see drift over the run (default mode).
  const ceilingPhases = [ceiling1.rps]
  if (!quick) {
    const ceiling2 = await runPhase('ceiling again: hello-world', { port: helloPort, pid: helloPid }, { kind: 'static', path: helloPath })
    ceilingPhases.push(ceiling2.rps)
    add('ceiling-end', 'hello-world (ceiling, at the end)', 'ceiling', 'the ceiling measured again at the end of the run', ceiling2)
  }
  const ceilingRps = Math.max(...ceilingPhases)
  for (const s of scenarios) if (s.group !== 'store') s.ratio = s.phase.rps / ceilingRps

  // ---- Targets and notes ------------------------------------------------------------------------
  const { targets, notes } = evaluateTargets({
    scenarios,
    ceilingRps,
    skipped,
    halfRate,
    flatness,
    baseKeys: keyIds.length,
    micro,
    profiles,
    cron,
  })

  const finishedAt = new Date()
  const result: RunResult = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    wallSeconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
    mode,
    runtime:
      OPT.runtime === 'workerd'
        ? 'wrangler bundle served by workerd directly (bench/lib/workerd.ts)'
        : 'wrangler bundle served by workerd through Miniflare (scripts/lib/stack.ts)',
    options: { ...OPT },
    machine,
    ceilingRps,
    ceilingPhases,
    scenarios,
    halfRate,
    flatness,
    cron,
    micro,
    skipped,
    targets,
    notes,
    profiles,
    setupSeconds,
    aws: { awsId: awsScenario?.id, awsReason, moto } satisfies AwsSideBySide,
    ...(baseline ? { baseline } : {}),
  }
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-').replace(/Z$/, 'Z')
  const outDir = join(ROOT, 'bench/results', `${stamp}${quick ? '-quick' : mode === 'full' ? '-full' : ''}`)
  mkdirSync(outDir, { recursive: true })
  const md = renderMarkdown(result)
  writeFileSync(join(outDir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`)
  writeFileSync(join(outDir, 'results.md'), md)
  writeFileSync(join(outDir, 'chart.svg'), renderSvg(result))
  writeFileSync(
    join(ROOT, 'bench/results/latest.md'),
    `${md}\n_Full results: bench/results/${outDir.split('/').pop()}/ (result.json, chart.svg)._\n`,
  )
  process.stdout.write(`\n${md}\n`)
  log(`results: ${outDir}/{result.json,results.md,chart.svg} and bench/results/latest.md`)
}

main()
  .then(async () => {
    clearTimeout(deadline)
    await cleanup()
    log('done; every child process stopped')
    process.exit(0)
  })
  .catch(async (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    clearTimeout(deadline)
    await cleanup()
    process.exit(1)
  })
