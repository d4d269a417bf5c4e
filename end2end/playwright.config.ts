import { defineConfig } from "@playwright/test";
import * as os from "node:os";
import * as path from "node:path";
import * as fs from "node:fs";

// The journey runs against the built binary with a fresh SQLite database seeded by `supplyline demo`.
const port = Number(process.env.E2E_PORT ?? 3789);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "supplyline-e2e-"));
const bin = process.env.SUPPLYLINE_BIN ?? "target/debug/supplyline";
// A real OpenID Connect provider (end2end/oidc/provider.mjs, npm `oidc-provider`) for the SSO journey.
const oidcPort = Number(process.env.E2E_OIDC_PORT ?? 3790);
const oidcIssuer = `http://127.0.0.1:${oidcPort}`;

export default defineConfig({
  testDir: "./tests",
  testMatch: "**/*.spec.ts",
  outputDir: "./test-results",
  timeout: 60_000,
  retries: 0,
  workers: 1,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "off",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: [
    {
      command: `node end2end/oidc/provider.mjs ${oidcPort}`,
      cwd: path.resolve(__dirname, ".."),
      url: `${oidcIssuer}/.well-known/openid-configuration`,
      timeout: 30_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
      env: {
        OIDC_CLIENT_ID: "supplyline-e2e",
        OIDC_CLIENT_SECRET: "supplyline-e2e-secret",
        OIDC_REDIRECT_URIS: `http://127.0.0.1:${port}/auth/sso/callback`,
        // Login names on the provider's development login page (any password).
        OIDC_ACCOUNTS: JSON.stringify({
          maria: { email: "maria@brightwell.example", email_verified: true, name: "Maria" },
          lars: { email: "lars@nordhavn.example", email_verified: true },
        }),
      },
    },
    {
      command: `${bin} demo`,
      cwd: path.resolve(__dirname, ".."),
      url: `http://127.0.0.1:${port}/readyz`,
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
      env: {
        DATABASE_URL: `sqlite://${dataDir}/e2e.db`,
        SUPPLYLINE_BIND: `127.0.0.1:${port}`,
        SUPPLYLINE_SITE_ROOT: "target/site",
        SUPPLYLINE_LOG_LEVEL: "warn",
        SUPPLYLINE_MAIL_DIR: `${dataDir}/mail`,
        SUPPLYLINE_SSO_ENABLED: "true",
        SUPPLYLINE_SSO_ISSUER: oidcIssuer,
        SUPPLYLINE_SSO_CLIENT_ID: "supplyline-e2e",
        SUPPLYLINE_SSO_CLIENT_SECRET: "supplyline-e2e-secret",
        SUPPLYLINE_SSO_DISPLAY_NAME: "Brightwell ID",
      },
    },
  ],
});
