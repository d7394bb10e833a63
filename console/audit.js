// The audit trail: ActionTrail LookupEvents (2020-07-06) with filters and paging, and an
// inline SVG chart of the loaded calls over time by outcome.
import { call } from './api.js'
import { h, select, table } from './dom.js'
import { button, form, heading, input, list, pre, run, section } from './ui.js'

const SVG = 'http://www.w3.org/2000/svg'
const state = { filters: {}, events: [], nextToken: undefined }

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag)
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v))
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)))
  return el
}

const outcomeOf = (e) => e.additionalEventData?.outcome ?? (e.errorCode ? 'Failure' : 'Success')

/** Stacked bars: calls per time bucket, Success below Failure. */
export function eventsChart(events) {
  const width = 720
  const height = 200
  const pad = { left: 40, right: 10, top: 10, bottom: 40 }
  const times = events.map((e) => Date.parse(e.eventTime)).filter((t) => !Number.isNaN(t))
  const title = svg('title', { id: 'chart-title' }, 'Calls over time by outcome')
  const successes = events.filter((e) => outcomeOf(e) === 'Success').length
  const desc = svg('desc', { id: 'chart-desc' }, `${events.length} calls loaded: ${successes} succeeded, ${events.length - successes} failed.`)
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'chart-title chart-desc', class: 'chart' }, title, desc)
  if (times.length === 0) {
    root.append(svg('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle' }, 'No events loaded.'))
    return root
  }
  // A bucket width from a list of round steps, so that the span fits in at most 24 bars.
  const STEPS = [1, 5, 10, 30, 60, 300, 900, 1800, 3600, 10800, 21600, 43200, 86400].map((s) => s * 1000)
  const first = Math.min(...times)
  const last = Math.max(...times)
  const size = STEPS.find((step) => (last - first) / step < 24) ?? Math.ceil((last - first) / 24)
  const min = Math.floor(first / size) * size
  const buckets = Math.max(1, Math.floor((last - min) / size) + 1)
  const counts = Array.from({ length: buckets }, () => ({ Success: 0, Failure: 0 }))
  for (const e of events) {
    const t = Date.parse(e.eventTime)
    if (Number.isNaN(t)) continue
    counts[Math.min(buckets - 1, Math.floor((t - min) / size))][outcomeOf(e) === 'Success' ? 'Success' : 'Failure'] += 1
  }
  const peak = Math.max(1, ...counts.map((c) => c.Success + c.Failure))
  const plotW = width - pad.left - pad.right
  const plotH = height - pad.top - pad.bottom
  const barW = plotW / Math.max(buckets, 6)
  const labelEvery = Math.ceil(buckets / 6)
  root.append(
    svg('line', { x1: pad.left, y1: pad.top + plotH, x2: width - pad.right, y2: pad.top + plotH, class: 'axis' }),
    svg('line', { x1: pad.left, y1: pad.top, x2: pad.left, y2: pad.top + plotH, class: 'axis' }),
    svg('text', { x: pad.left - 6, y: pad.top + 10, 'text-anchor': 'end', class: 'tick' }, peak),
    svg('text', { x: pad.left - 6, y: pad.top + plotH, 'text-anchor': 'end', class: 'tick' }, 0),
  )
  counts.forEach((c, i) => {
    const x = pad.left + i * barW + 2
    const okH = (c.Success / peak) * plotH
    const failH = (c.Failure / peak) * plotH
    const start = new Date(min + i * size).toISOString().replace('T', ' ').slice(size >= 86_400_000 ? 0 : 11, size >= 86_400_000 ? 10 : 19)
    if (c.Success) root.append(svg('rect', { x, y: pad.top + plotH - okH, width: barW - 4, height: okH, class: 'ok' }, svg('title', {}, `${start}: ${c.Success} succeeded`)))
    if (c.Failure) root.append(svg('rect', { x, y: pad.top + plotH - okH - failH, width: barW - 4, height: failH, class: 'fail' }, svg('title', {}, `${start}: ${c.Failure} failed`)))
    if (i % labelEvery === 0) root.append(svg('text', { x: x + (barW - 4) / 2, y: height - pad.bottom + 16, 'text-anchor': 'middle', class: 'tick' }, start))
  })
  root.append(
    svg('rect', { x: pad.left, y: height - 14, width: 10, height: 10, class: 'ok' }),
    svg('text', { x: pad.left + 14, y: height - 5, class: 'tick' }, 'Success'),
    svg('rect', { x: pad.left + 80, y: height - 14, width: 10, height: 10, class: 'fail' }),
    svg('text', { x: pad.left + 94, y: height - 5, class: 'tick' }, 'Failure'),
    svg('text', { x: width - pad.right, y: height - 5, 'text-anchor': 'end', class: 'tick' }, 'UTC'),
  )
  return root
}

function localToIso(value) {
  return value ? new Date(value).toISOString() : undefined
}

export async function auditView(main) {
  const chart = h('figure.chart-box', h('figcaption', 'Calls over time by outcome (events loaded below)'))
  const results = h('div', { 'aria-live': 'polite' })
  const more = h('div.pager')

  function render() {
    chart.replaceChildren(chart.firstChild ?? h('figcaption'), eventsChart(state.events))
    results.replaceChildren(
      table(
        `Audit events (${state.events.length} loaded)`,
        [
          { label: 'Time (UTC)', cell: (e) => h('time', { datetime: e.eventTime }, String(e.eventTime).replace('T', ' ').replace(/\.\d+Z$|Z$/, '')) },
          { label: 'Service', cell: (e) => e.serviceName ?? '' },
          { label: 'Event', cell: (e) => e.eventName },
          { label: 'Caller', cell: (e) => e.userIdentity?.userName ?? e.userIdentity?.type ?? '' },
          { label: 'Read/write', cell: (e) => e.eventRW ?? '' },
          { label: 'Outcome', cell: (e) => h(`span.${outcomeOf(e) === 'Success' ? 'ok' : 'fail'}`, outcomeOf(e)) },
          { label: 'Error', cell: (e) => e.errorCode ?? '' },
          { label: 'Resource', cell: (e) => e.resourceName ?? '' },
          { label: 'Details', cell: (e) => h('details', h('summary', 'Details'), pre(e)) },
        ],
        state.events,
        'No events match.',
      ),
    )
    more.replaceChildren(
      state.nextToken
        ? button('Load more events', async () => {
            await fetchPage()
            render()
          })
        : h('span', 'No more events.'),
    )
  }

  async function fetchPage(reset = false) {
    if (reset) {
      state.events = []
      state.nextToken = undefined
    }
    const params = { MaxResults: state.filters.MaxResults || '50' }
    if (state.filters.StartTime) params.StartTime = localToIso(state.filters.StartTime)
    if (state.filters.EndTime) params.EndTime = localToIso(state.filters.EndTime)
    let n = 0
    for (const key of ['EventName', 'ResourceName', 'User', 'EventAccessKeyId', 'EventRW', 'ServiceName']) {
      if (!state.filters[key]) continue
      n += 1
      params[`LookupAttribute.${n}.Key`] = key
      params[`LookupAttribute.${n}.Value`] = state.filters[key]
    }
    if (state.nextToken) params.NextToken = state.nextToken
    const out = await call('trail', 'LookupEvents', params)
    state.events.push(...list(out.Events))
    state.nextToken = out.NextToken
  }

  const filters = form(
    'Filter events',
    [
      ['Event name', input('EventName', { value: state.filters.EventName ?? '', placeholder: 'Encrypt' })],
      ['Resource name', input('ResourceName', { value: state.filters.ResourceName ?? '' })],
      ['User', input('User', { value: state.filters.User ?? '' })],
      ['Access key ID', input('EventAccessKeyId', { value: state.filters.EventAccessKeyId ?? '' })],
      ['Read / write', select('EventRW', ['', 'Read', 'Write'], state.filters.EventRW)],
      ['Service', select('ServiceName', ['', 'Kms', 'Ram', 'Actiontrail'], state.filters.ServiceName)],
      ['From', input('StartTime', { type: 'datetime-local', value: state.filters.StartTime ?? '' }), 'Default: 7 days before "To".'],
      ['To', input('EndTime', { type: 'datetime-local', value: state.filters.EndTime ?? '' }), 'Default: now.'],
      ['Page size', select('MaxResults', ['20', '50'], state.filters.MaxResults ?? '50')],
    ],
    'Look up events',
    async (v) => {
      state.filters = v
      await fetchPage(true)
      render()
    },
    { class: 'inline', 'aria-label': 'Filter audit events' },
  )

  main.append(
    heading('Audit trail'),
    section(
      'Chain verification',
      h(
        'p',
        'No API action exposes the hash chain’s verification status, so this page cannot show it. ' +
          'Events are hash-chained and HMAC-signed; verify the chain where the service runs with ',
        h('code', 'npm run audit:verify'),
        '.',
      ),
    ),
    filters,
    chart,
    results,
    more,
  )
  await run(null, async () => {
    await fetchPage(true)
    render()
  })
}
