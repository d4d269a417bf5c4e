import { test, expect, Page } from "@playwright/test";
import { signIn, waitForHydration } from "./helpers";

test.describe.configure({ mode: "serial" });

async function signInAs(page: Page, email: string) {
  await signIn(page, email);
  await expect(page).toHaveURL(/\/pos$/);
  await waitForHydration(page);
}

async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
}

function isoDate(daysAhead: number): string {
  return new Date(Date.now() + daysAhead * 86_400_000).toISOString().slice(0, 10);
}

test("a quality hold is answered and closed", async ({ page }) => {
  const lot = `NH-E2E-${Date.now() % 100000}`;

  // The buyer raises a hold on one of Nordhavn's products.
  await signInAs(page, "maria@brightwell.example");
  await page.getByRole("link", { name: "Quality" }).click();
  await expect(page).toHaveURL(/\/quality$/);
  await page.getByTestId("new-hold").click();
  await expect(page).toHaveURL(/\/quality\/new$/);
  const raise = page.getByTestId("raise-form");
  await raise.getByLabel("Supplier and product").selectOption({ label: "Nordhavn Fasteners A/S · [FST-M10-40] Hex bolt M10×40, 10.9" });
  await raise.getByLabel("Lot (optional)").fill(lot);
  await raise.getByLabel("Quantity held (optional)").fill("250");
  await raise.getByLabel("Reason").fill("Heads crack under assembly torque");
  await raise.getByRole("button", { name: "Raise the hold" }).click();
  await expect(page).toHaveURL(/\/quality\/\d+$/);
  const holdUrl = page.url();
  await expect(page.getByTestId("hold-reason")).toHaveText("Heads crack under assembly torque");
  await expect(page.getByTestId("quality-status").first()).toHaveText("Open: awaiting the supplier");
  await signOut(page);

  // The supplier finds it in its list and answers with an 8D record: a mistake first.
  await signInAs(page, "lars@nordhavn.example");
  await page.getByRole("link", { name: "Quality" }).click();
  await expect(page).toHaveURL(/\/quality$/);
  const row = page.getByTestId("quality-table").locator("tr", { hasText: lot });
  await expect(row).toContainText("Open: awaiting the supplier");
  await row.getByRole("link").first().click();
  await expect(page).toHaveURL(holdUrl);
  const form = page.getByTestId("respond-form");
  await form.locator('textarea[name="input[containment]"]').fill("Stock at our site sorted; 40 pcs blocked");
  await form.locator('textarea[name="input[root_cause]"]').fill("Quench temperature drifted on furnace 2");
  await form.locator('textarea[name="input[corrective_action]"]').fill("Furnace recalibrated, lot re-tempered");
  await form.locator('textarea[name="input[preventive_action]"]').fill("Daily temperature check in the control plan");
  await form.getByLabel("Corrective action due").fill(isoDate(7));
  await form.getByLabel("Preventive action due").fill(isoDate(3));
  await form.getByRole("button", { name: "Send the 8D response" }).click();
  await expect(form.getByRole("alert").last()).toContainText("cannot be due before the corrective action");
  await expect(form.locator('textarea[name="input[root_cause]"]')).toHaveValue("Quench temperature drifted on furnace 2");
  await form.getByLabel("Preventive action due").fill(isoDate(30));
  await form.getByRole("button", { name: "Send the 8D response" }).click();
  await expect(page.getByTestId("quality-responses")).toContainText("Quench temperature drifted on furnace 2");
  await expect(page.getByTestId("quality-status").first()).toHaveText("Answered: awaiting the buyer");

  // ...and attaches the 8D report (a plain form post; the page comes back with the file listed).
  await page.locator('input[type="file"][name="file"]').setInputFiles({
    name: "8D-report.pdf",
    mimeType: "application/pdf",
    buffer: Buffer.from("%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"),
  });
  await page.getByRole("button", { name: "Upload" }).click();
  await expect(page.getByTestId("attachment-list")).toContainText("8D-report.pdf");
  // A file that is not what its name says is refused, with the reason on the page.
  await page.locator('input[type="file"][name="file"]').setInputFiles({
    name: "photo.png",
    mimeType: "image/png",
    buffer: Buffer.from("MZ this is not a picture"),
  });
  await page.getByRole("button", { name: "Upload" }).click();
  await expect(page.getByTestId("upload-error")).toContainText("is not an accepted file");
  await signOut(page);

  // The buyer reads the answer and the file, and closes the hold.
  await signInAs(page, "maria@brightwell.example");
  await page.goto(holdUrl);
  await waitForHydration(page);
  await expect(page.getByTestId("quality-responses")).toContainText("Daily temperature check in the control plan");
  await expect(page.getByTestId("attachment-list")).toContainText("8D-report.pdf");
  const decision = page.getByTestId("decision-form");
  await decision.getByLabel("Comment (optional)").fill("Re-tempered lot passed the torque test");
  await decision.getByRole("button", { name: "Close the hold" }).click();
  await expect(page.getByTestId("quality-status").first()).toHaveText("Closed");
  await expect(page.getByRole("button", { name: "Reopen the hold" })).toBeVisible();
  await signOut(page);

  // The supplier sees it closed, with nothing left to answer.
  await signInAs(page, "lars@nordhavn.example");
  await page.goto(holdUrl);
  await waitForHydration(page);
  await expect(page.getByTestId("quality-status").first()).toHaveText("Closed");
  await expect(page.getByTestId("hold-history")).toContainText("Closed by the buyer");
  await expect(page.getByTestId("respond-form")).toHaveCount(0);
});
