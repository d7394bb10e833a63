// Keys: list (filters, paging), create, and one key's metadata, versions, rotation, aliases,
// tags, policy, lifecycle and an Encrypt/Decrypt playground.
import { call } from './api.js'
import { dl, h, select, table } from './dom.js'
import {
  base64ToUtf8, button, form, hashRoute, heading, input, link, list, notify, pre, run, section, textarea, utf8ToBase64,
} from './ui.js'

const KEY_STATES = ['', 'Enabled', 'Disabled', 'PendingDeletion', 'PendingImport']
const KEY_SPECS = ['Aliyun_AES_256', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_P256', 'EC_P256K']
const KEY_USAGES = ['ENCRYPT/DECRYPT', 'SIGN/VERIFY']
const PROTECTION = ['SOFTWARE', 'HSM']

// The list's filters and page survive navigating to a key and back.
const listState = { filters: {}, pageNumber: 1, pageSize: 10 }

export async function keysView(main) {
  const results = h('div', { 'aria-live': 'polite' })
  const filters = form(
    'Filter',
    [
      ['Key state', select('KeyState', KEY_STATES, listState.filters.KeyState)],
      ['Key spec', select('KeySpec', ['', ...KEY_SPECS], listState.filters.KeySpec)],
      ['Key usage', select('KeyUsage', ['', ...KEY_USAGES], listState.filters.KeyUsage)],
      ['Protection level', select('ProtectionLevel', ['', ...PROTECTION], listState.filters.ProtectionLevel)],
      ['Page size', select('PageSize', ['10', '20', '50', '100'], String(listState.pageSize))],
    ],
    'Apply filters',
    async (v) => {
      const { PageSize, ...rest } = v
      listState.filters = rest
      listState.pageSize = Number(PageSize)
      listState.pageNumber = 1
      await load()
    },
    { class: 'inline', 'aria-label': 'Filter keys' },
  )

  async function load() {
    const Filters = Object.entries(listState.filters)
      .filter(([, value]) => value)
      .map(([Key, value]) => ({ Key, Values: [value] }))
    const page = await call('kms', 'ListKeys', {
      PageNumber: listState.pageNumber,
      PageSize: listState.pageSize,
      ...(Filters.length ? { Filters: JSON.stringify(Filters) } : {}),
    })
    const keys = list(page.Keys?.Key)
    const described = await Promise.all(
      keys.map((k) =>
        call('kms', 'DescribeKey', { KeyId: k.KeyId }).then((r) => r.KeyMetadata, () => ({ KeyId: k.KeyId })),
      ),
    )
    const pages = Math.max(1, Math.ceil(page.TotalCount / listState.pageSize))
    const prev = button('Previous page', async () => {
      listState.pageNumber -= 1
      await load()
    }, { disabled: listState.pageNumber <= 1 })
    const next = button('Next page', async () => {
      listState.pageNumber += 1
      await load()
    }, { disabled: listState.pageNumber >= pages })
    results.replaceChildren(
      table(
        'Keys',
        [
          { label: 'Key ID', cell: (k) => link(hashRoute('keys', k.KeyId), k.KeyId) },
          { label: 'Description', cell: (k) => k.Description ?? '' },
          { label: 'State', cell: (k) => k.KeyState ?? '' },
          { label: 'Spec', cell: (k) => k.KeySpec ?? '' },
          { label: 'Usage', cell: (k) => k.KeyUsage ?? '' },
          { label: 'Protection', cell: (k) => k.ProtectionLevel ?? '' },
          { label: 'Created', cell: (k) => k.CreationDate ?? '' },
        ],
        described,
        'No keys match.',
      ),
      h('nav.pager', { 'aria-label': 'Key pages' }, prev, h('span', `Page ${listState.pageNumber} of ${pages} (${page.TotalCount} keys)`), next),
    )
  }

  const create = form(
    'Create a key',
    [
      ['Description', textarea('Description', { rows: 2 })],
      ['Key spec', select('KeySpec', KEY_SPECS, 'Aliyun_AES_256')],
      ['Key usage', select('KeyUsage', KEY_USAGES, 'ENCRYPT/DECRYPT')],
      ['Protection level', select('ProtectionLevel', PROTECTION, 'SOFTWARE')],
      ['Automatic rotation', h('input', { type: 'checkbox', name: 'EnableAutomaticRotation' })],
      ['Rotation interval', input('RotationInterval', { placeholder: '30d' }), 'From 7d to 730d; used with automatic rotation.'],
    ],
    'Create key',
    async (v) => {
      if (v.EnableAutomaticRotation !== 'true') delete v.RotationInterval
      const out = await call('kms', 'CreateKey', v)
      notify(`Created key ${out.KeyMetadata.KeyId}.`)
      location.hash = hashRoute('keys', out.KeyMetadata.KeyId)
    },
    { 'aria-label': 'Create a key' },
  )

  main.append(heading('Keys'), filters, results, create)
  await run(null, load)
}

export async function keyView(main, keyId) {
  main.append(heading(`Key ${keyId}`), h('p', link('#/keys', '← All keys')))
  const body = h('div')
  main.append(body)
  const reload = async () => {
    const { KeyMetadata: meta } = await call('kms', 'DescribeKey', { KeyId: keyId })
    body.replaceChildren(...(await keySections(meta, reload)))
  }
  await run(null, reload)
}

async function keySections(meta, reload) {
  const keyId = meta.KeyId
  const [versions, aliases, tags, policy] = await Promise.all([
    call('kms', 'ListKeyVersions', { KeyId: keyId, PageSize: 100 }).catch((e) => e),
    call('kms', 'ListAliasesByKeyId', { KeyId: keyId, PageSize: 100 }).catch((e) => e),
    call('kms', 'ListResourceTags', { KeyId: keyId }).catch((e) => e),
    call('kms', 'GetKeyPolicy', { KeyId: keyId }).catch((e) => e),
  ])
  const failed = (r) => (r instanceof Error ? h('p.error', `${r.code ?? 'Error'}: ${r.message}`) : null)
  const after = (message) => async () => {
    notify(message)
    await reload()
  }

  const lifecycle = []
  if (meta.KeyState === 'Enabled') {
    lifecycle.push(button('Disable key', async () => {
      await call('kms', 'DisableKey', { KeyId: keyId })
      await after('Key disabled.')()
    }))
  }
  if (meta.KeyState === 'Disabled') {
    lifecycle.push(button('Enable key', async () => {
      await call('kms', 'EnableKey', { KeyId: keyId })
      await after('Key enabled.')()
    }))
  }
  if (meta.KeyState === 'PendingDeletion') {
    lifecycle.push(button('Cancel deletion', async () => {
      await call('kms', 'CancelKeyDeletion', { KeyId: keyId })
      await after('Deletion cancelled.')()
    }))
  } else {
    lifecycle.push(
      form('Schedule deletion', [['Pending window (days)', input('PendingWindowInDays', { type: 'number', min: 7, max: 366, value: 30 })]], 'Schedule deletion', async (v) => {
        await call('kms', 'ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: v.PendingWindowInDays })
        await after('Deletion scheduled.')()
      }),
    )
  }
  lifecycle.push(
    form('Description', [['Description', textarea('Description', { rows: 2, value: meta.Description ?? '' })]], 'Update description', async (v) => {
      await call('kms', 'UpdateKeyDescription', { KeyId: keyId, Description: v.Description })
      await after('Description updated.')()
    }),
  )
  // The textarea's value attribute is not its content: set the text through the DOM.
  lifecycle.at(-1).querySelector('textarea').value = meta.Description ?? ''

  const rotation = [
    dl(meta, ['AutomaticRotation', 'RotationInterval', 'NextRotationDate', 'LastRotationDate', 'PrimaryKeyVersion']),
    form(
      'Rotation policy',
      [
        ['Automatic rotation', h('input', { type: 'checkbox', name: 'EnableAutomaticRotation', checked: meta.AutomaticRotation === 'Enabled' })],
        ['Rotation interval', input('RotationInterval', { value: meta.RotationInterval ?? '', placeholder: '30d' })],
      ],
      'Update rotation policy',
      async (v) => {
        if (v.EnableAutomaticRotation !== 'true') delete v.RotationInterval
        await call('kms', 'UpdateRotationPolicy', { KeyId: keyId, ...v })
        await after('Rotation policy updated.')()
      },
    ),
    meta.KeySpec === 'Aliyun_AES_256'
      ? h('p', 'A symmetric key gets new versions from its rotation policy (the scheduled job); CreateKeyVersion is for asymmetric keys.')
      : button('Rotate now (create key version)', async () => {
          const out = await call('kms', 'CreateKeyVersion', { KeyId: keyId })
          await after(`Created key version ${out.KeyVersion.KeyVersionId}.`)()
        }),
  ]

  const aliasRows = aliases instanceof Error ? [] : list(aliases.Aliases?.Alias)
  const tagRows = tags instanceof Error ? [] : list(tags.Tags?.Tag)
  const sections = [
    section('Metadata', dl(meta)),
    section('Lifecycle', lifecycle),
    section('Rotation', rotation),
    section(
      'Versions',
      failed(versions) ??
        table('Key versions', [
          { label: 'Version ID', cell: (v) => v.KeyVersionId },
          { label: 'Created', cell: (v) => v.CreationDate },
          { label: 'Primary', cell: (v) => (v.KeyVersionId === meta.PrimaryKeyVersion ? 'yes' : '') },
        ], list(versions.KeyVersions?.KeyVersion)),
    ),
    section(
      'Aliases',
      failed(aliases) ??
        table('Aliases', [
          { label: 'Alias', cell: (a) => a.AliasName },
          { label: 'ARN', cell: (a) => a.AliasArn ?? '' },
          { label: 'Action', cell: (a) => button(`Delete alias ${a.AliasName}`, async () => {
            await call('kms', 'DeleteAlias', { AliasName: a.AliasName })
            await after('Alias deleted.')()
          }) },
        ], aliasRows),
      form('Add an alias', [['Alias name', input('AliasName', { placeholder: 'alias/my-app' })]], 'Create alias', async (v) => {
        await call('kms', 'CreateAlias', { KeyId: keyId, AliasName: v.AliasName })
        await after('Alias created.')()
      }),
    ),
    section(
      'Tags',
      failed(tags) ??
        table('Tags', [
          { label: 'Key', cell: (t) => t.TagKey },
          { label: 'Value', cell: (t) => t.TagValue },
          { label: 'Action', cell: (t) => button(`Remove tag ${t.TagKey}`, async () => {
            await call('kms', 'UntagResource', { KeyId: keyId, TagKeys: JSON.stringify([t.TagKey]) })
            await after('Tag removed.')()
          }) },
        ], tagRows),
      form('Add a tag', [['Tag key', input('TagKey')], ['Tag value', input('TagValue')]], 'Add tag', async (v) => {
        await call('kms', 'TagResource', { KeyId: keyId, Tags: JSON.stringify([{ TagKey: v.TagKey, TagValue: v.TagValue }]) })
        await after('Tag added.')()
      }),
    ),
    section('Key policy', failed(policy) ?? pre(prettyPolicy(policy.Policy)), policyForm(keyId, policy, after)),
  ]
  if (meta.KeyUsage === 'ENCRYPT/DECRYPT' && meta.KeySpec === 'Aliyun_AES_256') sections.push(section('Try Encrypt / Decrypt', cryptoForms(meta)))
  return sections
}

function prettyPolicy(text) {
  if (typeof text !== 'string') return JSON.stringify(text ?? {}, null, 2)
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}

function policyForm(keyId, policy, after) {
  const area = textarea('Policy', { rows: 8 })
  area.value = policy instanceof Error ? '' : prettyPolicy(policy.Policy)
  return form('Set the key policy', [['Policy document (JSON)', area]], 'Set key policy', async (v) => {
    await call('kms', 'SetKeyPolicy', { KeyId: keyId, PolicyName: 'default', Policy: v.Policy })
    await after('Key policy set.')()
  })
}

function cryptoForms(meta) {
  const ciphertext = h('output', { 'aria-live': 'polite', 'data-testid': 'ciphertext' })
  const plaintext = h('output', { 'aria-live': 'polite', 'data-testid': 'plaintext' })
  const context = (text) => (text.trim() ? JSON.stringify(JSON.parse(text)) : undefined)
  return [
    form(
      'Encrypt',
      [
        ['Plaintext (UTF-8 text)', textarea('Plaintext', { rows: 2 })],
        ['Encryption context (JSON, optional)', input('EncryptionContext', { placeholder: '{"app":"demo"}' })],
      ],
      'Encrypt',
      async (v) => {
        const out = await call('kms', 'Encrypt', { KeyId: meta.KeyId, Plaintext: utf8ToBase64(v.Plaintext), EncryptionContext: context(v.EncryptionContext) })
        ciphertext.textContent = out.CiphertextBlob
        notify(`Encrypted under version ${out.KeyVersionId}.`)
      },
    ),
    h('div.result', h('span', 'Ciphertext blob: '), ciphertext),
    form(
      'Decrypt',
      [
        ['Ciphertext blob', textarea('CiphertextBlob', { rows: 3 })],
        ['Encryption context (JSON, optional)', input('EncryptionContext')],
      ],
      'Decrypt',
      async (v) => {
        const out = await call('kms', 'Decrypt', { CiphertextBlob: v.CiphertextBlob.trim(), EncryptionContext: context(v.EncryptionContext) })
        plaintext.textContent = base64ToUtf8(out.Plaintext)
        notify(`Decrypted with key ${out.KeyId}.`)
      },
    ),
    h('div.result', h('span', 'Plaintext: '), plaintext),
  ]
}
