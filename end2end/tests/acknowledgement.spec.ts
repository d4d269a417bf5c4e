import { test, expect, Page } from "@playwright/test";
import { signIn, waitForHydration } from "./helpers";

// The journeys build on each other: the proposal made in the first is decided in the last.
test.describe.configure({ mode: "serial" });
let proposedPo = "";

async function signInAs(page: Page, email: string) {
  await signIn(page, email);
  await expect(page).toHaveURL(/\/pos$/);
}

test("a supplier acknowledges a PO with one line changed; a mistake is shown next to its field and nothing typed is lost", async ({ page }) => {
  await signInAs(page, "marco@alpine-polymers.example");
  await page.goto("/pos?state=purchase");
  await waitForHydration(page);
  const awaiting = page.getByTestId("po-table").locator("tbody tr", { hasText: "Awaiting acknowledgement" }).first();
  proposedPo = (await awaiting.getByRole("link").textContent())!.trim();
  await awaiting.getByRole("link").click();
  await expect(page.getByTestId("ack-form")).toBeVisible();
  await waitForHydration(page);

  await page.getByLabel("Your order reference (optional)").fill("AP-SO-1234");
  const line1 = page.getByTestId("ack-line-1");
  // First a mistake: rejecting a line without saying why.
  await line1.getByLabel("Decision").selectOption("reject");
  await page.getByRole("button", { name: "Send line decisions" }).click();
  await expect(line1.getByRole("alert")).toHaveText("Give a reason, so the buyer knows what to do next.");
  await expect(page.getByLabel("Your order reference (optional)")).toHaveValue("AP-SO-1234");

  // Then the real answer: another quantity on line 1, everything else as ordered.
  await line1.getByLabel("Decision").selectOption("quantity");
  await line1.getByLabel("New quantity").fill("7");
  await line1.getByLabel("Reason").fill("Minimum batch");
  await page.getByRole("button", { name: "Send line decisions" }).click();

  await expect(page.getByTestId("ack-done")).toBeVisible();
  await expect(page.getByTestId("ack-form")).toHaveCount(0);
  await expect(page.getByTestId("line-answer-1")).toContainText("Change proposed");
  await expect(page.getByTestId("line-answer-1")).toContainText("Proposed 7");
  await expect(page.getByTestId("line-answer-2")).toContainText("Accepted");

  // After a reload (server-rendered), the answer is still there.
  await page.reload();
  await expect(page.getByText("Changes proposed").first()).toBeVisible();
  await expect(page.getByTestId("line-answer-1")).toContainText("awaiting the buyer");
});

test("without WebAssembly, accepting a whole PO is a plain form post that comes back to the PO", async ({ page }) => {
  await page.route("**/*.wasm", (route) => route.abort());
  await signInAs(page, "claire@alpine-polymers.example");
  await page.goto("/pos?state=purchase");
  const awaiting = page.getByTestId("po-table").locator("tbody tr", { hasText: "Awaiting acknowledgement" }).first();
  const number = (await awaiting.getByRole("link").textContent())!.trim();
  await awaiting.getByRole("link").click();
  await page.getByRole("button", { name: "Accept the whole order as ordered" }).click();
  await expect(page.getByTestId("po-number")).toHaveText(number);
  await expect(page.getByTestId("ack-form")).toHaveCount(0);
  await expect(page.getByText("Acknowledged", { exact: true })).toBeVisible();
  await expect(page.locator("#app")).toHaveAttribute("data-hydrated", "false");
});

test("the buyer accepts the proposal and the supplier sees the line accepted", async ({ page }) => {
  expect(proposedPo).not.toBe("");
  await signInAs(page, "maria@brightwell.example");
  await page.getByRole("link", { name: "Proposals" }).click();
  await expect(page).toHaveURL(/\/proposals$/);
  await waitForHydration(page);
  const card = page.getByTestId(`proposal-${proposedPo}`);
  await expect(card).toContainText("Proposed 7");
  await expect(card).toContainText("Minimum batch");
  await card.getByRole("button", { name: "Accept" }).click();
  await expect(page.getByTestId(`proposal-${proposedPo}`)).toHaveCount(0);
  await page.getByRole("button", { name: "Sign out" }).click();

  await signInAs(page, "marco@alpine-polymers.example");
  await page.getByRole("searchbox").fill(proposedPo);
  await page.getByRole("button", { name: "Apply" }).click();
  await page.getByTestId("po-table").getByRole("link", { name: proposedPo }).click();
  await expect(page.getByTestId("line-answer-1")).toContainText("Accepted");
  await expect(page.getByTestId("line-answer-1")).toContainText("accepted by the buyer");
  await expect(page.getByText("Acknowledged", { exact: true })).toBeVisible();

  // The decision also reached Marco's notifications: the bell counts it, the list names it.
  const decided = page.getByTestId("notification").filter({ hasText: `Your proposal on ${proposedPo} was accepted` });
  await expect(async () => {
    await page.goto("/notifications");
    await expect(decided).toHaveCount(1, { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(page.getByTestId("unread-count")).toBeVisible();
  await waitForHydration(page);
  await page.getByTestId("mark-all-read").click();
  await expect(decided).toHaveAttribute("data-read", "true");
  await page.reload();
  await expect(page.getByTestId("unread-count")).toHaveCount(0);
});
