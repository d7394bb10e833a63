// The console's entry: sign-in with an AccessKey pair (sessionStorage only) and a hash router.
import { call, endSession, saveSession, session } from './api.js'
import { auditView } from './audit.js'
import { h } from './dom.js'
import { keysView, keyView } from './keys.js'
import { ramUserView, ramView } from './ram.js'
import { secretsView, secretView } from './secrets.js'
import { describeError, form, heading, input, notify } from './ui.js'

const main = document.getElementById('main')
const nav = document.getElementById('nav')
const who = document.getElementById('who')
const signOut = document.getElementById('sign-out')

// Codes that mean "these credentials are not valid"; anything else proves the signature passed.
const BAD_CREDENTIALS = /^(InvalidAccessKeyId|IncompleteSignature|SignatureDoesNotMatch|InvalidTimeStamp|SignatureNonceUsed|Forbidden\.AccessKeyDisabled)/

function signInView() {
  const secret = input('accessKeySecret', { type: 'password', autocomplete: 'off', required: true })
  main.append(
    heading('Sign in'),
    h('p', 'Use an AccessKey pair of this service. It stays in this tab’s session storage only; every request is signed in the browser and checked, authorised and audited by the API like any other call.'),
    form(
      'AccessKey',
      [['AccessKey ID', input('accessKeyId', { required: true, autocomplete: 'username' })], ['AccessKey secret', secret]],
      'Sign in',
      async (v) => {
        const creds = { accessKeyId: v.accessKeyId.trim(), accessKeySecret: v.accessKeySecret }
        try {
          await call('kms', 'DescribeRegions', {}, creds)
        } catch (err) {
          if (BAD_CREDENTIALS.test(err.code ?? '') || err.code === 'NetworkError') {
            notify(`Sign-in failed — ${describeError(err)}`, 'error')
            return
          }
        }
        saveSession(creds)
        secret.value = ''
        notify(`Signed in as ${creds.accessKeyId}.`)
        if (location.hash === '' || location.hash === '#/' || location.hash === '#/sign-in') location.hash = '#/keys'
        else void route()
      },
      { 'aria-label': 'Sign in' },
    ),
  )
}

const ROUTES = [
  [/^#\/keys\/([^/]+)$/, (m) => keyView(main, decodeURIComponent(m[1]))],
  [/^#\/keys$/, () => keysView(main)],
  [/^#\/secrets\/([^/]+)$/, (m) => secretView(main, decodeURIComponent(m[1]))],
  [/^#\/secrets$/, () => secretsView(main)],
  [/^#\/audit$/, () => auditView(main)],
  [/^#\/ram\/users\/([^/]+)$/, (m) => ramUserView(main, decodeURIComponent(m[1]))],
  [/^#\/ram$/, () => ramView(main)],
]

let generation = 0

async function route() {
  const mine = ++generation
  const creds = session()
  main.replaceChildren()
  nav.hidden = !creds
  signOut.hidden = !creds
  who.textContent = creds ? `Signed in as ${creds.accessKeyId}` : ''
  if (!creds) {
    signInView()
    focusHeading()
    return
  }
  const hash = location.hash || '#/keys'
  for (const link of nav.querySelectorAll('a')) {
    if (hash.startsWith(link.getAttribute('href'))) link.setAttribute('aria-current', 'page')
    else link.removeAttribute('aria-current')
  }
  const match = ROUTES.map(([re, view]) => [re.exec(hash), view]).find(([m]) => m)
  if (!match) {
    location.hash = '#/keys'
    return
  }
  const rendering = match[1](match[0])
  focusHeading()
  await rendering
  if (mine === generation) document.body.dataset.ready = hash
}

function focusHeading() {
  main.querySelector('[data-page-heading]')?.focus()
}

signOut.addEventListener('click', () => {
  endSession()
  notify('Signed out.')
  location.hash = '#/sign-in'
  void route()
})
window.addEventListener('hashchange', () => void route())
void route()
