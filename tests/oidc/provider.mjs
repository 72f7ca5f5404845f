// An OpenID provider for the tests: the external-provider (Auth0-like) path of the web app,
// run against a certified implementation instead of a mock. Configuration: see README.md.

import { createHash, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import Provider, { errors } from 'oidc-provider';

const PERMISSIONS = {
  assistant: ['get:actors', 'get:movies', 'patch:session'],
  director: [
    'get:actors', 'get:movies',
    'post:actor', 'delete:actor', 'patch:actor', 'patch:movie', 'patch:session',
  ],
  producer: [
    'get:actors', 'get:movies',
    'post:actor', 'delete:actor', 'patch:actor', 'patch:movie',
    'post:movie', 'delete:movie', 'patch:session',
  ],
};

const PEOPLE = {
  assistant: { name: 'Alex Assistant', email: 'assistant@movie-manager.test' },
  director: { name: 'Dana Director', email: 'director@movie-manager.test' },
  producer: { name: 'Pat Producer', email: 'producer@movie-manager.test' },
};

const list = (value) => (value ?? '').split(/[\s,]+/).filter(Boolean);

function readConfig() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      audience: { type: 'string' },
      'access-token-ttl': { type: 'string' },
      'exit-with-stdin': { type: 'boolean' },
    },
  });
  const env = process.env;
  const config = {
    port: Number(values.port ?? env.OIDC_PORT ?? 0),
    clientId: values['client-id'] ?? env.OIDC_CLIENT_ID ?? 'movie-manager-web',
    clientSecret: values['client-secret'] ?? env.OIDC_CLIENT_SECRET ?? 'movie-manager-web-secret',
    redirectUris: values['redirect-uri'] ?? list(env.OIDC_REDIRECT_URIS),
    postLogoutRedirectUris: values['post-logout-redirect-uri']
      ?? list(env.OIDC_POST_LOGOUT_REDIRECT_URIS),
    audience: values.audience ?? env.OIDC_AUDIENCE ?? 'movie-manager',
    accessTokenTtl: Number(values['access-token-ttl'] ?? env.OIDC_ACCESS_TOKEN_TTL ?? 3600),
    exitWithStdin: values['exit-with-stdin'] ?? env.OIDC_EXIT_WITH_STDIN === '1',
  };
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) {
    throw new Error('the port must be an integer from 0 to 65535');
  }
  if (config.redirectUris.length === 0) {
    throw new Error('at least one redirect URI is required (--redirect-uri or OIDC_REDIRECT_URIS)');
  }
  for (const uri of [...config.redirectUris, ...config.postLogoutRedirectUris]) {
    if (!/^https?:$/.test(URL.parse(uri)?.protocol ?? '')) {
      throw new Error(`not an http(s) URL: ${uri}`);
    }
  }
  if (!Number.isInteger(config.accessTokenTtl) || config.accessTokenTtl < 1) {
    throw new Error('the access token lifetime must be a positive number of seconds');
  }
  return config;
}

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: sans-serif; max-width: 24rem; margin: 2rem auto; padding: 0 1rem; }
label, input, button { display: block; width: 100%; box-sizing: border-box; margin-top: .5rem; }
input, button { padding: .5rem; font-size: 1rem; }
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

// Where a person starts signing in: pages of our own, with labelled fields and no assets from
// other origins (the library's development pages load web fonts from a CDN).
function loginPage(uid, { login = '', error } = {}) {
  const alert = error ? `<p role="alert" id="login-error">${escapeHtml(error)}</p>` : '';
  return page('Sign in to the OpenID test provider', `<h1>Sign in to the OpenID test provider</h1>
${alert}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="login">Username</label>
<input id="login" name="login" type="text" autocomplete="username" required autofocus value="${escapeHtml(login)}"${error ? ' aria-describedby="login-error"' : ''}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
<p>Accounts: assistant, director, producer. Any password.</p>`);
}

function consentPage(uid, clientId, scopes) {
  const items = scopes.map((scope) => `<li>${escapeHtml(scope)}</li>`).join('\n');
  return page('Authorize', `<h1>Authorize ${escapeHtml(clientId)}</h1>
<p>${escapeHtml(clientId)} asks for:</p>
<ul>
${items}
</ul>
<form method="post" action="/interaction/${escapeHtml(uid)}/confirm">
<button type="submit">Continue</button>
</form>
<form method="post" action="/interaction/${escapeHtml(uid)}/abort">
<button type="submit">Cancel</button>
</form>`);
}

async function readForm(req) {
  let size = 0;
  const chunks = [];
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('form body too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sendHtml(res, status, html) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  });
  res.end(html);
}

function interactionRoutes(provider) {
  return async (req, res, uid, action) => {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) {
      sendHtml(res, 400, page('Error', '<h1>This sign-in is no longer current</h1>'));
      return;
    }
    const { prompt, params, session, grantId } = details;

    if (req.method === 'GET' && action === undefined) {
      if (prompt.name === 'login') {
        sendHtml(res, 200, loginPage(uid, { login: params.login_hint ?? '' }));
      } else if (prompt.name === 'consent') {
        const scopes = [
          ...(prompt.details.missingOIDCScope ?? []),
          ...Object.values(prompt.details.missingResourceScopes ?? {}).flat(),
        ];
        sendHtml(res, 200, consentPage(uid, params.client_id, scopes));
      } else {
        sendHtml(res, 501, page('Error', `<h1>Unsupported prompt ${escapeHtml(prompt.name)}</h1>`));
      }
      return;
    }

    if (req.method === 'POST' && action === 'login' && prompt.name === 'login') {
      const form = await readForm(req);
      const login = (form.get('login') ?? '').trim();
      if (!Object.hasOwn(PEOPLE, login) || !form.get('password')) {
        sendHtml(res, 200, loginPage(uid, {
          login,
          error: 'Unknown account: use assistant, director or producer, with any password.',
        }));
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: login } }, {
        mergeWithLastSubmission: false,
      });
      return;
    }

    if (req.method === 'POST' && action === 'confirm' && prompt.name === 'consent') {
      await readForm(req);
      const grant = grantId
        ? await provider.Grant.find(grantId)
        : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
      const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
      if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
      if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
      await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, {
        mergeWithLastSubmission: true,
      });
      return;
    }

    if (req.method === 'POST' && action === 'abort') {
      await readForm(req);
      await provider.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: 'the person cancelled the sign-in',
      }, { mergeWithLastSubmission: false });
      return;
    }

    sendHtml(res, 405, page('Error', '<h1>Not allowed here</h1>'));
  };
}

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

// oidc-provider needs an absolute URI as the resource indicator; the token's `aud` is the
// audience itself, so a plain name such as `movie-manager` works as with Auth0.
function resourceIndicatorFor(audience) {
  return URL.parse(audience) ? audience : `urn:movie-manager:audience:${encodeURIComponent(audience)}`;
}

// RP-initiated logout, as Auth0 does it: no question asked, the form submits itself.
const LOGOUT_SCRIPT = 'document.forms[0].submit();';
const LOGOUT_SCRIPT_HASH = `'sha256-${createHash('sha256').update(LOGOUT_SCRIPT).digest('base64')}'`;

function buildProvider(issuer, config) {
  const resource = resourceIndicatorFor(config.audience);
  return new Provider(issuer, {
    clients: [{
      client_id: config.clientId,
      client_secret: config.clientSecret,
      // Secrets are accepted in the Authorization header and in the form body alike.
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: config.redirectUris,
      post_logout_redirect_uris: config.postLogoutRedirectUris,
      scope: 'openid profile email offline_access',
    }],
    jwks: { keys: [signingKey()] },
    cookies: {
      // The web app shares this host name (cookies ignore the port): keep clear of its names.
      names: { session: 'test_op_session', interaction: 'test_op_interaction', resume: 'test_op_resume' },
      keys: [randomBytes(32).toString('base64url')],
    },
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    claims: {
      openid: ['sub'],
      profile: ['name'],
      email: ['email', 'email_verified'],
    },
    responseTypes: ['code'],
    pkce: { required: () => true },
    // Auth0's parameter for the API audience: accepted, and it must name this provider's API.
    extraParams: ['audience'],
    async findAccount(_ctx, id) {
      if (!Object.hasOwn(PEOPLE, id)) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: id, name: PEOPLE[id].name, email: PEOPLE[id].email, email_verified: true };
        },
      };
    },
    async extraTokenClaims(_ctx, token) {
      if (token.kind !== 'AccessToken' || !token.accountId) return undefined;
      return { permissions: PERMISSIONS[token.accountId] ?? [] };
    },
    clientBasedCORS: () => false,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        async defaultResource(ctx, _client, oneOf) {
          if (oneOf) return oneOf;
          const requested = ctx.oidc.params?.audience;
          if (requested !== undefined && requested !== config.audience) {
            throw new errors.InvalidTarget(`unknown audience ${requested}`);
          }
          return resource;
        },
        async getResourceServerInfo(_ctx, indicator) {
          if (indicator !== resource) throw new errors.InvalidTarget();
          return {
            scope: '',
            audience: config.audience,
            accessTokenFormat: 'jwt',
            accessTokenTTL: config.accessTokenTtl,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
        // A client that sends no `resource` at the token endpoint still gets the API's token.
        useGrantedResource: () => true,
      },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx) {
          const action = ctx.oidc.urlFor('end_session_confirm');
          const { secret } = ctx.oidc.session.state;
          ctx.set('content-security-policy', `default-src 'none'; script-src ${LOGOUT_SCRIPT_HASH}; style-src 'unsafe-inline'`);
          ctx.body = page('Signing out', `<h1>Signing out</h1>
<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="xsrf" value="${escapeHtml(secret)}">
<input type="hidden" name="logout" value="yes">
<button type="submit">Sign out</button>
</form>
<script>${LOGOUT_SCRIPT}</script>`);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.body = page('Signed out', '<h1>Signed out</h1>');
        },
      },
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Error', `<h1>${escapeHtml(out.error)}</h1>
<p role="alert">${escapeHtml(out.error_description ?? '')}</p>`);
    },
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? config.accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 24 * 3600,
      Interaction: 3600,
      Session: 24 * 3600,
      Grant: 24 * 3600,
    },
  });
}

// OpenID Connect Core 11 lets a provider drop offline_access unless prompt=consent is sent, and
// oidc-provider does. Auth0 grants it without: so does this provider, by asking for consent.
async function offlineAccessAsAuth0Does(ctx, next) {
  if (ctx.method === 'GET' && ctx.path === '/auth') {
    const query = new URLSearchParams(ctx.querystring);
    const scopes = (query.get('scope') ?? '').split(' ');
    if (!query.has('prompt') && scopes.includes('offline_access')) {
      query.set('prompt', 'consent');
      ctx.querystring = query.toString();
    }
  }
  await next();
}

function logErrors(provider) {
  const events = [
    'server_error', 'authorization.error', 'grant.error', 'end_session.error',
    'userinfo.error', 'revocation.error', 'jwks.error', 'discovery.error', 'introspection.error',
  ];
  for (const event of events) {
    provider.on(event, (_ctx, error) => {
      const description = error?.error_description ? ` (${error.error_description})` : '';
      console.error(`${event}: ${error?.message ?? error}${description}`);
    });
  }
}

function main() {
  // The library prints its notices with console.info; stdout carries only the listening line.
  console.info = console.error;
  let config;
  try {
    config = readConfig();
  } catch (error) {
    console.error(`provider.mjs: ${error.message}`);
    process.exit(2);
  }

  const server = createServer();
  server.on('error', (error) => {
    console.error(`provider.mjs: ${error.message}`);
    process.exit(1);
  });
  server.listen(config.port, '127.0.0.1', () => {
    const issuer = `http://127.0.0.1:${server.address().port}`;
    let provider;
    try {
      provider = buildProvider(issuer, config);
    } catch (error) {
      console.error(`provider.mjs: ${error.message}${error.error_description ? ` (${error.error_description})` : ''}`);
      process.exit(2);
    }
    provider.use(offlineAccessAsAuth0Does);
    logErrors(provider);
    const interaction = interactionRoutes(provider);
    const oidc = provider.callback();
    server.on('request', (req, res) => {
      const match = /^\/interaction\/([\w-]+)(?:\/(login|confirm|abort))?$/.exec(req.url.split('?')[0]);
      if (!match) {
        oidc(req, res);
        return;
      }
      interaction(req, res, match[1], match[2]).catch((error) => {
        console.error(`interaction: ${error.message}`);
        if (!res.headersSent) {
          sendHtml(res, 400, page('Error', `<h1>Sign-in failed</h1>\n<p role="alert">${escapeHtml(error.message)}</p>`));
        } else {
          res.end();
        }
      });
    });
    process.stdout.write(`listening ${issuer}\n`);
  });

  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (config.exitWithStdin) {
    // The test that started us died or dropped its handle: do not outlive it.
    process.stdin.on('end', stop);
    process.stdin.on('close', stop);
    process.stdin.resume();
  }
}

main();
