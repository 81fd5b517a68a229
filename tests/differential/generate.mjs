#!/usr/bin/env node
// Differential IAM evaluation cases for bbscan.
//
//   node generate.mjs --count N --seed S > cases.jsonl
//
// Builds N random-but-realistic IAM scenarios (identity policies, permission
// boundary, SCPs, RCPs, resource policy, request context), asks the independent
// implementation @cloud-copilot/iam-simulate for its decision, and prints one
// JSON object per line. The schema is documented in README.md.
//
// Determinism: every case draws from its own PRNG seeded from (seed, id, attempt),
// so case `id` is the same for a given seed whatever --count is. No Math.random,
// no clock. Summary statistics go to stderr.

import { runSimulation, typeForContextKey } from '@cloud-copilot/iam-simulate'

// ---------------------------------------------------------------------------
// PRNG
// ---------------------------------------------------------------------------

function mix32(x) {
  x = x >>> 0
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b)
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35)
  return (x ^ (x >>> 16)) >>> 0
}

function mulberry32(a) {
  return function () {
    a = (a + 0x6d2b79f5) | 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

class Rng {
  constructor(seed, id, attempt) {
    const s = mix32(mix32(seed ^ 0x9e3779b9) ^ mix32(Math.imul(id + 1, 0x27d4eb2f)) ^ mix32(attempt * 0x165667b1 + 7))
    this.next = mulberry32(s)
  }
  float() {
    return this.next()
  }
  int(n) {
    return Math.floor(this.next() * n)
  }
  range(lo, hi) {
    return lo + this.int(hi - lo + 1)
  }
  chance(p) {
    return this.next() < p
  }
  pick(arr) {
    return arr[this.int(arr.length)]
  }
  // entries: [[weight, value], ...]
  weighted(entries) {
    let total = 0
    for (const [w] of entries) total += w
    let x = this.next() * total
    let last
    for (const [w, v] of entries) {
      if (w <= 0) continue
      last = v
      if ((x -= w) < 0) return v
    }
    return last
  }
  sample(arr, k) {
    const copy = arr.slice()
    const out = []
    while (out.length < k && copy.length > 0) out.push(copy.splice(this.int(copy.length), 1)[0])
    return out
  }
}

// ---------------------------------------------------------------------------
// The world
// ---------------------------------------------------------------------------

const ACCT = '111111111111' // the principal's account, always
const XACCT = '222222222222' // the resource account in cross-account cases
const OTHER_ACCT = '333333333333' // never a party to a request
const ORG_ID = 'o-exampleorg1'
const ORG_PATH = `${ORG_ID}/r-ab12/ou-ab12-11111111/`
const REGIONS = ['us-east-1', 'eu-west-1']

const PRINCIPALS = [
  { kind: 'user', name: 'alice', path: '', tags: { team: 'web', env: 'dev' }, uid: 'AIDAALICE0000000000001' },
  { kind: 'user', name: 'bob', path: '', tags: { team: 'data' }, uid: 'AIDABOB000000000000002' },
  { kind: 'user', name: 'dave', path: 'dev/', tags: {}, uid: 'AIDADAVE00000000000003' },
  { kind: 'role', name: 'app-x', path: '', tags: { team: 'web', env: 'prod' }, uid: 'AROAAPPX00000000000004', session: 'session' },
  { kind: 'role', name: 'deployer', path: 'ops/', tags: { team: 'ops' }, uid: 'AROADEPLOYER0000000005', session: 'ci-run-42' }
]

function principalArn(p) {
  return `arn:aws:iam::${ACCT}:${p.kind}/${p.path}${p.name}`
}
function sessionArn(p) {
  return p.kind === 'role' ? `arn:aws:sts::${ACCT}:assumed-role/${p.name}/${p.session}` : null
}

// resource type builders: (rng, account) -> { arn, region, parts }
const S3_BUCKETS = { [ACCT]: ['bucket-a', 'bucket-b', 'web-assets'], [XACCT]: ['partner-bucket', 'shared-data'] }
const S3_KEYS = ['key/1', 'key/2', 'Key/1', 'home/alice/notes.txt', 'home/bob/data.csv', 'home/dave/todo.md', 'public/index.html', 'reports/2024/q1.csv', 'web/app.js']

const RESOURCE_TYPES = {
  s3object(r, acct) {
    const bucket = r.pick(S3_BUCKETS[acct])
    const key = r.pick(S3_KEYS)
    return { arn: `arn:aws:s3:::${bucket}/${key}`, region: r.pick(REGIONS), bucket, key }
  },
  s3bucket(r, acct) {
    const bucket = r.pick(S3_BUCKETS[acct])
    return { arn: `arn:aws:s3:::${bucket}`, region: r.pick(REGIONS), bucket }
  },
  star(r) {
    return { arn: '*', region: r.pick(REGIONS) }
  },
  sqsqueue(r, acct) {
    const region = r.pick(REGIONS)
    const name = r.pick(['orders-queue', 'web-queue', 'data-queue', 'jobs'])
    return { arn: `arn:aws:sqs:${region}:${acct}:${name}`, region, name }
  },
  snstopic(r, acct) {
    const region = r.pick(REGIONS)
    const name = r.pick(['alerts', 'web-events', 'data-events'])
    return { arn: `arn:aws:sns:${region}:${acct}:${name}`, region, name }
  },
  ddbtable(r, acct) {
    const region = r.pick(REGIONS)
    const name = r.pick(['orders', 'web-sessions', 'data-catalog'])
    return { arn: `arn:aws:dynamodb:${region}:${acct}:table/${name}`, region, name, prefix: 'table/' }
  },
  secret(r, acct) {
    const region = r.pick(REGIONS)
    const name = r.pick(['db-password-AbCdEf', 'web/api-key-Q1w2E3', 'data/token-Zz9Yy8'])
    return { arn: `arn:aws:secretsmanager:${region}:${acct}:secret:${name}`, region, name, prefix: 'secret:' }
  },
  lambdafn(r, acct) {
    const region = r.pick(REGIONS)
    const name = r.pick(['web-handler', 'data-etl', 'worker'])
    return { arn: `arn:aws:lambda:${region}:${acct}:function:${name}`, region, name, prefix: 'function:' }
  },
  ec2instance(r, acct) {
    const region = r.pick(REGIONS)
    const name = r.pick(['i-0123456789abcdef0', 'i-0fedcba9876543210'])
    return { arn: `arn:aws:ec2:${region}:${acct}:instance/${name}`, region, name, prefix: 'instance/' }
  },
  iamuser(r, acct) {
    const name = r.pick(['alice', 'bob', 'dev/dave', 'carol'])
    return { arn: `arn:aws:iam::${acct}:user/${name}`, region: 'us-east-1', name, prefix: 'user/' }
  },
  iamrole(r, acct) {
    const name = r.pick(['app-x', 'ops/deployer', 'web-lambda'])
    return { arn: `arn:aws:iam::${acct}:role/${name}`, region: 'us-east-1', name, prefix: 'role/' }
  }
}

// service -> does it have resource-based policies (that we generate) / RCP support
const SERVICES = {
  s3: { rp: true, rcp: true },
  sqs: { rp: true, rcp: true },
  sns: { rp: true, rcp: false },
  dynamodb: { rp: true, rcp: false },
  secretsmanager: { rp: true, rcp: true },
  lambda: { rp: true, rcp: false },
  ec2: { rp: false, rcp: false },
  iam: { rp: false, rcp: false }
}

// [weight, action, resource type, tagging action?]
const ACTIONS = [
  [8, 's3:GetObject', 's3object'],
  [5, 's3:PutObject', 's3object', true],
  [3, 's3:DeleteObject', 's3object'],
  [2, 's3:GetObjectTagging', 's3object'],
  [2, 's3:PutObjectTagging', 's3object', true],
  [4, 's3:ListBucket', 's3bucket'],
  [2, 's3:GetBucketPolicy', 's3bucket'],
  [1, 's3:ListAllMyBuckets', 'star'],
  [4, 'sqs:SendMessage', 'sqsqueue'],
  [2, 'sqs:ReceiveMessage', 'sqsqueue'],
  [1, 'sqs:DeleteQueue', 'sqsqueue'],
  [2, 'sqs:TagQueue', 'sqsqueue', true],
  [3, 'sns:Publish', 'snstopic'],
  [1, 'sns:Subscribe', 'snstopic'],
  [3, 'dynamodb:GetItem', 'ddbtable'],
  [2, 'dynamodb:PutItem', 'ddbtable'],
  [2, 'dynamodb:Query', 'ddbtable'],
  [1, 'dynamodb:DeleteTable', 'ddbtable'],
  [3, 'secretsmanager:GetSecretValue', 'secret'],
  [1, 'secretsmanager:PutSecretValue', 'secret'],
  [1, 'secretsmanager:TagResource', 'secret', true],
  [3, 'lambda:InvokeFunction', 'lambdafn'],
  [1, 'lambda:GetFunction', 'lambdafn'],
  [1, 'lambda:UpdateFunctionCode', 'lambdafn'],
  [3, 'ec2:TerminateInstances', 'ec2instance'],
  [2, 'ec2:StartInstances', 'ec2instance'],
  [1, 'ec2:DescribeInstances', 'star'],
  [3, 'iam:PutUserPolicy', 'iamuser'],
  [2, 'iam:GetUser', 'iamuser'],
  [2, 'iam:CreateAccessKey', 'iamuser'],
  [1, 'iam:TagUser', 'iamuser', true],
  [2, 'iam:PutRolePolicy', 'iamrole'],
  [2, 'iam:PassRole', 'iamrole'],
  [1, 'iam:GetRole', 'iamrole'],
  [1, 'iam:TagRole', 'iamrole', true]
]
const ACTION_NAMES = ACTIONS.map((a) => a[1])

// other real actions per service, used for near misses
const OTHER_ACTIONS = {
  s3: ['s3:GetObjectAcl', 's3:PutObjectAcl', 's3:ListBucketVersions', 's3:GetBucketLocation', 's3:DeleteBucket'],
  sqs: ['sqs:GetQueueAttributes', 'sqs:PurgeQueue', 'sqs:ListQueues'],
  sns: ['sns:CreateTopic', 'sns:DeleteTopic', 'sns:GetTopicAttributes'],
  dynamodb: ['dynamodb:Scan', 'dynamodb:UpdateItem', 'dynamodb:BatchGetItem'],
  secretsmanager: ['secretsmanager:DescribeSecret', 'secretsmanager:ListSecrets', 'secretsmanager:RotateSecret'],
  lambda: ['lambda:DeleteFunction', 'lambda:ListFunctions', 'lambda:InvokeAsync'],
  ec2: ['ec2:RunInstances', 'ec2:RebootInstances', 'ec2:DescribeVolumes', 'ec2:CreateTags'],
  iam: ['iam:DeleteUser', 'iam:ListUsers', 'iam:AttachUserPolicy', 'iam:UpdateAssumeRolePolicy']
}

// ---------------------------------------------------------------------------
// Time helpers (no Date)
// ---------------------------------------------------------------------------

function civilFromDays(z) {
  z += 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp < 10 ? mp + 3 : mp - 9
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d]
}
const pad = (n, w = 2) => String(n).padStart(w, '0')
function isoSeconds(epoch) {
  const days = Math.floor(epoch / 86400)
  const rem = epoch - days * 86400
  const [y, m, d] = civilFromDays(days)
  return `${y}-${pad(m)}-${pad(d)}T${pad(Math.floor(rem / 3600))}:${pad(Math.floor((rem % 3600) / 60))}:${pad(rem % 60)}Z`
}
function isoDate(epoch) {
  return isoSeconds(epoch).slice(0, 10)
}

// ---------------------------------------------------------------------------
// Context keys. Type is verified against iam-simulate's own key table at start.
// ---------------------------------------------------------------------------

const KEY_TYPES = {
  'aws:PrincipalArn': 'ARN',
  'aws:PrincipalAccount': 'String',
  'aws:PrincipalType': 'String',
  'aws:userid': 'String',
  'aws:username': 'String',
  'aws:PrincipalTag/team': 'String',
  'aws:PrincipalTag/env': 'String',
  'aws:PrincipalOrgID': 'String',
  'aws:PrincipalOrgPaths': 'ArrayOfString',
  'aws:ResourceAccount': 'String',
  'aws:CurrentTime': 'Date',
  'aws:EpochTime': 'Date',
  'aws:TokenIssueTime': 'Date',
  'aws:SecureTransport': 'Bool',
  'aws:MultiFactorAuthPresent': 'Bool',
  'aws:MultiFactorAuthAge': 'Numeric',
  'aws:ViaAWSService': 'Bool',
  'aws:PrincipalIsAWSService': 'Bool',
  'aws:CalledVia': 'ArrayOfString',
  'aws:SourceIp': 'IPAddress',
  'aws:RequestedRegion': 'String',
  'aws:SourceVpce': 'String',
  'aws:SourceVpc': 'String',
  'aws:UserAgent': 'String',
  'aws:SourceArn': 'ARN',
  'aws:RequestTag/env': 'String',
  'aws:RequestTag/team': 'String',
  'aws:RequestTag/owner': 'String',
  'aws:RequestTag/blob': 'String',
  'aws:TagKeys': 'ArrayOfString',
  'aws:ResourceTag/env': 'String',
  'aws:ResourceTag/team': 'String',
  's3:prefix': 'String',
  's3:max-keys': 'Numeric'
}
const isMulti = (key) => KEY_TYPES[key] === 'ArrayOfString'

const V4_ADDRS = ['10.1.2.3', '10.20.30.40', '192.0.2.10', '203.0.113.77', '198.51.100.5']
const V6_ADDRS = ['2001:db8::1', '2001:db8:abcd:12::5', '2600:1f18:24e6:8a00::9']
const V4_CIDRS = ['10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24', '10.1.2.3/32', '10.20.0.0/16', '192.0.2.0/24', '203.0.113.0/24', '198.51.100.0/25', '172.16.0.0/12', '128.0.0.0/1']
const V4_SINGLE = ['10.1.2.3', '203.0.113.77', '192.0.2.99']
const V6_CIDRS = ['2001:db8::/32', '2001:db8:abcd::/48', '2001:db8:abcd:12::/64', '2001:db8:ffff::/48', '2600:1f18::/32', '::/0']
const AGENTS = ['aws-cli/2.15.0 Python/3.11.6 Linux/6.1', 'Boto3/1.34.10 md/Botocore#1.34.10 Python/3.12', 'aws-sdk-go-v2/1.24.0 os/linux']
const BLOBS = ['QmluYXJ5VmFsdWU=', 'aGVsbG8gd29ybGQ=', 'AAECAwQ=']
const CALLED_VIA = ['cloudformation.amazonaws.com', 'athena.amazonaws.com', 'dynamodb.amazonaws.com']
const TAG_VALUES = { env: ['dev', 'prod', 'test'], team: ['web', 'data', 'ops'], owner: ['alice', 'bob', 'platform'] }

function buildContext(r, sc) {
  const p = sc.p
  const ctx = {}
  ctx['aws:PrincipalArn'] = principalArn(p)
  ctx['aws:PrincipalAccount'] = ACCT
  ctx['aws:PrincipalType'] = p.kind === 'user' ? 'User' : 'AssumedRole'
  ctx['aws:PrincipalIsAWSService'] = 'false'
  ctx['aws:userid'] = p.kind === 'user' ? p.uid : `${p.uid}:${p.session}`
  if (p.kind === 'user') ctx['aws:username'] = p.name
  for (const [k, v] of Object.entries(p.tags)) ctx[`aws:PrincipalTag/${k}`] = v
  if (sc.org) {
    ctx['aws:PrincipalOrgID'] = ORG_ID
    ctx['aws:PrincipalOrgPaths'] = [ORG_PATH]
  }
  if (r.chance(0.9)) ctx['aws:ResourceAccount'] = sc.resourceAccount
  const now = 1704067200 + r.int(400 * 86400) // 2024-01-01 + up to 400 days
  sc.now = now
  ctx['aws:CurrentTime'] = isoSeconds(now)
  ctx['aws:EpochTime'] = String(now)
  if (p.kind === 'role') ctx['aws:TokenIssueTime'] = isoSeconds(now - r.range(60, 7200))
  ctx['aws:SecureTransport'] = r.chance(0.8) ? 'true' : 'false'
  const mfa = r.weighted([[4, 'true'], [3, 'false'], [3, null]])
  if (mfa) ctx['aws:MultiFactorAuthPresent'] = mfa
  if (mfa === 'true') ctx['aws:MultiFactorAuthAge'] = String(r.pick([30, 600, 3599, 3600, 7200, 86400]))
  const viaService = r.chance(0.12)
  if (viaService) {
    ctx['aws:ViaAWSService'] = 'true'
    ctx['aws:CalledVia'] = r.sample(CALLED_VIA, r.range(1, 2))
  } else {
    ctx['aws:ViaAWSService'] = 'false'
    if (r.chance(0.9)) ctx['aws:SourceIp'] = r.chance(0.7) ? r.pick(V4_ADDRS) : r.pick(V6_ADDRS)
  }
  if (sc.resource.arn !== '*' || r.chance(0.5)) {
    if (r.chance(0.9)) ctx['aws:RequestedRegion'] = sc.resource.region
  }
  if (r.chance(0.3)) {
    ctx['aws:SourceVpce'] = r.pick(['vpce-1a2b3c4d', 'vpce-0f0f0f0f'])
    ctx['aws:SourceVpc'] = r.pick(['vpc-111aaa', 'vpc-222bbb'])
  }
  if (r.chance(0.7)) ctx['aws:UserAgent'] = r.pick(AGENTS)
  if (r.chance(0.15)) ctx['aws:SourceArn'] = r.pick([`arn:aws:sns:us-east-1:${ACCT}:alerts`, `arn:aws:cloudformation:us-east-1:${ACCT}:stack/web/1a2b`, `arn:aws:lambda:eu-west-1:${XACCT}:function:worker`])
  // Request tags: mostly for tagging/creating actions, but present elsewhere sometimes
  if (r.chance(sc.tagging ? 0.85 : 0.3)) {
    const keys = r.sample(['env', 'team', 'owner'], r.range(1, 3))
    for (const k of keys) ctx[`aws:RequestTag/${k}`] = r.chance(0.1) ? r.pick(TAG_VALUES[k]).toUpperCase() : r.pick(TAG_VALUES[k])
    ctx['aws:TagKeys'] = keys
  }
  if (r.chance(0.08)) ctx['aws:RequestTag/blob'] = r.pick(BLOBS)
  if (!sc.action.startsWith('s3:') && sc.resource.arn !== '*' && r.chance(0.6)) {
    ctx['aws:ResourceTag/env'] = r.pick(TAG_VALUES.env)
    if (r.chance(0.7)) ctx['aws:ResourceTag/team'] = r.pick(TAG_VALUES.team)
  }
  if (sc.action === 's3:ListBucket') {
    if (r.chance(0.75)) ctx['s3:prefix'] = r.pick(['home/alice/', 'home/bob/reports/', 'home/dave/', 'public/', 'key/'])
    if (r.chance(0.5)) ctx['s3:max-keys'] = r.pick(['10', '100', '1000'])
  }
  return ctx
}

// ---------------------------------------------------------------------------
// Actions and resources in policies
// ---------------------------------------------------------------------------

function camelWords(s) {
  return s.match(/[A-Z][a-z0-9]*/g) || [s]
}
function mangleCase(r, s) {
  return r.pick([s.toLowerCase(), s.toUpperCase(), s[0].toLowerCase() + s.slice(1)])
}
function qmark(r, s, start = 0) {
  // replace one character at or after start with '?'
  if (s.length <= start) return s
  const i = start + r.int(s.length - start)
  if ('/:*?$'.includes(s[i])) return s
  return s.slice(0, i) + '?' + s.slice(i + 1)
}

// A pattern that (most likely) matches the request action.
function matchingActionPattern(r, action) {
  const [svc, name] = action.split(':')
  const words = camelWords(name)
  return r.weighted([
    [5, action],
    [2, `${mangleCase(r, svc)}:${mangleCase(r, name)}`],
    [3, `${svc}:${words[0]}*`],
    [2, `${svc}:*${words[words.length - 1]}`],
    [words.length > 2 ? 2 : 0, `${svc}:*${words[1]}*`],
    [3, `${svc}:*`],
    [2, '*'],
    [1, `${svc}:${qmark(r, name)}`],
    [1, `${svc}:${name.slice(0, Math.max(1, name.length - 3))}*`]
  ])
}
// A pattern that (most likely) does not match the request action.
function otherActionPattern(r, action) {
  const [svc] = action.split(':')
  const otherSvc = r.pick(Object.keys(SERVICES).filter((s) => s !== svc))
  return r.weighted([
    [3, r.pick(OTHER_ACTIONS[svc])],
    [2, r.pick(ACTION_NAMES.filter((a) => a.startsWith(svc + ':') && a !== action)) || r.pick(OTHER_ACTIONS[svc])],
    [2, `${otherSvc}:*`],
    [2, r.pick(ACTION_NAMES.filter((a) => !a.startsWith(svc + ':')))],
    [1, r.pick(['iam:Put*', 's3:*Object*', 's3:Get*', 'ec2:Describe*', 'sqs:Send*', 'dynamodb:*Item'])]
  ])
}

function buildActionElement(r, action, wantMatch) {
  const n = r.weighted([[6, 1], [3, 2], [1, 3]])
  const useNot = r.chance(0.15)
  const out = []
  // Action: matches if any pattern matches. NotAction: matches if none matches.
  const needMatching = useNot ? !wantMatch : wantMatch
  if (needMatching) out.push(matchingActionPattern(r, action))
  while (out.length < n) out.push(r.chance(useNot ? 0.1 : 0.25) && needMatching ? matchingActionPattern(r, action) : otherActionPattern(r, action))
  const uniq = [...new Set(r.sample(out, out.length))]
  const value = uniq.length === 1 && r.chance(0.6) ? uniq[0] : uniq
  return useNot ? { NotAction: value } : { Action: value }
}

const VARIABLES_FOR_RESOURCE = {
  s3object: (res) => [
    `arn:aws:s3:::${res.bucket}/home/\${aws:username}/*`,
    `arn:aws:s3:::${res.bucket}/\${aws:PrincipalTag/team}/*`,
    `arn:aws:s3:::${res.bucket}/home/\${aws:username, 'alice'}/*`,
    `arn:aws:s3:::${res.bucket}/home/\${aws:userid}/*`
  ],
  s3bucket: () => ['arn:aws:s3:::${aws:PrincipalTag/team}-assets', 'arn:aws:s3:::${aws:PrincipalTag/team, \'web\'}-assets'],
  // No variables for SQS/SNS: iam-simulate never matches a variable in a resource part
  // that has no "type/" or "type:" prefix (README, known simulator bugs).
  sqsqueue: () => [],
  snstopic: () => [],
  ddbtable: (res, acct) => [`arn:aws:dynamodb:*:${acct}:table/\${aws:PrincipalTag/team}-*`, `arn:aws:dynamodb:${res.region}:${acct}:table/\${aws:PrincipalTag/team}-sessions`],
  secret: (res, acct) => [`arn:aws:secretsmanager:*:${acct}:secret:\${aws:PrincipalTag/team}/*`],
  lambdafn: (res, acct) => [`arn:aws:lambda:*:${acct}:function:\${aws:PrincipalTag/team}-*`],
  ec2instance: () => [], // AWS allows variables only after the fifth colon
  iamuser: (res, acct) => [`arn:aws:iam::${acct}:user/\${aws:username}`, `arn:aws:iam::${acct}:user/*\${aws:username}`],
  iamrole: (res, acct) => [`arn:aws:iam::${acct}:role/\${aws:PrincipalTag/team}/*`],
  star: () => []
}

// Patterns likely to match the request resource (in policy-element terms)
function matchingResourcePatterns(r, sc, forResourcePolicy) {
  const res = sc.resource
  const arn = res.arn
  const acct = sc.resourceAccount
  if (arn === '*') return ['*']
  const cands = [[6, arn]]
  if (!(forResourcePolicy && sc.service === 's3')) cands.push([3, '*'])
  if (sc.rtype === 's3object') {
    const keyDir = res.key.includes('/') ? res.key.slice(0, res.key.lastIndexOf('/') + 1) : ''
    cands.push([4, `arn:aws:s3:::${res.bucket}/*`], [3, `arn:aws:s3:::${res.bucket}/${keyDir}*`], [2, `arn:aws:s3:::${qmark(r, res.bucket)}/${res.key}`], [2, `arn:aws:s3:::${res.bucket}/${qmark(r, res.key)}`])
    if (!forResourcePolicy) cands.push([1, 'arn:aws:s3:::*'], [1, 'arn:aws:s3:::*/*'])
  } else if (sc.rtype === 's3bucket') {
    cands.push([2, `arn:aws:s3:::${qmark(r, res.bucket)}`], [2, `arn:aws:s3:::${res.bucket.split('-')[0]}-*`])
    if (!forResourcePolicy) cands.push([1, 'arn:aws:s3:::*'])
  } else {
    const [, , svc, region, account] = arn.split(':')
    const rest = arn.split(':').slice(5).join(':')
    const prefix = res.prefix || ''
    const id = rest.slice(prefix.length)
    cands.push(
      [3, `arn:aws:${svc}:${region}:${account}:${prefix}*`],
      [2, `arn:aws:${svc}:*:${account}:${prefix}${id}`],
      [2, `arn:aws:${svc}:${region}:*:${prefix}${id}`],
      [2, `arn:aws:${svc}:*:*:${prefix}*`],
      [2, `arn:aws:${svc}:${region}:${account}:${prefix}${qmark(r, id)}`],
      [1, `arn:aws:${svc}:${region}:${account}:${prefix}${id.split(/[-/]/)[0]}*`]
    )
  }
  const vars = VARIABLES_FOR_RESOURCE[sc.rtype](res, acct)
  if (vars.length) cands.push([3, r.pick(vars)])
  return [r.weighted(cands)]
}

function otherResourcePattern(r, sc, forResourcePolicy) {
  const res = sc.resource
  const acct = sc.resourceAccount
  if (forResourcePolicy) {
    // must stay inside the resource's own namespace
    if (sc.rtype === 's3object') return r.pick([`arn:aws:s3:::${res.bucket}/private/*`, `arn:aws:s3:::${res.bucket}/${res.key}.bak`, `arn:aws:s3:::${res.bucket}/Home/*`, `arn:aws:s3:::${res.bucket}`])
    if (sc.rtype === 's3bucket') return r.pick([`arn:aws:s3:::${res.bucket}/*`, `arn:aws:s3:::${res.bucket}/logs/*`])
  }
  const other = acct === ACCT ? XACCT : ACCT
  return r.weighted([
    [3, RESOURCE_TYPES[sc.rtype === 'star' ? 'sqsqueue' : sc.rtype](r, acct).arn],
    [2, RESOURCE_TYPES[r.pick(['s3object', 'sqsqueue', 'ddbtable', 'iamuser', 'lambdafn'])](r, other).arn],
    [1, `arn:aws:s3:::${r.pick(S3_BUCKETS[acct])}/private/*`],
    [1, `arn:aws:iam::${OTHER_ACCT}:*`],
    [sc.rtype === 's3object' ? 2 : 0, sc.rtype === 's3object' ? `arn:aws:s3:::${res.bucket}/${res.key.replace(/^[a-z]/, (c) => c.toUpperCase())}` : null],
    [sc.rtype === 'iamuser' ? 2 : 0, `arn:aws:iam::${acct}:user/ALICE`]
  ])
}

function buildResourceElement(r, sc, wantMatch, forResourcePolicy = false) {
  const n = r.weighted([[7, 1], [3, 2], [1, 3]])
  const useNot = r.chance(0.12) && sc.resource.arn !== '*'
  const needMatching = useNot ? !wantMatch : wantMatch
  const out = []
  if (needMatching) out.push(...matchingResourcePatterns(r, sc, forResourcePolicy))
  while (out.length < n) {
    out.push(needMatching && !useNot && r.chance(0.2) ? matchingResourcePatterns(r, sc, forResourcePolicy)[0] : otherResourcePattern(r, sc, forResourcePolicy))
  }
  let uniq = [...new Set(r.sample(out, out.length))]
  if (useNot) uniq = uniq.filter((x) => x !== '*')
  if (uniq.length === 0) return { Resource: '*' }
  const value = uniq.length === 1 && r.chance(0.6) ? uniq[0] : uniq
  return useNot ? { NotResource: value } : { Resource: value }
}

// ---------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------

const STRING_OPS = ['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike']
const NUMERIC_OPS = ['NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals']
const DATE_OPS = ['DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals']
const ARN_OPS = ['ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike']

// Candidate values for string keys: [matching-ish, other]
function stringPool(key, sc) {
  const p = sc.p
  switch (key) {
    case 'aws:PrincipalAccount':
    case 'aws:ResourceAccount':
      return [ACCT, XACCT, OTHER_ACCT]
    case 'aws:PrincipalType':
      return ['User', 'AssumedRole', 'FederatedUser']
    case 'aws:userid':
      return [...PRINCIPALS.map((q) => (q.kind === 'user' ? q.uid : `${q.uid}:${q.session}`)), 'AROA*:*', 'AIDA*', '*:ci-run-*']
    case 'aws:username':
      return ['alice', 'bob', 'dave', 'carol', 'ALICE', 'al*', 'b?b']
    case 'aws:PrincipalTag/team':
    case 'aws:RequestTag/team':
    case 'aws:ResourceTag/team':
      return ['web', 'data', 'ops', 'WEB', 'd*', '${aws:PrincipalTag/team}']
    case 'aws:PrincipalTag/env':
    case 'aws:RequestTag/env':
    case 'aws:ResourceTag/env':
      return ['dev', 'prod', 'test', 'Prod', 'pro?', '*', '${aws:PrincipalTag/env}']
    case 'aws:RequestTag/owner':
      return ['alice', 'bob', 'platform', '${aws:username}', '${aws:userid}', 'a*']
    case 'aws:PrincipalOrgID':
      return [ORG_ID, 'o-otherorg22', 'o-exampleorg?']
    case 'aws:PrincipalOrgPaths':
      return [ORG_PATH, `${ORG_ID}/*`, `${ORG_ID}/r-ab12/ou-ab12-99999999/*`, 'o-otherorg22/*']
    case 'aws:CalledVia':
      return [...CALLED_VIA, '*.amazonaws.com', 'lambda.amazonaws.com']
    case 'aws:TagKeys':
      return ['env', 'team', 'owner', 'cost-center', 'Env', 't*']
    case 'aws:RequestedRegion':
      return ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'eu-*', 'us-*']
    case 'aws:SourceVpce':
      return ['vpce-1a2b3c4d', 'vpce-0f0f0f0f', 'vpce-9999', 'vpce-*']
    case 'aws:SourceVpc':
      return ['vpc-111aaa', 'vpc-222bbb', 'vpc-*']
    case 'aws:UserAgent':
      return ['*aws-cli*', 'Boto3*', '*', 'aws-sdk-go-v2/1.24.0 os/linux', 'console.amazonaws.com']
    case 's3:prefix':
      return ['home/${aws:username}/*', 'home/${aws:username}/', 'public/', 'public/*', 'home/*', 'key/', '']
    default:
      return ['x']
  }
}

function ctxValues(ctx, key) {
  const v = ctx[key]
  if (v === undefined) return []
  return Array.isArray(v) ? v : [v]
}

function likeify(r, v) {
  if (v.length < 2) return v + '*'
  return r.weighted([
    [2, v.slice(0, Math.max(1, v.length - 2)) + '*'],
    [1, '*' + v.slice(Math.ceil(v.length / 2))],
    [1, qmark(r, v)]
  ])
}

function stringValues(r, key, op, sc) {
  const ctxVals = ctxValues(sc.ctx, key)
  const pool = stringPool(key, sc).filter((v) => (op.includes('Like') ? true : !/[*?]/.test(v) || v.startsWith('${')))
  const n = r.weighted([[6, 1], [3, 2], [1, 3]])
  const vals = []
  for (let i = 0; i < n; i++) {
    if (ctxVals.length && r.chance(0.5)) {
      let v = r.pick(ctxVals)
      if (op.includes('IgnoreCase') && r.chance(0.5)) v = v.toUpperCase()
      if (op.includes('Like') && r.chance(0.5)) v = likeify(r, v)
      vals.push(v)
    } else {
      vals.push(r.pick(pool))
    }
  }
  return [...new Set(vals)]
}

function ipValues(r, sc) {
  const ip = sc.ctx['aws:SourceIp']
  const n = r.weighted([[5, 1], [3, 2], [2, 3]])
  const vals = []
  for (let i = 0; i < n; i++) {
    if (ip && ip.includes(':')) vals.push(r.chance(0.7) ? r.pick(V6_CIDRS) : r.pick(V4_CIDRS))
    else vals.push(r.weighted([[6, r.pick(V4_CIDRS)], [2, r.pick(V4_SINGLE)], [2, r.pick(V6_CIDRS)]]))
  }
  return [...new Set(vals)]
}

function numericValues(r, key, sc) {
  const cur = sc.ctx[key] !== undefined ? Number(sc.ctx[key]) : key === 's3:max-keys' ? 100 : 3600
  const n = r.weighted([[7, 1], [3, 2]])
  const vals = []
  for (let i = 0; i < n; i++) vals.push(String(r.pick([cur, cur, cur - 1, cur + 1, Math.floor(cur / 2) || 1, cur * 2, 3600, 100])))
  if (r.chance(0.05)) vals[0] = `${cur}.5`
  return [...new Set(vals)]
}

function dateValues(r, key, sc) {
  let cur = sc.now
  if (key === 'aws:TokenIssueTime' && sc.ctx[key]) cur = sc.now - 600
  const n = r.weighted([[8, 1], [2, 2]])
  const vals = []
  for (let i = 0; i < n; i++) {
    const delta = r.pick([0, 0, -1, 1, -3600, 3600, -86400 * 30, 86400 * 30, -86400 * 400, 86400 * 400])
    let t = cur + delta
    if (key === 'aws:CurrentTime' && delta === 0) t = sc.now
    if (key === 'aws:TokenIssueTime' && delta === 0 && sc.ctx[key]) {
      vals.push(sc.ctx[key])
      continue
    }
    if (key === 'aws:EpochTime') vals.push(String(t))
    else vals.push(r.chance(0.08) ? isoDate(t) : isoSeconds(t))
  }
  return [...new Set(vals)]
}

function arnValues(r, key, sc) {
  const n = r.weighted([[6, 1], [3, 2], [1, 3]])
  const vals = []
  const cur = sc.ctx[key]
  for (let i = 0; i < n; i++) {
    if (key === 'aws:PrincipalArn') {
      vals.push(
        r.weighted([
          [3, principalArn(sc.p)],
          [2, `arn:aws:iam::${ACCT}:${sc.p.kind}/*`],
          [2, principalArn(r.pick(PRINCIPALS))],
          [1, `arn:aws:iam::*:role/ops/*`],
          [1, `arn:aws:iam::${ACCT}:user/\${aws:username}`],
          [1, `arn:aws:iam::${ACCT}:role/\${aws:PrincipalTag/team}/*`],
          [1, `arn:aws:iam::${XACCT}:root`],
          [1, `arn:aws:iam::${ACCT}:role/app-?`]
        ])
      )
    } else {
      vals.push(
        r.weighted([
          [cur ? 3 : 0, cur],
          [2, `arn:aws:sns:*:${ACCT}:*`],
          [1, `arn:aws:cloudformation:us-east-1:${ACCT}:stack/*`],
          [1, `arn:aws:lambda:*:${XACCT}:function:*`],
          [1, `arn:aws:sns:us-east-1:${ACCT}:alerts`],
          [1, `arn:aws:sns:us-east-1:${ACCT}:\${aws:PrincipalTag/team}-*`]
        ])
      )
    }
  }
  return [...new Set(vals)]
}

// choose a key to condition on, weighted towards keys present in the request
function pickConditionKey(r, sc, forControlPolicy) {
  const present = Object.keys(sc.ctx).filter((k) => KEY_TYPES[k])
  const all = Object.keys(KEY_TYPES).filter((k) => !(forControlPolicy && k.startsWith('s3:')))
  return r.chance(0.7) ? r.pick(present) : r.pick(all)
}

function oneCondition(r, sc, forControlPolicy = false) {
  const key = pickConditionKey(r, sc, forControlPolicy)
  const type = KEY_TYPES[key]
  if (r.chance(0.08)) return { op: 'Null', key, values: [r.pick(['true', 'false'])] }
  const ifExists = r.chance(0.18)
  const sfx = ifExists ? 'IfExists' : ''
  switch (type) {
    case 'ArrayOfString': {
      const op = r.weighted([[4, 'StringEquals'], [4, 'StringLike'], [2, 'StringNotEquals'], [2, 'StringNotLike'], [1, 'StringEqualsIgnoreCase']])
      const setOp = r.chance(0.5) ? 'ForAnyValue' : 'ForAllValues'
      return { op: `${setOp}:${op}`, key, values: stringValues(r, key, op, sc) }
    }
    case 'String': {
      if (key === 'aws:RequestTag/blob' && r.chance(0.6)) {
        const cur = sc.ctx[key]
        const vals = [...new Set([cur && r.chance(0.6) ? cur : r.pick(BLOBS), ...(r.chance(0.3) ? [r.pick(BLOBS)] : [])])]
        return { op: `BinaryEquals${sfx}`, key, values: vals }
      }
      const op = r.pick(STRING_OPS)
      // set operators on single-valued keys: discouraged by AWS but accepted; treated as a one-element set
      if (!ifExists && r.chance(0.06)) return { op: `${r.pick(['ForAnyValue', 'ForAllValues'])}:${op}`, key, values: stringValues(r, key, op, sc), flag: 'set_operator_on_single_valued_key' }
      return { op: op + sfx, key, values: stringValues(r, key, op, sc) }
    }
    case 'Numeric':
      return { op: r.pick(NUMERIC_OPS) + sfx, key, values: numericValues(r, key, sc) }
    case 'Date':
      return { op: r.pick(DATE_OPS) + sfx, key, values: dateValues(r, key, sc) }
    case 'Bool': {
      const cur = sc.ctx[key]
      return { op: 'Bool' + sfx, key, values: [cur && r.chance(0.6) ? cur : r.pick(['true', 'false'])] }
    }
    case 'IPAddress':
      return { op: r.weighted([[3, 'IpAddress'], [2, 'NotIpAddress']]) + sfx, key, values: ipValues(r, sc) }
    case 'ARN':
      return { op: r.weighted([[2, 'ArnEquals'], [3, 'ArnLike'], [1, 'ArnNotEquals'], [2, 'ArnNotLike']]) + sfx, key, values: arnValues(r, key, sc) }
  }
  throw new Error('unhandled key type ' + type)
}

function mangleKeyCase(r, key) {
  // condition key names are case-insensitive; only touch the part before any '/'
  if (!r.chance(0.05)) return key
  const slash = key.indexOf('/')
  const head = slash === -1 ? key : key.slice(0, slash)
  const tail = slash === -1 ? '' : key.slice(slash)
  return r.pick([head.toLowerCase(), head.toUpperCase()]) + tail
}

function buildCondition(r, sc, flags, forControlPolicy = false) {
  const count = r.weighted([[6, 1], [3, 2], [1, 3]])
  const cond = {}
  const usedKeys = new Set()
  for (let i = 0; i < count; i++) {
    const c = oneCondition(r, sc, forControlPolicy)
    if (usedKeys.has(c.key.toLowerCase() + '|' + c.op)) continue
    usedKeys.add(c.key.toLowerCase() + '|' + c.op)
    if (c.flag) flags.add(c.flag)
    cond[c.op] = cond[c.op] || {}
    cond[c.op][mangleKeyCase(r, c.key)] = c.values.length === 1 && r.chance(0.6) ? c.values[0] : c.values
  }
  return cond
}

// ---------------------------------------------------------------------------
// Statements and policies
// ---------------------------------------------------------------------------

function statement(r, sc, { effect, relevant, condP = 0.4, sidIndex, flags, resourcePolicy = false, principal, controlPolicy = false, actionOverride }) {
  const st = {}
  if (sidIndex !== undefined && r.chance(0.4)) st.Sid = `S${sidIndex}`
  st.Effect = effect
  if (principal !== undefined) st.Principal = principal
  Object.assign(st, actionOverride || buildActionElement(r, sc.action, relevant || r.chance(0.15)))
  Object.assign(st, buildResourceElement(r, sc, relevant || r.chance(0.3), resourcePolicy))
  if (r.chance(condP)) st.Condition = buildCondition(r, sc, flags, controlPolicy)
  return st
}

const doc = (statements) => ({ Version: '2012-10-17', Statement: statements })

function identityPolicies(r, sc, target, flags) {
  const n = r.weighted([[1, 0], [5, 1], [3, 2], [1, 3]])
  const docs = []
  for (let i = 0; i < n; i++) {
    const m = r.weighted([[4, 1], [3, 2], [2, 3], [1, 4]])
    const sts = []
    for (let j = 0; j < m; j++) {
      const denyP = target === 'explicit_deny' ? 0.35 : 0.15
      const effect = r.chance(denyP) ? 'Deny' : 'Allow'
      const relevantP = effect === 'Allow' ? (target === 'implicit_deny' ? 0.45 : 0.8) : target === 'explicit_deny' ? 0.8 : 0.35
      sts.push(statement(r, sc, { effect, relevant: r.chance(relevantP), sidIndex: j, flags }))
    }
    docs.push(doc(sts))
  }
  return docs
}

function permissionBoundary(r, sc, target, flags) {
  if (!r.chance(0.3)) return null
  const sts = []
  const svc = sc.service
  const broad = r.weighted([
    [4, { Action: r.sample([`${svc}:*`, 's3:*', 'sqs:*', 'dynamodb:*', 'lambda:*'], r.range(1, 3)) }],
    [2, { Action: '*' }],
    [2, { NotAction: r.pick([['iam:*', 'organizations:*'], ['iam:*'], [`${svc}:Delete*`]]) }],
    [2, { Action: r.sample(['ec2:*', 'sns:*', 'secretsmanager:*', 'iam:Get*'], 2) }]
  ])
  sts.push(statement(r, sc, { effect: 'Allow', relevant: true, condP: 0.25, sidIndex: 0, flags, actionOverride: broad }))
  if (r.chance(0.35)) sts.push(statement(r, sc, { effect: r.chance(0.6) ? 'Deny' : 'Allow', relevant: r.chance(0.5), condP: 0.5, sidIndex: 1, flags }))
  return doc(sts)
}

const FULL_AWS_ACCESS = doc([{ Effect: 'Allow', Action: '*', Resource: '*' }])
const RCP_FULL_AWS_ACCESS = doc([{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }])

function scpGuardrail(r, sc, flags) {
  const svc = sc.service
  return r.weighted([
    [2, { Effect: 'Deny', NotAction: ['iam:*', 'organizations:*', 'sts:*'], Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': r.sample(REGIONS.concat(['ap-southeast-2']), r.range(1, 2)) } } }],
    [2, { Effect: 'Deny', Action: ['iam:*'], Resource: '*', Condition: { ArnNotLike: { 'aws:PrincipalArn': r.pick([`arn:aws:iam::*:role/ops/*`, `arn:aws:iam::${ACCT}:role/*`]) } } }],
    [1, { Effect: 'Deny', Action: [`${svc}:Delete*`, 's3:PutBucketPolicy'], Resource: '*' }],
    [2, { Effect: 'Deny', Action: '*', Resource: '*', Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } } }],
    [1, { Effect: 'Deny', Action: r.pick([`${svc}:*`, '*']), Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['cost-center', r.pick(['env', 'owner'])] } } }],
    [1, { Effect: 'Deny', Action: ['ec2:TerminateInstances', 'ec2:StartInstances', 'dynamodb:DeleteTable'], Resource: '*', Condition: { StringNotEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } } }],
    [1, { Effect: 'Deny', Action: '*', Resource: '*', Condition: { NotIpAddressIfExists: { 'aws:SourceIp': r.sample(V4_CIDRS.concat(V6_CIDRS), 2) }, BoolIfExists: { 'aws:ViaAWSService': 'false' } } }],
    [4, statement(r, sc, { effect: 'Deny', relevant: r.chance(0.6), condP: 0.6, flags, controlPolicy: true })]
  ])
}

function scps(r, sc, target, flags) {
  const levels = [[], [], []]
  for (let i = 0; i < 3; i++) {
    const x = r.float()
    if (x < 0.85) levels[i].push(FULL_AWS_ACCESS)
    else if (x < 0.93) {
      // allow-list SCP (no FullAWSAccess at this level)
      const services = r.sample(Object.keys(SERVICES), r.range(2, 5))
      levels[i].push(doc([{ Effect: 'Allow', Action: services.map((s) => `${s}:*`), Resource: '*' }]))
    } else {
      levels[i].push(doc([statement(r, sc, { effect: 'Allow', relevant: r.chance(0.7), condP: 0.5, flags, controlPolicy: true })]))
    }
  }
  const guardP = target === 'explicit_deny' ? 0.55 : 0.3
  if (r.chance(guardP)) levels[r.int(3)].push(doc([scpGuardrail(r, sc, flags)]))
  if (r.chance(0.1)) levels[r.int(3)].push(doc([scpGuardrail(r, sc, flags)]))
  return levels
}

function rcps(r, sc, target, flags) {
  // RCPFullAWSAccess is attached at every level (AWS does this by default).
  const levels = [[RCP_FULL_AWS_ACCESS], [RCP_FULL_AWS_ACCESS], [RCP_FULL_AWS_ACCESS]]
  const rcpServices = Object.keys(SERVICES).filter((s) => SERVICES[s].rcp)
  const svcAction = SERVICES[sc.service].rcp ? `${sc.service}:*` : r.pick(rcpServices) + ':*'
  const n = r.range(1, 2)
  for (let i = 0; i < n; i++) {
    const st = r.weighted([
      [3, { Effect: 'Deny', Principal: '*', Action: [svcAction], Resource: '*', Condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': ORG_ID }, BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' } } }],
      [2, { Effect: 'Deny', Principal: '*', Action: r.sample(rcpServices.map((s) => `${s}:*`), 2), Resource: '*', Condition: { BoolIfExists: { 'aws:SecureTransport': 'false' } } }],
      [1, { Effect: 'Deny', Principal: '*', Action: [svcAction], Resource: '*', Condition: { StringNotEquals: { 'aws:ResourceAccount': '${aws:PrincipalAccount}' } } }],
      [3, { Effect: 'Deny', Principal: '*', Action: [SERVICES[sc.service].rcp && r.chance(0.7) ? matchingActionPattern(r, sc.action) : svcAction].filter((a) => a !== '*'), ...buildResourceElement(r, sc, r.chance(0.6)), Condition: buildCondition(r, sc, flags, true) }]
    ])
    if (st.Action.length === 0) st.Action = [svcAction]
    // RCP resources must be full ARNs or "*"
    levels[r.int(3)].push(doc([st]))
  }
  return levels
}

function rpPrincipal(r, sc, wantMatch) {
  const p = sc.p
  const matching = [
    [4, { AWS: principalArn(p) }],
    [p.kind === 'role' ? 3 : 0, { AWS: sessionArn(p) }],
    [3, { AWS: `arn:aws:iam::${ACCT}:root` }],
    [1, { AWS: ACCT }],
    [2, '*'],
    [1, { AWS: '*' }]
  ]
  const other = [
    [3, { AWS: principalArn(r.pick(PRINCIPALS.filter((q) => q !== p))) }],
    [2, { AWS: `arn:aws:iam::${OTHER_ACCT}:root` }],
    [1, { AWS: `arn:aws:iam::${ACCT}:user/mallory` }],
    [1, { Service: 'lambda.amazonaws.com' }]
  ]
  const first = r.weighted(wantMatch ? matching : other)
  if (first === '*' || !r.chance(0.3)) return first
  const second = r.weighted(r.chance(0.5) ? matching : other)
  if (second === '*' || second.AWS === '*' || first.AWS === undefined || second.AWS === undefined) return first
  const list = [...new Set([first.AWS, second.AWS].flat())]
  return { AWS: list.length === 1 ? list[0] : list }
}

function resourcePolicy(r, sc, target, flags) {
  if (!SERVICES[sc.service].rp || sc.resource.arn === '*') return null
  const cross = sc.resourceAccount !== ACCT
  if (!r.chance(cross ? 0.85 : 0.45)) return null
  const m = r.weighted([[5, 1], [3, 2], [1, 3]])
  const sts = []
  for (let j = 0; j < m; j++) {
    const denyP = target === 'explicit_deny' ? 0.3 : 0.15
    const effect = r.chance(denyP) ? 'Deny' : 'Allow'
    const relevant = r.chance(effect === 'Allow' ? (target === 'implicit_deny' ? 0.5 : 0.85) : 0.6)
    sts.push(statement(r, sc, { effect, relevant, condP: 0.35, sidIndex: j, flags, resourcePolicy: true, principal: rpPrincipal(r, sc, relevant || r.chance(0.3)) }))
  }
  return doc(sts)
}

// ---------------------------------------------------------------------------
// Scenario
// ---------------------------------------------------------------------------

const TARGETS = ['allow', 'explicit_deny', 'implicit_deny']

function buildScenario(r, target) {
  const [, action, rtype, tagging] = r.weighted(ACTIONS.map((a) => [a[0], a]))
  const service = action.split(':')[0]
  const p = r.pick(PRINCIPALS)
  const cross = rtype !== 'star' && r.chance(SERVICES[service].rp ? 0.3 : 0.1)
  const resourceAccount = cross ? XACCT : ACCT
  const resource = RESOURCE_TYPES[rtype](r, resourceAccount)
  const sc = { p, action, service, rtype, tagging: !!tagging, resourceAccount, resource, org: r.chance(0.5) }
  sc.ctx = buildContext(r, sc)
  const flags = new Set()
  sc.identity = identityPolicies(r, sc, target, flags)
  sc.pb = permissionBoundary(r, sc, target, flags)
  sc.scps = sc.org ? scps(r, sc, target, flags) : null
  sc.rcps = sc.org && r.chance(0.4) ? rcps(r, sc, target, flags) : null
  sc.rp = resourcePolicy(r, sc, target, flags)
  sc.flags = flags
  return sc
}

const LEVEL_IDS = ['r-ab12', 'ou-ab12-11111111', null]

function toSimulation(sc) {
  const named = (docs, prefix) => docs.map((d, i) => ({ name: `${prefix}${i}`, policy: d }))
  const orgLevels = (levels, kind, stripDefault) =>
    levels.map((docs, i) => ({
      orgIdentifier: LEVEL_IDS[i] || sc.resourceAccount,
      policies: named(stripDefault ? docs.filter((d) => d !== RCP_FULL_AWS_ACCESS) : docs, `${kind}${i}-`)
    }))
  const sim = {
    request: {
      principal: sessionArn(sc.p) || principalArn(sc.p),
      action: sc.action,
      resource: { resource: sc.resource.arn, accountId: sc.resourceAccount },
      contextVariables: sc.ctx
    },
    identityPolicies: named(sc.identity, 'identity'),
    serviceControlPolicies: sc.scps ? orgLevels(sc.scps, 'scp', false) : [],
    // iam-simulate adds RCPFullAWSAccess to every level itself
    resourceControlPolicies: sc.rcps ? orgLevels(sc.rcps, 'rcp', true) : []
  }
  if (sc.scps) sim.serviceControlPolicies[2].orgIdentifier = ACCT
  if (sc.pb) sim.permissionBoundaryPolicies = [{ name: 'boundary', policy: sc.pb }]
  if (sc.rp) sim.resourcePolicy = sc.rp
  return sim
}

const OUTCOME = { Allowed: 'allow', ExplicitlyDenied: 'explicit_deny', ImplicitlyDenied: 'implicit_deny' }

function unresolvedVariables(sc, ctx) {
  const lower = new Set(Object.keys(ctx).map((k) => k.toLowerCase()))
  const text = JSON.stringify([sc.identity, sc.pb, sc.scps, sc.rcps, sc.rp])
  const out = new Set()
  for (const m of text.matchAll(/\$\{([^}]*)\}/g)) {
    const inner = m[1]
    if (inner === '*' || inner === '?' || inner === '$') continue
    if (inner.includes(',')) continue // has a default value
    const key = inner.trim().toLowerCase()
    if (!lower.has(key) || isMulti(Object.keys(KEY_TYPES).find((k) => k.toLowerCase() === key))) out.add(inner.trim())
  }
  return [...out].sort()
}

async function decide(sc) {
  const sim = toSimulation(sc)
  const res = await runSimulation(sim, { simulationMode: 'Strict' })
  if (res.resultType === 'error') return { error: res.errors }
  if (res.resultType !== 'single') return { error: { message: 'unexpected resultType ' + res.resultType } }
  const a = res.result.analysis
  const detail = {
    identity: a.identityAnalysis?.result ?? null,
    resource_policy: a.resourceAnalysis?.result ?? null,
    scp: sc.scps ? a.scpAnalysis?.result ?? null : null,
    rcp: sc.rcps ? a.rcpAnalysis?.result ?? null : null,
    boundary: a.permissionBoundaryAnalysis?.result ?? null,
    same_account: a.sameAccount
  }
  if (a.blockedBy?.length) detail.blocked_by = a.blockedBy
  const flags = []
  // Same-account allow that survives an implicit deny in the permission boundary
  // only because a resource-policy statement with Principal "*" matched (see README).
  if (res.overallResult === 'Allowed' && a.permissionBoundaryAnalysis?.result === 'ImplicitlyDenied') {
    const direct = (a.resourceAnalysis?.allowStatements || []).some(
      (s) => s.principalMatch === 'Match' && (s.explain.principals || []).some((e) => e.matches === 'Match' && e.principal !== '*')
    )
    if (!direct) flags.push('boundary_bypass_via_wildcard_principal')
  }
  return { expected: OUTCOME[res.overallResult], detail, flags, ignored: res.result.ignoredContextKeys || [] }
}

async function makeCase(seed, id, stats) {
  const target = TARGETS[id % 3]
  const maxAttempts = 60
  let last = null
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const r = new Rng(seed, id, attempt)
    const sc = buildScenario(r, target)
    stats.simulations++
    const d = await decide(sc)
    if (d.error) {
      stats.errors++
      if (stats.errorSamples.length < 5) stats.errorSamples.push({ id, attempt, action: sc.action, error: d.error })
      continue
    }
    last = { sc, d }
    if (d.expected === target) break
    stats.retries++
  }
  if (!last) throw new Error(`case ${id}: iam-simulate rejected every attempt; first errors: ${JSON.stringify(stats.errorSamples)}`)
  const { sc, d } = last
  // The context exactly as iam-simulate evaluated it: keys it ignores for this
  // action/resource type are dropped (it treats them as absent).
  const ctx = {}
  const ignored = new Set(d.ignored)
  for (const [k, v] of Object.entries(sc.ctx)) if (!ignored.has(k)) ctx[k] = v
  const unresolved = unresolvedVariables(sc, ctx)
  const flags = [...sc.flags, ...d.flags]
  if (unresolved.length) flags.push('unresolved_policy_variable')
  const detail = { ...d.detail }
  if (d.ignored.length) detail.ignored_context_keys = d.ignored
  if (unresolved.length) detail.unresolved_variables = unresolved
  if (flags.length) detail.flags = flags.sort()
  if (d.expected !== target) stats.missedTarget++
  return {
    id,
    principal: principalArn(sc.p),
    session_principal: sessionArn(sc.p),
    principal_tags: { ...sc.p.tags },
    action: sc.action,
    resource: sc.resource.arn,
    resource_account: sc.resourceAccount,
    context: ctx,
    identity_policies: sc.identity,
    permission_boundary: sc.pb,
    scps: sc.scps,
    rcps: sc.rcps,
    resource_policy: sc.rp,
    expected: d.expected,
    simulator_detail: detail
  }
}

// ---------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------

function parseArgs(argv) {
  const args = { count: 1000, seed: 1 }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`missing value for ${a}`)
      return argv[++i]
    }
    if (a === '--count') args.count = Number(next())
    else if (a === '--seed') args.seed = next()
    else if (a === '--start') args.start = Number(next())
    else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: node generate.mjs --count N --seed S [--start ID] > cases.jsonl\n')
      process.exit(0)
    } else throw new Error(`unknown argument ${a}`)
  }
  if (!Number.isInteger(args.count) || args.count < 0) throw new Error('--count must be a non-negative integer')
  // seeds: integers as given, anything else hashed
  const s = String(args.seed)
  if (/^\d+$/.test(s)) args.seed = Number(BigInt(s) % 4294967296n)
  else {
    let h = 2166136261
    for (const ch of s) h = Math.imul(h ^ ch.codePointAt(0), 16777619) >>> 0
    args.seed = h
  }
  args.start = Number.isInteger(args.start) ? args.start : 0
  return args
}

async function checkKeyTypes() {
  for (const [key, type] of Object.entries(KEY_TYPES)) {
    const actual = await typeForContextKey(key)
    if (actual !== type) throw new Error(`context key ${key}: expected type ${type}, iam-simulate says ${actual}`)
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2))
  await checkKeyTypes()
  const stats = { simulations: 0, errors: 0, retries: 0, missedTarget: 0, errorSamples: [] }
  const counts = { allow: 0, explicit_deny: 0, implicit_deny: 0 }
  const ops = new Map()
  const out = process.stdout
  let buf = ''
  for (let id = args.start; id < args.start + args.count; id++) {
    const c = await makeCase(args.seed, id, stats)
    counts[c.expected]++
    const text = JSON.stringify(c)
    for (const m of text.matchAll(/"((?:ForAnyValue:|ForAllValues:)?(?:String|Numeric|Date|Bool|Binary|IpAddress|NotIpAddress|Arn|Null)[A-Za-z]*)":\{/g)) {
      ops.set(m[1], (ops.get(m[1]) || 0) + 1)
    }
    buf += text + '\n'
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise((res) => out.once('drain', res))
      buf = ''
    }
  }
  if (buf) out.write(buf)
  const total = args.count || 1
  const pct = (n) => ((100 * n) / total).toFixed(1) + '%'
  process.stderr.write(
    `cases: ${args.count}  allow: ${counts.allow} (${pct(counts.allow)})  explicit_deny: ${counts.explicit_deny} (${pct(counts.explicit_deny)})  implicit_deny: ${counts.implicit_deny} (${pct(counts.implicit_deny)})\n` +
      `simulations run: ${stats.simulations}  rejected by iam-simulate validation: ${stats.errors}  cases that missed their target outcome: ${stats.missedTarget}\n` +
      `condition operators used: ${[...ops.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}=${v}`).join(' ')}\n`
  )
  if (stats.errorSamples.length) process.stderr.write(`first validation errors: ${JSON.stringify(stats.errorSamples)}\n`)
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + '\n')
  process.exit(1)
})
