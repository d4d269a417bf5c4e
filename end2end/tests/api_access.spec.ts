import { test, expect, Page } from "@playwright/test";
import { signIn, waitForHydration } from "./helpers";

test.describe.configure({ mode: "serial" });

async function signInAs(page: Page, email: string) {
  await signIn(page, email);
  await expect(page).toHaveURL(/\/pos$/);
  await waitForHydration(page);
}

test("a supplier admin issues a token, a partner uses it, and revoking it stops it at once", async ({ page, request }) => {
  await signInAs(page, "anna@nordhavn.example");
  await page.getByRole("link", { name: "API access" }).click();
  await expect(page).toHaveURL(/\/integrations\/tokens$/);

  const form = page.getByTestId("credential-form");
  await form.getByLabel("Name (which system uses it)").fill("Nordhavn ERP");
  await form.getByLabel(/po:read/).check();
  await form.getByRole("button", { name: "Create" }).click();

  // Shown once, in full.
  const secret = (await page.getByTestId("issued-value").textContent())?.trim() ?? "";
  expect(secret).toMatch(/^spl_[0-9A-Za-z]{36}$/);

  // The partner's system reads its POs with it, and only with the scope it was given.
  const auth = { Authorization: `Bearer ${secret}` };
  const list = await request.get("/api/v1/purchase-orders", { headers: auth });
  expect(list.status()).toBe(200);
  const page1 = await list.json();
  expect(page1.items.length).toBeGreaterThan(0);
  for (const po of page1.items) expect(po.supplier_name).toContain("Nordhavn");
  const ack = await request.post(`/api/v1/purchase-orders/${page1.items[0].id}/acknowledgement`, {
    headers: auth,
    data: { revision: 1, decision: "accept_all" },
  });
  expect(ack.status()).toBe(403);
  expect((await ack.json()).required_scope).toBe("po:ack");

  // Back on the console: the secret is gone, the token is listed as used.
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByTestId("issued-secret")).toHaveCount(0);
  const row = page.locator("[data-testid^=credential-]").filter({ hasText: "Nordhavn ERP" });
  await expect(row.getByTestId("credential-status")).toHaveText("Active");
  await expect(row.getByTestId("last-used")).toContainText("127.0.0.1");

  await row.getByRole("button", { name: "Revoke" }).click();
  await expect(row.getByTestId("credential-status")).toHaveText("Revoked");
  const after = await request.get("/api/v1/purchase-orders", { headers: auth });
  expect(after.status()).toBe(401);
  expect(after.headers()["www-authenticate"]).toContain("Bearer");
});

test("the API reference is served from the site", async ({ page }) => {
  await page.goto("/api/docs");
  await expect(page.getByText("Supplyline Partner API").first()).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText("/api/v1/purchase-orders").first()).toBeVisible();
});

test("a supplier admin registers a webhook endpoint and sees its signing secret once", async ({ page }) => {
  await signInAs(page, "anna@nordhavn.example");
  await page.getByRole("link", { name: "Webhooks" }).click();
  await expect(page).toHaveURL(/\/integrations\/webhooks$/);
  const form = page.getByTestId("webhook-form");
  await form.getByLabel("URL").fill("https://hooks.nordhavn.example/supplyline");
  await form.getByRole("button", { name: "Add endpoint" }).click();
  await expect(page.getByTestId("webhook-secret")).toContainText("whsec_");
  await expect(page.getByTestId("webhook-status")).toHaveText("Enabled");
});
