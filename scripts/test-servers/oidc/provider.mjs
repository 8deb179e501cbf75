// A real OpenID provider for Onetrip's tests, playing a province's unified identity login
// (统一身份认证). It is `oidc-provider` from the npm registry with our own small login page in front.
//
//   node provider.mjs PORT_FILE CONFIG_FILE
//
// CONFIG_FILE is JSON: { "port", "client_id", "client_secret", "redirect_uri", "accounts": [ { "login", "password",
// "sub", "name", "phone_number", "id_number", "id_number_verified" } ] }. The provider listens on that port on
// 127.0.0.1 (its issuer is http://127.0.0.1:PORT) and writes the port to PORT_FILE once it accepts
// connections. Each login is checked against
// the accounts; the consent for the client's requested scopes is given with the login, as a provincial
// platform does for the centres it serves.

import http from 'node:http';
import fs from 'node:fs';
import Provider from 'oidc-provider';

const [portFile, configFile] = process.argv.slice(2);
const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
// Read again on every use, so that a test can change a person's record at the provider.
const accounts = () => JSON.parse(fs.readFileSync(configFile, 'utf8')).accounts;

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid, message) {
  const warning = message ? `<p role="alert">${escape(message)}</p>` : '';
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>统一身份认证（测试）</title></head>
<body><main><h1>统一身份认证（测试）</h1>${warning}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="login">账号</label><input id="login" name="login" autocomplete="username">
<label for="password">密码</label><input id="password" name="password" type="password" autocomplete="current-password">
<button type="submit" id="sign-in">登录</button></form>
<form method="post" action="/interaction/${escape(uid)}/abort"><button type="submit" id="cancel">取消</button></form>
</main></body></html>`;
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10000) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

const provider = new Provider(`http://127.0.0.1:${config.port}`, {
  clients: [
    {
      client_id: config.client_id,
      client_secret: config.client_secret,
      redirect_uris: [config.redirect_uri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  claims: {
    openid: ['sub'],
    profile: ['name'],
    phone: ['phone_number', 'phone_number_verified'],
    id_card: ['id_number', 'id_number_verified'],
  },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['onetrip-test-provider-cookie-key'] },
  async findAccount(ctx, sub) {
    const account = accounts().find((candidate) => candidate.sub === sub);
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims() {
        const claims = { sub, name: account.name, phone_number: account.phone_number, phone_number_verified: true };
        if (account.id_number) {
          claims.id_number = account.id_number;
          claims.id_number_verified = Boolean(account.id_number_verified);
        }
        return claims;
      },
    };
  },
});

const callback = provider.callback();

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (req.method === 'GET' && !action) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(loginPage(uid));
    return;
  }
  if (req.method === 'POST' && action === 'abort') {
    await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'the user cancelled' }, { mergeWithLastSubmission: false });
    return;
  }
  if (req.method === 'POST' && action === 'login') {
    const form = await readForm(req);
    const account = accounts().find((candidate) => candidate.login === form.get('login'));
    if (!account || account.password !== form.get('password')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(loginPage(uid, '账号或密码不对'));
      return;
    }
    const grant = new provider.Grant({ accountId: account.sub, clientId: details.params.client_id });
    grant.addOIDCScope(details.params.scope);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { login: { accountId: account.sub }, consent: { grantId } }, { mergeWithLastSubmission: false });
    return;
  }
  res.writeHead(405);
  res.end();
}

const server = http.createServer(async (req, res) => {
  const match = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|abort))?$/.exec(req.url.split('?')[0]);
  if (!match) {
    callback(req, res);
    return;
  }
  try {
    await interaction(req, res, match[1], match[2]);
  } catch (error) {
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`interaction failed: ${error.message}`);
  }
});

server.listen(config.port, '127.0.0.1', () => {
  fs.writeFileSync(`${portFile}.tmp`, String(server.address().port));
  fs.renameSync(`${portFile}.tmp`, portFile);
});
