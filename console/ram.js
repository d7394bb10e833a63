// RAM (2015-05-01): users, their AccessKeys and policies; custom policies by name.
import { call } from './api.js'
import { dl, h, select, table } from './dom.js'
import { button, form, hashRoute, heading, input, link, list, notify, pre, run, section, textarea } from './ui.js'

const EXAMPLE_POLICY = JSON.stringify(
  { Version: '1', Statement: [{ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: ['*'] }] },
  null,
  2,
)

export async function ramView(main) {
  const users = h('div', { 'aria-live': 'polite' })
  const markers = [undefined]
  let index = 0
  async function load() {
    const out = await call('ram', 'ListUsers', { MaxItems: 20, Marker: markers[index] })
    if (out.IsTruncated && out.Marker) markers[index + 1] = out.Marker
    users.replaceChildren(
      table('Users', [
        { label: 'User name', cell: (u) => link(hashRoute('ram', 'users', u.UserName), u.UserName) },
        { label: 'Display name', cell: (u) => u.DisplayName ?? '' },
        { label: 'Comments', cell: (u) => u.Comments ?? '' },
        { label: 'Created', cell: (u) => u.CreateDate ?? '' },
      ], list(out.Users?.User), 'No RAM users yet.'),
      h(
        'nav.pager',
        { 'aria-label': 'User pages' },
        button('Previous page', async () => {
          index -= 1
          await load()
        }, { disabled: index === 0 }),
        button('Next page', async () => {
          index += 1
          await load()
        }, { disabled: !out.IsTruncated }),
      ),
    )
  }
  const createUser = form(
    'Create a user',
    [['User name', input('UserName')], ['Display name', input('DisplayName')], ['Comments', input('Comments')]],
    'Create user',
    async (v) => {
      const out = await call('ram', 'CreateUser', v)
      notify(`Created user ${out.User.UserName}.`)
      location.hash = hashRoute('ram', 'users', out.User.UserName)
    },
  )
  const policyOut = h('div', { 'aria-live': 'polite' })
  const doc = textarea('PolicyDocument', { rows: 8 })
  doc.value = EXAMPLE_POLICY
  const createPolicy = form(
    'Create a custom policy',
    [['Policy name', input('PolicyName')], ['Description', input('Description')], ['Policy document (JSON)', doc]],
    'Create policy',
    async (v) => {
      const out = await call('ram', 'CreatePolicy', v)
      notify(`Created policy ${out.Policy.PolicyName}.`)
    },
  )
  const lookup = form(
    'Look up a policy',
    [['Policy name', input('PolicyName')], ['Policy type', select('PolicyType', ['Custom', 'System'], 'Custom')]],
    'Get policy',
    async (v) => {
      const out = await call('ram', 'GetPolicy', v)
      policyOut.replaceChildren(
        dl(out.Policy, ['PolicyName', 'PolicyType', 'Description', 'DefaultVersion', 'CreateDate', 'UpdateDate', 'AttachmentCount']),
        pre(prettyJson(out.Policy.PolicyDocument)),
        out.Policy.PolicyType === 'Custom'
          ? button(`Delete policy ${out.Policy.PolicyName}`, async () => {
              await call('ram', 'DeletePolicy', { PolicyName: out.Policy.PolicyName })
              policyOut.replaceChildren()
              notify('Policy deleted.')
            })
          : null,
      )
    },
  )
  main.append(
    heading('RAM'),
    section('Users', users, createUser),
    section(
      'Policies',
      h('p', 'This service has no ListPolicies action: look a policy up by name, or open a user to see the policies attached to it.'),
      lookup,
      policyOut,
      createPolicy,
    ),
  )
  await run(null, load)
}

function prettyJson(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return String(text ?? '')
  }
}

export async function ramUserView(main, userName) {
  main.append(heading(`RAM user ${userName}`), h('p', link('#/ram', '← All users')))
  const body = h('div')
  const created = h('div', { 'aria-live': 'polite' })
  main.append(created, body)
  const reload = async () => {
    const [user, keys, policies] = await Promise.all([
      call('ram', 'GetUser', { UserName: userName }),
      call('ram', 'ListAccessKeys', { UserName: userName }),
      call('ram', 'ListPoliciesForUser', { UserName: userName }),
    ])
    const after = (message) => async () => {
      notify(message)
      await reload()
    }
    body.replaceChildren(
      section('Profile', dl(user.User), button(`Delete user ${userName}`, async () => {
        await call('ram', 'DeleteUser', { UserName: userName })
        notify(`Deleted user ${userName}.`)
        location.hash = '#/ram'
      })),
      section(
        'AccessKeys',
        table('AccessKeys', [
          { label: 'AccessKey ID', cell: (k) => k.AccessKeyId },
          { label: 'Status', cell: (k) => k.Status },
          { label: 'Created', cell: (k) => k.CreateDate ?? '' },
          {
            label: 'Actions',
            cell: (k) => [
              button(k.Status === 'Active' ? `Deactivate ${k.AccessKeyId}` : `Activate ${k.AccessKeyId}`, async () => {
                await call('ram', 'UpdateAccessKey', { UserName: userName, UserAccessKeyId: k.AccessKeyId, Status: k.Status === 'Active' ? 'Inactive' : 'Active' })
                await after('AccessKey updated.')()
              }),
              ' ',
              button(`Delete ${k.AccessKeyId}`, async () => {
                await call('ram', 'DeleteAccessKey', { UserName: userName, UserAccessKeyId: k.AccessKeyId })
                await after('AccessKey deleted.')()
              }),
            ],
          },
        ], list(keys.AccessKeys?.AccessKey)),
        button('Create AccessKey', async () => {
          const out = await call('ram', 'CreateAccessKey', { UserName: userName })
          const secret = h('code.secret-value', '••••••••')
          const reveal = h('button', { type: 'button' }, 'Reveal secret')
          reveal.addEventListener('click', () => {
            secret.textContent = out.AccessKey.AccessKeySecret
            reveal.disabled = true
          })
          created.replaceChildren(
            h('div.notice', { role: 'region', 'aria-label': 'New AccessKey' },
              h('p', 'New AccessKey — the secret is shown only now; store it safely.'),
              dl({ AccessKeyId: out.AccessKey.AccessKeyId }), h('p', 'AccessKeySecret: ', secret, ' ', reveal)),
          )
          await after('AccessKey created.')()
        }),
      ),
      section(
        'Policies',
        table('Attached policies', [
          { label: 'Policy', cell: (p) => p.PolicyName },
          { label: 'Type', cell: (p) => p.PolicyType },
          { label: 'Attached', cell: (p) => p.AttachDate ?? '' },
          { label: 'Action', cell: (p) => button(`Detach ${p.PolicyName}`, async () => {
            await call('ram', 'DetachPolicyFromUser', { UserName: userName, PolicyName: p.PolicyName, PolicyType: p.PolicyType })
            await after('Policy detached.')()
          }) },
        ], list(policies.Policies?.Policy)),
        form('Attach a policy', [['Policy name', input('PolicyName')], ['Policy type', select('PolicyType', ['Custom', 'System'], 'Custom')]], 'Attach policy', async (v) => {
          await call('ram', 'AttachPolicyToUser', { UserName: userName, ...v })
          await after('Policy attached.')()
        }),
      ),
    )
  }
  await run(null, reload)
}
