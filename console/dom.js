// Tiny DOM helpers. Every piece of data reaches the page as a text node or an attribute set
// through the DOM: nothing here parses HTML.

/**
 * h('tag.class#id', { attr: value, onclick: fn }, ...children). Children are nodes, strings
 * (text nodes) or arrays of these; null/undefined/false are skipped.
 */
export function h(spec, attrs, ...children) {
  const [, tag, rest] = /^([a-z0-9]+)(.*)$/.exec(spec)
  const el = document.createElement(tag)
  for (const part of rest.match(/[.#][^.#]+/g) ?? []) {
    if (part[0] === '.') el.classList.add(part.slice(1))
    else el.id = part.slice(1)
  }
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs)
    attrs = undefined
  }
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value)
    else if (name === 'dataset') Object.assign(el.dataset, value)
    else if (value === true) el.setAttribute(name, '')
    else el.setAttribute(name, String(value))
  }
  append(el, children)
  return el
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue
    el.append(child instanceof Node ? child : document.createTextNode(String(child)))
  }
  return el
}

export function clear(el) {
  el.replaceChildren()
  return el
}

/** A labelled form control: label + input/select/textarea, wired by id. */
let controlCount = 0
export function field(label, control, hint) {
  const id = control.id || `f${++controlCount}`
  control.id = id
  const hintEl = hint ? h('small', { id: `${id}-hint` }, hint) : null
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id)
  return h('div.field', h('label', { for: id }, label), control, hintEl)
}

export function select(name, options, value) {
  return h(
    'select',
    { name },
    options.map((o) => {
      const [v, text] = Array.isArray(o) ? o : [o, o === '' ? '(any)' : o]
      return h('option', { value: v, selected: v === value }, text)
    }),
  )
}

/** A definition list of an object's fields (nested values as JSON). */
export function dl(obj, order) {
  const keys = order ?? Object.keys(obj ?? {})
  return h(
    'dl.meta',
    keys
      .filter((k) => obj && obj[k] !== undefined && obj[k] !== '')
      .map((k) => [h('dt', k), h('dd', typeof obj[k] === 'object' ? JSON.stringify(obj[k]) : String(obj[k]))]),
  )
}

/** A table: columns [{ label, cell(row) → node|string }]. */
export function table(caption, columns, rows, empty = 'None.') {
  if (!rows || rows.length === 0) return h('p.empty', empty)
  return h(
    'table',
    h('caption', caption),
    h('thead', h('tr', columns.map((c) => h('th', { scope: 'col' }, c.label)))),
    h(
      'tbody',
      rows.map((row) => h('tr', columns.map((c) => h('td', c.cell(row))))),
    ),
  )
}

export function formValues(form) {
  const out = {}
  for (const el of form.elements) {
    if (!el.name) continue
    if (el.type === 'checkbox') out[el.name] = el.checked ? 'true' : 'false'
    else out[el.name] = el.value
  }
  return out
}
