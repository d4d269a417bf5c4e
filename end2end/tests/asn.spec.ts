import { test, expect } from "@playwright/test";
import { signIn, waitForHydration } from "./helpers";

/** GS1 mod-10 check digit over the first 17 digits, compared with the 18th. */
function validSscc(code: string): boolean {
  if (!/^\d{18}$/.test(code)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const digit = Number(code[16 - i]);
    sum += i % 2 === 0 ? digit * 3 : digit;
  }
  return (10 - (sum % 10)) % 10 === Number(code[17]);
}

test("a supplier submits an ASN with two packages and lots, and the packing slip shows valid SSCCs", async ({ page }) => {
  await signIn(page, "lars@nordhavn.example");
  await expect(page).toHaveURL(/\/pos$/);
  await waitForHydration(page);
  await page.getByRole("link", { name: "Shipments" }).click();
  await page.getByTestId("new-asn").click();
  await expect(page).toHaveURL(/\/asns\/new$/);

  const form = page.getByTestId("asn-form");
  await form.getByLabel("ASN / delivery note number").fill(`E2E-${Date.now()}`);
  await form.getByLabel("Carrier").fill("DHL Freight");
  await form.getByLabel("Tracking number").fill("1Z999AA10123456784");
  const eta = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  await form.getByLabel("Arrives (ETA)").fill(`${eta}T10:00`);
  await form.getByLabel("Package 1 kind").selectOption("pallet");
  await form.getByLabel("Package 2 kind").selectOption("carton");
  await form.getByLabel("Package 2 sits on").fill("1");

  const line = form.locator("[data-testid^='asn-line-']").first();
  // A mistake first: a line in no package, while there are packages.
  await line.getByLabel(/^Quantity/).fill("1");
  const lots = line.getByLabel(/^Lots/);
  if (await lots.isEnabled()) await lots.fill("E2E-LOT-1");
  await form.getByRole("button", { name: "Submit the ASN" }).click();
  await expect(line.getByRole("alert")).toContainText("Say which package");
  await expect(line.getByLabel(/^Quantity/)).toHaveValue("1");

  await line.getByLabel(/^Package of/).fill("2");
  await form.getByRole("button", { name: "Submit the ASN" }).click();
  await expect(page).toHaveURL(/\/asns\/\d+$/);
  await expect(page.getByTestId("asn-status")).toHaveText("Announced");
  const labels = page.getByTestId("labels").locator("article");
  await expect(labels).toHaveCount(2);
  await expect(page.getByTestId("label-2")).toContainText("on package 1");
  const codes = await page.getByTestId("sscc-barcode").evaluateAll((els) => els.map((e) => e.getAttribute("data-sscc") ?? ""));
  expect(codes).toHaveLength(2);
  for (const code of codes) expect(validSscc(code), code).toBe(true);
  await expect(page.getByTestId("sscc-barcode").first().locator("svg rect").nth(1)).toBeVisible();
});
