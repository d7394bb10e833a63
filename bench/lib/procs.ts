/**
 * /proc readers for the serving processes: descendants of this process, their command lines,
 * peak and current RSS (VmHWM / VmRSS) and CPU time. The peak is reset per phase by writing
 * `5` to /proc/<pid>/clear_refs (Linux ≥ 4.0; allowed for our own children), so each phase
 * reports its own peak; when the reset is refused the lifetime peak is reported and flagged.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'

const CLK_TCK = 100 // Linux USER_HZ; /proc/<pid>/stat times are in these ticks

export interface ProcInfo {
  pid: number
  ppid: number
  cmdline: string
}

function readStat(pid: number): { ppid: number; utime: number; stime: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command may hold spaces and parentheses: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
    return { ppid: Number(fields[1]), utime: Number(fields[11]), stime: Number(fields[12]) }
  } catch {
    return undefined
  }
}

/** Every live descendant of `root` (default: this process). */
export function descendants(root = process.pid): ProcInfo[] {
  const children = new Map<number, number[]>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const pid = Number(name)
    const stat = readStat(pid)
    if (!stat) continue
    const list = children.get(stat.ppid) ?? []
    list.push(pid)
    children.set(stat.ppid, list)
  }
  const out: ProcInfo[] = []
  const queue = [root]
  while (queue.length > 0 && out.length < 1000) {
    const pid = queue.shift()!
    for (const child of children.get(pid) ?? []) {
      let cmdline = ''
      try {
        cmdline = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').join(' ').trim()
      } catch {
        continue
      }
      out.push({ pid: child, ppid: pid, cmdline })
      queue.push(child)
    }
  }
  return out
}

/** The workerd processes among our descendants. */
export function workerdPids(): number[] {
  return descendants()
    .filter((p) => /(^|\/)workerd$/.test(p.cmdline.split(' ')[0] ?? ''))
    .map((p) => p.pid)
}

/**
 * The process that really serves dynalite: the deepest descendant whose command line runs
 * scripts/lib/dynalite-server.ts (the tsx CLI is a parent that only forwards signals).
 */
export function dynalitePid(): number | undefined {
  return dynaliteAll()[0]
}

/** Every dynalite server process among our descendants (leaves only). */
export function dynaliteAll(): number[] {
  const procs = descendants().filter((p) => p.cmdline.includes('dynalite-server'))
  const pids = new Set(procs.map((p) => p.pid))
  return procs.filter((p) => !procs.some((q) => q.ppid === p.pid && pids.has(q.pid))).map((p) => p.pid)
}

export function memory(pid: number): { hwmKb: number; rssKb: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8')
    const hwm = /VmHWM:\s+(\d+) kB/.exec(text)
    const rss = /VmRSS:\s+(\d+) kB/.exec(text)
    return { hwmKb: Number(hwm?.[1] ?? 0), rssKb: Number(rss?.[1] ?? 0) }
  } catch {
    return undefined
  }
}

/** Resets the peak RSS of `pid` to its current RSS; false when not allowed. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
    return true
  } catch {
    return false
  }
}

/** CPU seconds (user + system) used so far by `pid`. */
export function cpuSeconds(pid: number): number | undefined {
  const stat = readStat(pid)
  return stat ? (stat.utime + stat.stime) / CLK_TCK : undefined
}

/** Busy CPU seconds of the whole machine so far (all cores), from /proc/stat. */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!
  const f = line.trim().split(/\s+/).slice(1).map(Number)
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0)
  const idle = (f[3] ?? 0) + (f[4] ?? 0)
  return (total - idle) / CLK_TCK
}

/** CPU seconds used so far by this process and every live descendant. */
export function ownTreeCpuSeconds(): number {
  let sum = cpuSeconds(process.pid) ?? 0
  for (const p of descendants()) sum += cpuSeconds(p.pid) ?? 0
  return sum
}

/**
 * CPU (in cores) used on this machine by processes outside this benchmark during `ms`: other
 * people's tests on a shared machine distort every figure, so each phase reports it.
 */
export async function foreignLoad(ms: number): Promise<number> {
  const b0 = machineBusySeconds()
  const o0 = ownTreeCpuSeconds()
  const t0 = performance.now()
  await new Promise((r) => setTimeout(r, ms))
  const seconds = (performance.now() - t0) / 1000
  return Math.max(0, (machineBusySeconds() - b0 - (ownTreeCpuSeconds() - o0)) / seconds)
}

/** Tracks named processes across one phase: CPU used and peak RSS inside the window. */
export class PhaseProbe {
  private cpuStart = new Map<string, number>()
  private resetOk = new Map<string, boolean>()
  private sampler: NodeJS.Timeout | undefined
  private sampledPeak = new Map<string, number>()
  private busy0 = 0
  private own0 = 0
  private t0 = 0

  constructor(private readonly procs: Record<string, number | undefined>) {}

  start(): void {
    this.t0 = performance.now()
    this.busy0 = machineBusySeconds()
    this.own0 = ownTreeCpuSeconds()
    for (const [name, pid] of Object.entries(this.procs)) {
      if (pid === undefined) continue
      this.resetOk.set(name, resetPeak(pid))
      this.cpuStart.set(name, cpuSeconds(pid) ?? 0)
      this.sampledPeak.set(name, memory(pid)?.rssKb ?? 0)
    }
    // A coarse VmRSS sampler as a fallback when clear_refs is refused.
    this.sampler = setInterval(() => {
      for (const [name, pid] of Object.entries(this.procs)) {
        if (pid === undefined) continue
        const rss = memory(pid)?.rssKb ?? 0
        if (rss > (this.sampledPeak.get(name) ?? 0)) this.sampledPeak.set(name, rss)
      }
    }, 250)
  }

  stop(): {
    procs: Record<string, { cpuSeconds: number; peakRssMb: number; rssMb: number; peakSource: string }>
    foreignCores: number
    machineCores: number
  } {
    if (this.sampler) clearInterval(this.sampler)
    const seconds = (performance.now() - this.t0) / 1000
    const busy = machineBusySeconds() - this.busy0
    const own = ownTreeCpuSeconds() - this.own0
    const out: Record<string, { cpuSeconds: number; peakRssMb: number; rssMb: number; peakSource: string }> = {}
    for (const [name, pid] of Object.entries(this.procs)) {
      if (pid === undefined) continue
      const mem = memory(pid)
      const cpu = (cpuSeconds(pid) ?? 0) - (this.cpuStart.get(name) ?? 0)
      const reset = this.resetOk.get(name) === true
      const peakKb = reset
        ? Math.max(mem?.hwmKb ?? 0, this.sampledPeak.get(name) ?? 0)
        : Math.max(this.sampledPeak.get(name) ?? 0, mem?.rssKb ?? 0)
      out[name] = {
        cpuSeconds: Math.round(cpu * 100) / 100,
        peakRssMb: Math.round(peakKb / 102.4) / 10,
        rssMb: Math.round((mem?.rssKb ?? 0) / 102.4) / 10,
        peakSource: reset ? 'VmHWM after clear_refs reset' : 'sampled VmRSS every 250 ms',
      }
    }
    const r = (x: number) => Math.round(x * 100) / 100
    return { procs: out, foreignCores: r(Math.max(0, (busy - own) / seconds)), machineCores: r(busy / seconds) }
  }
}
