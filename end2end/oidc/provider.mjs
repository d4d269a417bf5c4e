// A real OpenID Connect provider for the single sign-on tests: the npm package `oidc-provider`
// (node_modules at the repository root; `npm ci` installs it) with its development login and
// consent pages, which take any login name as the account id.
//
//   node end2end/oidc/provider.mjs [port]
//
// Settings come from the environment:
//   OIDC_PORT            port on 127.0.0.1 (argv[2] wins; 0 or unset: any free port)
//   OIDC_CLIENT_ID       the portal's client id                   (default "supplyline")
//   OIDC_CLIENT_SECRET   its secret                               (default "supplyline-secret")
//   OIDC_REDIRECT_URIS   comma-separated redirect URIs            (default "http://127.0.0.1/auth/sso/callback")
//                        The client is registered as a native app, so a loopback redirect URI
//                        matches on any port (RFC 8252 7.3): the portal's test port need not be known.
//   OIDC_ACCOUNTS        JSON: { "<account id>": { "email": "...", "email_verified": true, "name": "..." } }
//
// Prints one line `oidc-provider ready <issuer>` once it listens.

import * as http from "node:http";
import * as crypto from "node:crypto";
import Provider from "oidc-provider";

const port = Number(process.argv[2] ?? process.env.OIDC_PORT ?? 0);
const clientId = process.env.OIDC_CLIENT_ID ?? "supplyline";
const clientSecret = process.env.OIDC_CLIENT_SECRET ?? "supplyline-secret";
const redirectUris = (process.env.OIDC_REDIRECT_URIS ?? "http://127.0.0.1/auth/sso/callback")
  .split(",")
  .map((u) => u.trim())
  .filter(Boolean);
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS ?? "{}");

const server = http.createServer();
server.listen(port, "127.0.0.1", () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        application_type: "native",
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    pkce: { required: () => true, methods: ["S256"] },
    scopes: ["openid", "email", "profile"],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    cookies: { keys: [crypto.randomBytes(32).toString("hex")] },
    features: { devInteractions: { enabled: true }, userinfo: { enabled: true } },
    async findAccount(ctx, id) {
      const known = accounts[id];
      return {
        accountId: id,
        async claims() {
          // An unknown login name still signs in at the provider, with an address nobody has.
          const account = known ?? { email: `${id}@nobody.example`, email_verified: true };
          return {
            sub: id,
            email: account.email,
            email_verified: account.email_verified === true,
            name: account.name ?? id,
          };
        },
      };
    },
  });
  provider.on("server_error", (ctx, err) => console.error("oidc-provider server_error", err));
  server.on("request", provider.callback());
  console.log(`oidc-provider ready ${issuer}`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
