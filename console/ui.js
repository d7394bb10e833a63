// Shared view helpers: status messages, busy buttons, small forms.
import { ApiError } from './api.js'
import { field, formValues, h } from './dom.js'

/** Shows a message in the live region (errors as alerts). */
export function notify(text, kind = 'info') {
  const status = document.getElementById('status')
  status.replaceChildren(h(`p.${kind}`, { role: kind === 'error' ? 'alert' : undefined }, text))
}

export function describeError(err) {
  if (err instanceof ApiError) return `${err.code}: ${err.message}${err.requestId ? ` (request ${err.requestId})` : ''}`
  return String(err?.message ?? err)
}

/** Runs fn with `control` disabled; failures are announced, not thrown. */
export async function run(control, fn) {
  if (control) control.disabled = true
  try {
    return await fn()
  } catch (err) {
    notify(describeError(err), 'error')
    return undefined
  } finally {
    if (control) control.disabled = false
  }
}

/**
 * A form: `fields` are [label, control, hint?] or nodes; onsubmit(values, form) runs with the
 * submit button disabled.
 */
export function form(legend, fields, submitLabel, onsubmit, attrs = {}) {
  const submit = h('button', { type: 'submit' }, submitLabel)
  const el = h(
    'form',
    { 'aria-label': legend, ...attrs },
    h(
      'fieldset',
      h('legend', legend),
      fields.map((f) => (Array.isArray(f) ? field(f[0], f[1], f[2]) : f)),
      h('div.actions', submit),
    ),
  )
  el.addEventListener('submit', (event) => {
    event.preventDefault()
    void run(submit, () => onsubmit(formValues(el), el))
  })
  return el
}

export function input(name, attrs = {}) {
  return h('input', { name, type: 'text', autocomplete: 'off', spellcheck: 'false', ...attrs })
}

export function textarea(name, attrs = {}) {
  return h('textarea', { name, rows: 3, autocomplete: 'off', spellcheck: 'false', ...attrs })
}

export function button(label, onclick, attrs = {}) {
  const el = h('button', { type: 'button', ...attrs }, label)
  el.addEventListener('click', () => void run(el, () => onclick(el)))
  return el
}

export function section(title, ...children) {
  const id = `s-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`
  return h('section', { 'aria-labelledby': id }, h('h3', { id }, title), children)
}

/** A page heading that receives focus on navigation (screen readers announce the new page). */
export function heading(text) {
  return h('h2', { tabindex: '-1', 'data-page-heading': 'true' }, text)
}

export function link(href, text) {
  return h('a', { href }, text)
}

export function pre(text) {
  return h('pre', typeof text === 'string' ? text : JSON.stringify(text, null, 2))
}

export function list(value) {
  return Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]
}

export function utf8ToBase64(text) {
  let binary = ''
  for (const b of new TextEncoder().encode(text)) binary += String.fromCharCode(b)
  return btoa(binary)
}

export function base64ToUtf8(b64) {
  return new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)))
}

export function hashRoute(...parts) {
  return `#/${parts.map((p) => encodeURIComponent(p)).join('/')}`
}
