import { test, expect, Page } from "@playwright/test";
import { waitForHydration } from "./helpers";

// Single sign-on through the real OpenID Connect provider that playwright.config.ts starts
// (end2end/oidc/provider.mjs): its development login page takes any login name as the account id
// (any password), then asks for consent, then sends the browser back to the portal.

test.describe.configure({ mode: "serial" });

async function signInAtProvider(page: Page, login: string) {
  await page.goto("/login");
  await page.getByRole("link", { name: "Sign in with Brightwell ID" }).click();
  // The provider's login form.
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("any");
  await page.locator('button[type="submit"]').click();
  // Its consent form (asked on the first sign-in of each account), or already the portal.
  const consent = page.locator('input[name="prompt"][value="consent"]');
  await expect(consent.or(page.locator("#app"))).toBeAttached();
  if (await consent.count()) {
    await page.locator('button[type="submit"]').click();
  }
}

test("a buyer signs in with the company's identity provider", async ({ page }) => {
  await signInAtProvider(page, "maria");
  await expect(page).toHaveURL(/\/pos$/);
  await waitForHydration(page);
  // A buyer's page: the exception queue.
  await page.getByRole("link", { name: "Exceptions" }).click();
  await expect(page).toHaveURL(/\/exceptions$/);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login\?signed_out=1$/);
});

test("a supplier's user is sent back to the password form", async ({ page }) => {
  await signInAtProvider(page, "lars");
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByTestId("login-error")).toContainText("Supplier accounts sign in with their e-mail and password");
  await expect(page.getByLabel("E-mail")).toBeVisible();
});
