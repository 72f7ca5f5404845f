// The test provider itself, checked over HTTP as the web app and a browser would use it:
// node --test tests/oidc/

import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';

const CLIENT_ID = 'web-app';
const CLIENT_SECRET = 'web-app-secret';
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const LOGOUT_URI = 'http://127.0.0.1:9/signed-out';
const AUDIENCE = 'movie-manager';

const ALL = [
  'get:actors', 'get:movies', 'post:actor', 'delete:actor',
  'patch:actor', 'patch:movie', 'post:movie', 'delete:movie', 'patch:session',
];
const EXPECTED = {
  assistant: ['get:actors', 'get:movies', 'patch:session'],
  director: ['get:actors', 'get:movies', 'post:actor', 'delete:actor', 'patch:actor', 'patch:movie', 'patch:session'],
  producer: ALL,
};

let child;
let issuer;
let discovery;

const b64url = (bytes) => Buffer.from(bytes).toString('base64url');
const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;

// A browser's part of the flow: follows nothing by itself, keeps the provider's cookies.
class Browser {
  cookies = new Map();

  async request(url, { method = 'GET', form } = {}) {
    const headers = { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
    let body;
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(form).toString();
    }
    const res = await fetch(new URL(url, issuer), { method, headers, body, redirect: 'manual' });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair, ...attributes] = cookie.split(';');
      const [name, value] = pair.split('=');
      const expired = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { res, text: await res.text(), location: res.headers.get('location') };
  }
}

function formAction(html, button) {
  const forms = [...html.matchAll(/<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/g)];
  const form = forms.find(([, , inner]) => inner.includes(`>${button}</button>`));
  assert.ok(form, `a form with the button ${button}`);
  return form[1].replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c)));
}

function hiddenInputs(html) {
  return Object.fromEntries(
    [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(([, n, v]) => [n, v]),
  );
}

function authorizationUrl(pkce, extra = {}) {
  const url = new URL(discovery.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: CLIENT_ID,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile email offline_access',
    state: 'state-1',
    nonce: 'nonce-1',
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    ...extra,
  }).toString();
  return url;
}

function newPkce() {
  const verifier = b64url(randomBytes(32));
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

// Login form, consent form, then the redirect back to the client with a code.
async function signIn(browser, account, extra = {}) {
  const pkce = newPkce();
  let step = await browser.request(authorizationUrl(pkce, extra));
  assert.equal(step.res.status, 303);
  step = await browser.request(step.location);
  assert.equal(step.res.status, 200);
  assert.match(step.text, /<label for="login">Username<\/label>/);
  assert.match(step.text, /<label for="password">Password<\/label>/);
  step = await browser.request(formAction(step.text, 'Sign in'), {
    method: 'POST', form: { login: account, password: 'anything' },
  });
  assert.equal(step.res.status, 303);
  step = await browser.request(step.location);
  step = await browser.request(step.location);
  assert.match(step.text, /<h1>Authorize web-app<\/h1>/);
  step = await browser.request(formAction(step.text, 'Continue'), { method: 'POST', form: {} });
  step = await browser.request(step.location);
  assert.equal(step.res.status, 303);
  const back = new URL(step.location);
  assert.equal(`${back.origin}${back.pathname}`, REDIRECT_URI);
  assert.equal(back.searchParams.get('state'), 'state-1');
  assert.equal(back.searchParams.get('iss'), issuer);
  return { code: back.searchParams.get('code'), pkce };
}

async function token(params, { auth = 'basic' } = {}) {
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  const body = new URLSearchParams(params);
  if (auth === 'basic') headers.authorization = basic;
  else { body.set('client_id', CLIENT_ID); body.set('client_secret', CLIENT_SECRET); }
  const res = await fetch(discovery.token_endpoint, { method: 'POST', headers, body });
  return { status: res.status, json: await res.json() };
}

async function verifiedJwt(jwt) {
  const [h, p, s] = jwt.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  const payload = JSON.parse(Buffer.from(p, 'base64url'));
  assert.equal(header.alg, 'RS256');
  assert.equal(typeof header.kid, 'string');
  const { keys } = await (await fetch(discovery.jwks_uri)).json();
  const jwk = keys.find((k) => k.kid === header.kid);
  assert.ok(jwk, 'the JWKS holds the key named by kid');
  assert.equal(jwk.d, undefined, 'the JWKS publishes no private part');
  const ok = verify('RSA-SHA256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'));
  assert.ok(ok, 'the signature verifies against the JWKS');
  return { header, payload };
}

function assertApiToken({ header, payload }, account) {
  assert.equal(header.typ, 'at+jwt');
  assert.equal(payload.iss, issuer);
  assert.equal(payload.aud, AUDIENCE);
  assert.equal(payload.sub, account);
  assert.ok(payload.exp > Date.now() / 1000);
  assert.deepEqual(payload.permissions, EXPECTED[account]);
}

before(async () => {
  child = spawn(process.execPath, [
    new URL('provider.mjs', import.meta.url).pathname,
    '--port', '0', '--client-id', CLIENT_ID, '--client-secret', CLIENT_SECRET,
    '--redirect-uri', REDIRECT_URI, '--post-logout-redirect-uri', LOGOUT_URI,
    '--audience', AUDIENCE, '--exit-with-stdin',
  ], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = await once(createInterface({ input: child.stdout }), 'line');
  assert.match(line, /^listening http:\/\/127\.0\.0\.1:\d+$/);
  issuer = line.slice('listening '.length);
  discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
});

after(async () => {
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, 'the provider exits cleanly on SIGTERM');
});

describe('the test OpenID provider', () => {
  test('discovery names the issuer, its endpoints and code with S256 only', () => {
    assert.equal(discovery.issuer, issuer);
    assert.equal(discovery.jwks_uri, `${issuer}/jwks`);
    assert.equal(discovery.end_session_endpoint, `${issuer}/session/end`);
    assert.deepEqual(discovery.response_types_supported, ['code']);
    assert.deepEqual(discovery.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(discovery.id_token_signing_alg_values_supported, ['RS256']);
  });

  for (const account of Object.keys(EXPECTED)) {
    test(`${account} signs in and gets an API token with the ${account} permissions`, async () => {
      const { code, pkce } = await signIn(new Browser(), account);
      const { status, json } = await token({
        grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: pkce.verifier,
      });
      assert.equal(status, 200, JSON.stringify(json));
      assertApiToken(await verifiedJwt(json.access_token), account);
      const id = await verifiedJwt(json.id_token);
      assert.equal(id.payload.aud, CLIENT_ID);
      assert.equal(id.payload.nonce, 'nonce-1');
      assert.equal(id.payload.email, `${account}@movie-manager.test`);
      assert.equal(typeof id.payload.name, 'string');
      assert.equal(typeof json.refresh_token, "string", JSON.stringify({ ...json, access_token: 0, id_token: 0 }));
    });
  }

  test('a refresh token with the secret in the body gives a new API token', async () => {
    const { code, pkce } = await signIn(new Browser(), 'director');
    const first = await token({
      grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: pkce.verifier,
    });
    const { status, json } = await token(
      { grant_type: 'refresh_token', refresh_token: first.json.refresh_token },
      { auth: 'post' },
    );
    assert.equal(status, 200, JSON.stringify(json));
    assertApiToken(await verifiedJwt(json.access_token), 'director');
  });

  test('the Auth0 audience parameter is accepted for the API and refused for another', async () => {
    const { code, pkce } = await signIn(new Browser(), 'assistant', { audience: AUDIENCE });
    const { json } = await token({
      grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: pkce.verifier,
    });
    assertApiToken(await verifiedJwt(json.access_token), 'assistant');
    const refused = await new Browser().request(authorizationUrl(newPkce(), { audience: 'other' }));
    assert.equal(new URL(refused.location).searchParams.get('error'), 'invalid_target');
  });

  test('a wrong verifier and a code used twice are invalid_grant', async () => {
    const { code } = await signIn(new Browser(), 'assistant');
    const wrong = await token({
      grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: newPkce().verifier,
    });
    assert.equal(wrong.json.error, 'invalid_grant');
    const again = await signIn(new Browser(), 'assistant');
    const params = {
      grant_type: 'authorization_code', code: again.code, redirect_uri: REDIRECT_URI, code_verifier: again.pkce.verifier,
    };
    assert.equal((await token(params)).status, 200);
    assert.equal((await token(params)).json.error, 'invalid_grant');
  });

  test('a wrong client secret is invalid_client', async () => {
    const res = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${CLIENT_ID}:wrong`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x' }),
    });
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error, 'invalid_client');
  });

  test('a foreign redirect URI is refused without a redirect', async () => {
    const { res, text } = await new Browser().request(
      authorizationUrl(newPkce(), { redirect_uri: 'http://127.0.0.1:9/elsewhere' }),
    );
    assert.equal(res.status, 400);
    assert.match(text, /redirect_uri did not match/);
  });

  test('a request without a PKCE challenge is refused', async () => {
    const url = authorizationUrl(newPkce());
    url.searchParams.delete('code_challenge');
    url.searchParams.delete('code_challenge_method');
    const { location } = await new Browser().request(url);
    assert.equal(new URL(location).searchParams.get('error'), 'invalid_request');
  });

  test('an unknown account is refused on the login page', async () => {
    const browser = new Browser();
    let step = await browser.request(authorizationUrl(newPkce()));
    step = await browser.request(step.location);
    step = await browser.request(formAction(step.text, 'Sign in'), {
      method: 'POST', form: { login: 'mallory', password: 'x' },
    });
    assert.equal(step.res.status, 200);
    assert.match(step.text, /role="alert"/);
  });

  test('end session signs out and returns to the registered logout URI', async () => {
    const browser = new Browser();
    await signIn(browser, 'producer');
    const url = new URL(discovery.end_session_endpoint);
    url.search = new URLSearchParams({
      client_id: CLIENT_ID, post_logout_redirect_uri: LOGOUT_URI, state: 'bye',
    }).toString();
    const page = await browser.request(url);
    assert.equal(page.res.status, 200);
    const done = await browser.request(formAction(page.text, 'Sign out'), {
      method: 'POST', form: hiddenInputs(page.text),
    });
    assert.equal(done.res.status, 303);
    assert.equal(done.location, `${LOGOUT_URI}?state=bye`);
    const next = await browser.request(authorizationUrl(newPkce()));
    const login = await browser.request(next.location);
    assert.match(login.text, />Sign in<\/button>/, 'the next sign-in asks for the account again');
  });
});
