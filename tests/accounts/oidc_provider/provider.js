// A real OpenID Connect provider for the single sign-on tests (panva/oidc-provider, pinned in
// package.json). It stands in for the prefecture's identity provider: one confidential client,
// the accounts below with their 工号 (employee_no) and the authentication methods (amr) each one
// "used", and a minimal sign-in page so that a browser or an HTTP client completes the flow
// without a person: GET /interaction/<uid> shows a form naming the accounts; POSTing
// `login=<account id>` to /interaction/<uid>/login signs that account in; consent is given at
// once (a first-party identity provider asks none).
//
// Test-only: plain http on 127.0.0.1, signing key and cookie keys made afresh at every start,
// and the client's redirect URI accepted on any port of 127.0.0.1 / localhost / testserver
// (the Django test client's host and the live server's random port). Never deploy this.
//
// Environment: PORT (required), CLIENT_ID, CLIENT_SECRET, CALLBACK_PATH.
import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';

import Provider from 'oidc-provider';

const port = Number.parseInt(process.env.PORT, 10);
if (!port) {
  console.error('PORT is required');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
const clientId = process.env.CLIENT_ID || 'fazhi-test';
const clientSecret = process.env.CLIENT_SECRET || 'fazhi-test-secret';
const callbackPath = process.env.CALLBACK_PATH || '/accounts/oidc/gov/login/callback/';
const callbackHosts = new Set(['127.0.0.1', 'localhost', 'testserver']);

// Account id (the `sub`) → what the identity provider knows of the person, and how they signed in there.
const ACCOUNTS = {
  'sub-learner': { name: '艾力·买买提', employee_no: 'S1001', email: 'aili@example.cn', amr: ['pwd'] },
  'sub-learner-otp': { name: '阿依古丽', employee_no: 'S1002', email: 'ayiguli@example.cn', amr: ['pwd', 'otp'] },
  'sub-stranger': { name: '外单位人员', employee_no: 'S9999', email: 'stranger@example.cn', amr: ['pwd'] },
  'sub-departed': { name: '已调离人员', employee_no: 'S1003', email: 'departed@example.cn', amr: ['pwd'] },
  'sub-trainer-pwd': { name: '王培训', employee_no: 'S2001', email: 'trainer@example.cn', amr: ['pwd'] },
  'sub-trainer-mfa': { name: '王培训', employee_no: 'S2001', email: 'trainer@example.cn', amr: ['pwd', 'mfa', 'otp'] },
  'sub-trainer-sms': { name: '王培训', employee_no: 'S2001', email: 'trainer@example.cn', amr: ['pwd', 'sms'] },
  'sub-no-number': { name: '没有工号的人', email: 'nonumber@example.cn', amr: ['pwd'] },
};

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-signing-key', use: 'sig', alg: 'RS256' };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [`http://testserver${callbackPath}`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  // The 工号 is released only with the `staff` scope, as a real provider releases its own claims;
  // `amr` (how the person signed in here, RFC 8176) goes into every ID token (scope `openid`).
  claims: {
    acr: null,
    auth_time: null,
    iss: null,
    sid: null,
    openid: ['sub', 'amr'],
    profile: ['name'],
    email: ['email', 'email_verified'],
    staff: ['employee_no'],
  },
  scopes: ['openid', 'profile', 'email', 'staff'],
  // Every authorization request must carry PKCE (allauth sends S256).
  pkce: { methods: ['S256'], required: () => true },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const account = ACCOUNTS[sub];
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims() {
        const claims = { sub, name: account.name, email: account.email, email_verified: true };
        if (account.employee_no) claims.employee_no = account.employee_no;
        return claims;
      },
    };
  },
});

// Redirect URIs: the registered callback path on any port of the test hosts (see the header).
const registeredRedirectUriAllowed = provider.Client.prototype.redirectUriAllowed;
provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value) {
  let parsed;
  try {
    parsed = new URL(value);
  } catch {
    return false;
  }
  if (parsed.protocol === 'http:' && callbackHosts.has(parsed.hostname) && parsed.pathname === callbackPath && !parsed.search) {
    return true;
  }
  return registeredRedirectUriAllowed.call(this, value);
};

provider.on('server_error', (ctx, error) => console.error('server_error', error));

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function loginPage(uid) {
  const options = Object.entries(ACCOUNTS)
    .map(([sub, a]) => `<option value="${escapeHtml(sub)}">${escapeHtml(sub)} ${escapeHtml(a.name)}</option>`)
    .join('');
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>测试身份认证</title></head>
<body><h1>测试身份认证平台</h1>
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label>账号 <select name="login">${options}</select></label>
<button type="submit">登录</button></form></body></html>`;
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) {
    res.statusCode = 400;
    res.end('interaction mismatch');
    return;
  }
  const { prompt, params, session } = details;
  if (prompt.name === 'login') {
    if (action === 'login' && req.method === 'POST') {
      const form = await readForm(req);
      const accountId = form.get('login');
      const account = ACCOUNTS[accountId];
      if (!account) {
        res.statusCode = 400;
        res.end('unknown account');
        return;
      }
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId, amr: account.amr, remember: false } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(loginPage(uid));
    return;
  }
  if (prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    if (prompt.details.missingResourceScopes) {
      for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes)) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }
  res.statusCode = 400;
  res.end(`unexpected prompt ${prompt.name}`);
}

const handleOidc = provider.callback();
const server = createServer((req, res) => {
  const match = /^\/interaction\/([^/?]+)(?:\/(login))?(?:\?.*)?$/.exec(req.url);
  if (!match) {
    handleOidc(req, res);
    return;
  }
  interaction(req, res, match[1], match[2]).catch((error) => {
    console.error(error);
    if (!res.headersSent) {
      res.statusCode = 400;
      res.end(`interaction failed: ${error.message}`);
    }
  });
});

server.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}
