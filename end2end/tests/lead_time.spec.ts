import { test, expect, Page } from "@playwright/test";
import { signIn, waitForHydration } from "./helpers";

test.describe.configure({ mode: "serial" });

async function signInAs(page: Page, email: string) {
  await signIn(page, email);
  await expect(page).toHaveURL(/\/pos$/);
  await waitForHydration(page);
}

function isoDate(daysAhead: number): string {
  const d = new Date(Date.now() + daysAhead * 86_400_000);
  return d.toISOString().slice(0, 10);
}

test("a supplier proposes a longer lead time, sees the orders it would delay, and the buyer approves it", async ({ page }) => {
  await signInAs(page, "jonas@kessler-guss.example");
  await page.getByRole("link", { name: "Lead times" }).click();
  await expect(page).toHaveURL(/\/lead-times$/);
  const item = page.getByTestId("lead-time-CST-FLG-90");
  await expect(item.getByTestId("current-days")).toHaveText("28 days");

  // A mistake first: no reason.
  await item.getByLabel("New lead time (days)").fill("45");
  await item.getByLabel("Effective from").fill(isoDate(1));
  await item.getByRole("button", { name: "Propose" }).click();
  await expect(page.getByRole("alert").first()).toContainText("Say why the lead time changes");
  await expect(item.getByLabel("New lead time (days)")).toHaveValue("45");

  await item.getByLabel("Reason").fill("Die casting cell under maintenance");
  await item.getByRole("button", { name: "Propose" }).click();
  await expect(item.getByTestId("lead-time-proposal")).toContainText("28 → 45 days");
  await expect(item.getByTestId("lead-time-proposal")).toContainText("awaiting the buyer");
  // Kessler has open flange lines due within 45 days: the proposal names them.
  await expect(item.getByTestId("late-lines").locator("li").first()).toContainText(/P\d{5} line \d+: wanted/);
  await page.getByRole("button", { name: "Sign out" }).click();

  await signInAs(page, "maria@brightwell.example");
  await page.getByRole("link", { name: "Lead times" }).click();
  await expect(page).toHaveURL(/\/lead-time-proposals$/);
  const queue = page.getByTestId("lead-time-queue").locator("li").first();
  await expect(queue).toContainText("Kessler Präzisionsguss GmbH · Motor flange MF-90");
  await expect(queue).toContainText("Die casting cell under maintenance");
  await queue.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByText("No lead-time proposals waiting")).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();

  await signInAs(page, "jonas@kessler-guss.example");
  await page.getByRole("link", { name: "Lead times" }).click();
  const after = page.getByTestId("lead-time-CST-FLG-90");
  await expect(after.getByTestId("current-days")).toHaveText("45 days");
  await expect(after.getByTestId("lead-time-proposal")).toContainText("approved by the buyer");
});
