// A real OpenID Provider for the tests: panva's oidc-provider (OpenID Certified) on loopback.
//
// Started by tests/sso/idp.py with one argument, a JSON file:
//   {"port": 0, "clients": [{client_id, client_secret, redirect_uris}],
//    "accounts": {"<login>": {sub, email, email_verified, given_name, family_name}}}
// It prints {"issuer": "http://127.0.0.1:<port>"} on its first line once it listens.
//
// Besides the provider itself it serves:
//  - /interaction/:uid  an accessible sign-in form (login name only; any password) that
//    grants the requested scopes without a consent page;
//  - /github/user, /github/user/emails  GitHub-shaped user endpoints (OAuth 2.0 without an
//    ID token) answered from the access token the provider issued;
//  - /__control/*  what the tests change: rotate the signing key, tamper with the next ID
//    token, replace the nonce of the next authorization request, shift the provider's clock.
import fs from 'node:fs';
import http from 'node:http';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { URL } from 'node:url';

import Provider from 'oidc-provider';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const accounts = config.accounts || {};
// The provider names an account by its subject (the `sub` claim); the form takes the login.
const bySubject = Object.fromEntries(Object.entries(accounts).map(([login, c]) => [c.sub || login, c]));
const control = { tamper: false, nonce: null, offset: 0 };

const realNow = Date.now.bind(Date);
Date.now = () => realNow() + control.offset * 1000;

function newKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };
}

let keys = [newKey()];
let provider;
let issuer;

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>`
    + `<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

function build() {
  const instance = new Provider(issuer, {
    clients: config.clients.map((c) => ({
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      ...c,
    })),
    jwks: { keys },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['given_name', 'family_name', 'name'] },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, id) {
      const claims = bySubject[id];
      if (!claims) return undefined;
      return { accountId: id, async claims() { return { ...claims, sub: id }; } };
    },
    async loadExistingGrant(ctx) {
      // No consent page: every client is granted what it asks for.
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope(ctx.oidc.params.scope || 'openid');
      grant.addOIDCClaims(['email', 'email_verified', 'given_name', 'family_name', 'name']);
      await grant.save();
      return grant;
    },
    ttl: { AuthorizationCode: 60, IdToken: 300, AccessToken: 300, Session: 3600, Interaction: 600, Grant: 3600 },
    conformIdTokenClaims: false,
    cookies: { keys: ['authflows-test-cookie-key'] },
  });
  instance.use(async (ctx, next) => {
    if (ctx.path === '/auth' && control.nonce !== null) {
      ctx.query = { ...ctx.query, nonce: control.nonce };
      control.nonce = null;
    }
    await next();
    if (ctx.path === '/token' && control.tamper && ctx.body && ctx.body.id_token) {
      const [head, payload, signature] = ctx.body.id_token.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      claims.email = 'mallory@example.com';
      const forged = Buffer.from(JSON.stringify(claims)).toString('base64url');
      ctx.body = { ...ctx.body, id_token: `${head}.${forged}.${signature}` };
      control.tamper = false;
    }
  });
  return instance;
}

function readBody(req) {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(data));
  });
}

async function interaction(req, res, url) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'POST') {
    const form = new URLSearchParams(await readBody(req));
    const login = form.get('login') || '';
    if (form.get('action') === 'cancel') {
      return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'cancelled' }, { mergeWithLastSubmission: false });
    }
    if (!accounts[login]) {
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(page('Sign in to the test provider', `<p role="alert">Unknown user.</p>${loginForm(url)}`));
    }
    const accountId = accounts[login].sub || login;
    return provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  return res.end(page('Sign in to the test provider', `<p>Client: ${escape(details.params.client_id)}</p>${loginForm(url)}`));
}

function loginForm(url) {
  return `<form method="post" action="${escape(url.pathname)}">`
    + '<p><label for="login">Username</label> <input id="login" name="login" autocomplete="username" required></p>'
    + '<p><label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password"></p>'
    + '<p><button type="submit" name="action" value="login">Sign in</button> '
    + '<button type="submit" name="action" value="cancel">Cancel</button></p></form>';
}

async function github(req, res, url) {
  const header = req.headers.authorization || '';
  const token = header.startsWith('Bearer ') ? await provider.AccessToken.find(header.slice(7)) : undefined;
  const claims = token && bySubject[token.accountId];
  res.setHeader('content-type', 'application/json');
  if (!claims) {
    res.writeHead(401);
    return res.end(JSON.stringify({ message: 'Bad credentials' }));
  }
  if (url.pathname.endsWith('/emails')) {
    return res.end(JSON.stringify([{ email: claims.email, primary: true, verified: !!claims.email_verified }]));
  }
  const name = [claims.given_name, claims.family_name].filter(Boolean).join(' ');
  return res.end(JSON.stringify({ id: Number(claims.github_id || 1), login: token.accountId, name, email: null }));
}

async function controlRequest(req, res, url) {
  const body = JSON.parse((await readBody(req)) || '{}');
  if (url.pathname === '/__control/rotate') {
    keys = [newKey()];
    provider = build();
  } else if (url.pathname === '/__control/tamper') {
    control.tamper = true;
  } else if (url.pathname === '/__control/nonce') {
    control.nonce = String(body.value);
  } else if (url.pathname === '/__control/clock') {
    control.offset = Number(body.offset || 0);
  }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ ok: true, kids: keys.map((k) => k.kid) }));
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, issuer);
  const handle = url.pathname.startsWith('/__control/') ? controlRequest(req, res, url)
    : url.pathname.startsWith('/interaction/') ? interaction(req, res, url)
      : url.pathname.startsWith('/github/') ? github(req, res, url)
        : provider.callback()(req, res);
  Promise.resolve(handle).catch((error) => {
    process.stderr.write(`${error.stack}\n`);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});

server.listen(config.port || 0, '127.0.0.1', () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  provider = build();
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
