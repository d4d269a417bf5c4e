import { expect, Page } from "@playwright/test";

export const PASSWORD = "supplyline-demo";

/** Signs in through the form (it works before and after hydration). */
export async function signIn(page: Page, email: string, password = PASSWORD) {
  await page.goto("/login");
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Set by an Effect, which runs only once the WebAssembly bundle has hydrated the page. */
export async function waitForHydration(page: Page) {
  await expect(page.locator("#app")).toHaveAttribute("data-hydrated", "true", { timeout: 30_000 });
}
