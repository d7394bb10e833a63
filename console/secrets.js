// Secrets: list, create, and one secret's metadata, versions with stage labels, values
// (masked until an explicit click), new values, deletion and restore.
import { call } from './api.js'
import { dl, h, table } from './dom.js'
import { button, form, hashRoute, heading, input, link, list, notify, run, section, textarea } from './ui.js'

const listState = { pageNumber: 1, pageSize: 10 }
const MASK = '••••••••'

export async function secretsView(main) {
  const results = h('div', { 'aria-live': 'polite' })
  async function load() {
    const page = await call('kms', 'ListSecrets', { PageNumber: listState.pageNumber, PageSize: listState.pageSize, FetchTags: 'true' })
    const pages = Math.max(1, Math.ceil(page.TotalCount / listState.pageSize))
    results.replaceChildren(
      table(
        'Secrets',
        [
          { label: 'Name', cell: (s) => link(hashRoute('secrets', s.SecretName), s.SecretName) },
          { label: 'Type', cell: (s) => s.SecretType ?? '' },
          { label: 'Created', cell: (s) => s.CreateTime ?? '' },
          { label: 'Updated', cell: (s) => s.UpdateTime ?? '' },
          { label: 'Deletion planned', cell: (s) => s.PlannedDeleteTime ?? '' },
          { label: 'Tags', cell: (s) => list(s.Tags?.Tag).map((t) => `${t.TagKey}=${t.TagValue}`).join(', ') },
        ],
        list(page.SecretList?.Secret),
        'No secrets yet.',
      ),
      h(
        'nav.pager',
        { 'aria-label': 'Secret pages' },
        button('Previous page', async () => {
          listState.pageNumber -= 1
          await load()
        }, { disabled: listState.pageNumber <= 1 }),
        h('span', `Page ${listState.pageNumber} of ${pages} (${page.TotalCount} secrets)`),
        button('Next page', async () => {
          listState.pageNumber += 1
          await load()
        }, { disabled: listState.pageNumber >= pages }),
      ),
    )
  }
  const create = form(
    'Create a secret',
    [
      ['Secret name', input('SecretName')],
      ['Value', input('SecretData', { type: 'password', autocomplete: 'new-password' }), 'Sent in the signed request body only; never in a URL.'],
      ['Version ID', input('VersionId', { value: 'v1' })],
      ['Encryption key (optional)', input('EncryptionKeyId', { placeholder: 'key id or alias' })],
      ['Description', textarea('Description', { rows: 2 })],
    ],
    'Create secret',
    async (v, el) => {
      const out = await call('kms', 'CreateSecret', { ...v, SecretDataType: 'text' })
      el.reset()
      notify(`Created secret ${out.SecretName}.`)
      location.hash = hashRoute('secrets', out.SecretName)
    },
    { 'aria-label': 'Create a secret' },
  )
  main.append(heading('Secrets'), results, create)
  await run(null, load)
}

export async function secretView(main, name) {
  main.append(heading(`Secret ${name}`), h('p', link('#/secrets', '← All secrets')))
  const body = h('div')
  main.append(body)
  const reload = async () => {
    const meta = await call('kms', 'DescribeSecret', { SecretName: name, FetchTags: 'true' })
    const versions = await call('kms', 'ListSecretVersionIds', { SecretName: name, IncludeDeprecated: 'true', PageSize: 100 }).catch((e) => e)
    body.replaceChildren(...secretSections(name, meta, versions, reload))
  }
  await run(null, reload)
}

/** A value cell: masked until "Reveal" is pressed, cleared again on "Hide". */
function valueCell(name, version) {
  const out = h('code.secret-value', { 'aria-live': 'polite' }, MASK)
  const toggle = h('button', { type: 'button', 'aria-pressed': 'false' }, `Reveal ${version.VersionId}`)
  toggle.addEventListener('click', () =>
    void run(toggle, async () => {
      if (toggle.getAttribute('aria-pressed') === 'true') {
        out.textContent = MASK
        toggle.setAttribute('aria-pressed', 'false')
        toggle.textContent = `Reveal ${version.VersionId}`
        return
      }
      const value = await call('kms', 'GetSecretValue', { SecretName: name, VersionId: version.VersionId })
      out.textContent = value.SecretData
      toggle.setAttribute('aria-pressed', 'true')
      toggle.textContent = `Hide ${version.VersionId}`
    }),
  )
  return h('span.value', out, ' ', toggle)
}

/** DescribeSecret's answer without the call's RequestId, tags as `key=value` text. */
function metadata(meta) {
  const { RequestId: _requestId, Tags, ...rest } = meta
  const tags = list(Tags?.Tag).map((t) => `${t.TagKey}=${t.TagValue}`).join(', ')
  return { ...rest, Tags: tags || undefined }
}

function secretSections(name, meta, versions, reload) {
  const after = (message) => async () => {
    notify(message)
    await reload()
  }
  const rows = versions instanceof Error ? [] : list(versions.VersionIds?.VersionId)
  const lifecycle = meta.PlannedDeleteTime
    ? [
        h('p', `Deletion planned for ${meta.PlannedDeleteTime}.`),
        button('Restore secret', async () => {
          await call('kms', 'RestoreSecret', { SecretName: name })
          await after('Secret restored.')()
        }),
      ]
    : [
        form('Delete', [['Recovery window (days)', input('RecoveryWindowInDays', { type: 'number', min: 7, max: 30, value: 30 })]], 'Schedule secret deletion', async (v) => {
          await call('kms', 'DeleteSecret', { SecretName: name, RecoveryWindowInDays: v.RecoveryWindowInDays })
          await after('Secret deletion scheduled.')()
        }),
      ]
  return [
    section('Metadata', dl(metadata(meta))),
    section(
      'Versions',
      versions instanceof Error
        ? h('p.error', `${versions.code}: ${versions.message}`)
        : table('Secret versions', [
            { label: 'Version ID', cell: (v) => v.VersionId },
            { label: 'Created', cell: (v) => v.CreateTime ?? '' },
            { label: 'Stages', cell: (v) => list(v.VersionStages?.VersionStage).join(', ') },
            { label: 'Value', cell: (v) => valueCell(name, v) },
          ], rows),
    ),
    section(
      'New value',
      form(
        'Put a new value',
        [
          ['Version ID', input('VersionId', { placeholder: 'v2' })],
          ['Value', input('SecretData', { type: 'password', autocomplete: 'new-password' })],
          ['Stages (optional)', input('VersionStages', { placeholder: '["ACSCurrent"]' }), 'A JSON list; ACSCurrent by default.'],
        ],
        'Put secret value',
        async (v) => {
          const out = await call('kms', 'PutSecretValue', { SecretName: name, SecretDataType: 'text', ...v })
          await after(`Stored version ${out.VersionId}.`)()
        },
      ),
    ),
    section('Lifecycle', lifecycle),
  ]
}

