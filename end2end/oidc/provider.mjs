// A real OpenID Connect provider (npm `oidc-provider`) for the tests, started
// by `cargo xtask test` on 127.0.0.1 and a free port:
// `node provider.mjs PORT [STORE_URL…]`.
//
// One confidential client, `tbs` (secret `tbs-secret`), authorization code with
// PKCE, redirecting to each STORE_URL's /api/account/oidc/callback (and to
// http://127.0.0.1:9's, the Rust tests' made-up store address). The login page
// is the provider's own development form (any password); the account named
// `alice` is an administrator and `dora` a dispatcher through the `groups`
// claim, everyone else a shopper. Consent is skipped by granting what is asked.
// Access tokens are JWTs for the resource `urn:tbs:api` (one hour) and
// `urn:tbs:short` (2 seconds, for expiry tests).
import Provider from 'oidc-provider';

const port = Number(process.argv[2] ?? 0);
const issuer = `http://127.0.0.1:${port}`;
const stores = ['http://127.0.0.1:9', ...process.argv.slice(3)];
const groups = { alice: ['admin'], dora: ['dispatcher'] };

const claims = (id) => ({
  sub: id,
  email: `${id}@example.test`,
  email_verified: true,
  name: id[0].toUpperCase() + id.slice(1),
  groups: groups[id] ?? [],
});

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'tbs',
    client_secret: 'tbs-secret',
    redirect_uris: stores.map((url) => `${url}/api/account/oidc/callback`),
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
  conformIdTokenClaims: false,
  findAccount: (ctx, id) => ({ accountId: id, claims: () => claims(id) }),
  extraTokenClaims: (ctx, token) => (token.accountId ? { groups: groups[token.accountId] ?? [] } : {}),
  features: {
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'urn:tbs:api',
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource) => ({
        scope: 'api',
        audience: resource,
        accessTokenFormat: 'jwt',
        accessTokenTTL: resource === 'urn:tbs:short' ? 2 : 3600,
      }),
    },
  },
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    for (const resource of ['urn:tbs:api', 'urn:tbs:short']) grant.addResourceScope(resource, 'api');
    await grant.save();
    return grant;
  },
});

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
