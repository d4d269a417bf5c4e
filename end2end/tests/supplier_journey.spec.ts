import { test, expect } from "@playwright/test";
import { signIn, waitForHydration } from "./helpers";

test("a supplier signs in, sees only own POs, opens one, cannot open another's, signs out", async ({ page }) => {
  await page.goto("/pos");
  await expect(page).toHaveURL(/\/login\?next=%2Fpos|\/login\?next=\/pos/);

  await signIn(page, "lars@nordhavn.example");
  await expect(page).toHaveURL(/\/pos$/);
  await waitForHydration(page);
  await expect(page.getByTestId("user-name")).toHaveText("Lars Holm");
  await expect(page.getByText("Supplier · Nordhavn Fasteners A/S")).toBeVisible();

  // Demo POs go round-robin to four suppliers: Nordhavn has 12 of the 48.
  await expect(page.getByTestId("po-count")).toHaveText("1–12 of 12 purchase orders");
  const rows = page.getByTestId("po-table").locator("tbody tr");
  await expect(rows).toHaveCount(12);
  // No supplier column for a supplier, and no other supplier's name anywhere.
  await expect(page.getByText("Kessler Präzisionsguss GmbH")).toHaveCount(0);

  // Search is a GET form, enhanced after hydration into client-side navigation.
  await page.getByRole("searchbox").fill("P00005");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/q=P00005/);
  await expect(rows).toHaveCount(1);

  await rows.first().getByRole("link").click();
  await expect(page).toHaveURL(/\/pos\/\d+$/);
  await expect(page.getByTestId("po-number")).toHaveText("P00005");
  await expect(page.getByTestId("po-lines").locator("tbody tr").first()).toBeVisible();

  // P00002 belongs to Kessler: for Nordhavn it does not exist.
  const foreign = await page.goto("/pos/2");
  expect(foreign?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();

  await page.goto("/pos");
  await waitForHydration(page);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login\?signed_out=1/);
  await expect(page.getByText("You have signed out.")).toBeVisible();
  await page.goto("/pos");
  await expect(page).toHaveURL(/\/login/);
});

test("a wrong password is refused with a message and the e-mail kept", async ({ page }) => {
  await signIn(page, "tom@circuitryworks.example", "not the password");
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByTestId("login-error")).toHaveText("Incorrect e-mail or password.");
  await expect(page.getByLabel("E-mail")).toHaveValue("tom@circuitryworks.example");
});

test("a buyer sees every supplier's POs and can filter by supplier", async ({ page }) => {
  await signIn(page, "maria@brightwell.example");
  await waitForHydration(page);
  // 48 seeded POs, plus the exception demo's P00049 (server/src/demo/exceptions.rs).
  await expect(page.getByTestId("po-count")).toHaveText("1–25 of 49 purchase orders");
  await page.getByLabel("Supplier").selectOption({ label: "Circuitry Works Ltd" });
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByTestId("po-count")).toHaveText("1–12 of 12 purchase orders");
});

test("every page works before hydration: with the WebAssembly blocked, a supplier still signs in and reads a PO", async ({ page }) => {
  await page.route("**/*.wasm", (route) => route.abort());
  await signIn(page, "anna@nordhavn.example");
  await expect(page).toHaveURL(/\/pos$/);
  await expect(page.getByTestId("po-count")).toHaveText("1–12 of 12 purchase orders");
  // Plain GET form: a full page load does the filtering.
  await page.getByRole("searchbox").fill("P00009");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByTestId("po-table").locator("tbody tr")).toHaveCount(1);
  await page.getByTestId("po-table").getByRole("link", { name: "P00009" }).click();
  await expect(page.getByTestId("po-number")).toHaveText("P00009");
  // The marker proves the page was never hydrated, so the hydration checks above can fail.
  await expect(page.locator("#app")).toHaveAttribute("data-hydrated", "false");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login\?signed_out=1/);
});
