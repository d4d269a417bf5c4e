//! The supplier's acknowledgement form on a PO: accept or reject the whole order, or decide each
//! line. One plain form posted to the `acknowledge` server function: it works before hydration,
//! and once hydrated it submits in place and shows each problem next to its field.

use leptos::prelude::*;

use crate::api::AcknowledgePo;
use crate::components::notice::ErrorNotice;
use crate::format;
use crate::model::PoDetailView;

const INPUT: &str = "block w-full rounded border border-slate-300 bg-white px-2 py-1.5 text-sm";

/// The message for `field` from the last failed submission, if any.
fn field_error(action: ServerAction<AcknowledgePo>, field: String) -> impl IntoView {
    crate::components::notice::field_error(move || action.value().with(|v| v.clone().and_then(Result::err)), field)
}

#[component]
pub fn AckForm(po: PoDetailView, action: ServerAction<AcknowledgePo>) -> impl IntoView {
    let open_lines: Vec<_> =
        po.lines.iter().filter(|l| matches!(l.ack_state.as_str(), "pending" | "reconfirm")).cloned().collect();
    let reconfirm = po.summary.ack_state == crate::model::AckState::Reconfirm;
    let pending = action.pending();
    let failure = move || match action.value().get() {
        Some(Err(error)) => Some(view! { <ErrorNotice error/> }),
        _ => None,
    };
    view! {
        <section class="mt-6 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200" aria-labelledby="ack-heading" data-testid="ack-form">
            <h2 id="ack-heading" class="text-lg font-semibold">
                {if reconfirm { "The buyer changed this order: confirm the changed lines" } else { "Acknowledge this order" }}
            </h2>
            <p class="text-sm text-slate-600">
                {format!("Please answer by {}. Lines you accept as ordered are confirmed at once; proposals go to the buyer.", format::date_time(&po.ack_due_at))}
            </p>
            <div class="mt-3">{failure}</div>
            <ActionForm action attr:class="mt-3 space-y-4">
                <input type="hidden" name="input[po_id]" value=po.summary.id.to_string()/>
                <input type="hidden" name="input[revision]" value=po.revision.to_string()/>
                <label class="block max-w-xs">
                    <span class="text-sm font-medium">"Your order reference (optional)"</span>
                    <input name="input[supplier_reference]" class=INPUT value=po.supplier_reference.clone().unwrap_or_default() maxlength="64"/>
                    {field_error(action, "supplier_reference".into())}
                </label>
                <div class="flex flex-wrap items-end gap-3 border-b border-slate-200 pb-4">
                    <button type="submit" name="input[decision]" value="accept_all" disabled=pending
                        class="rounded bg-emerald-700 px-4 py-2 text-sm font-medium text-white hover:bg-emerald-800">
                        {if reconfirm { "Accept the changes" } else { "Accept the whole order as ordered" }}
                    </button>
                    <label class="flex-1 min-w-56">
                        <span class="text-sm font-medium">"Reason, if you reject the whole order"</span>
                        <input name="input[reason]" class=INPUT placeholder="e.g. we cannot supply this material any more"/>
                        {field_error(action, "reason".into())}
                    </label>
                    <button type="submit" name="input[decision]" value="reject_all" disabled=pending
                        class="rounded border border-rose-300 bg-white px-4 py-2 text-sm font-medium text-rose-800 hover:bg-rose-50">
                        "Reject the order"
                    </button>
                </div>
                <fieldset>
                    <legend class="text-sm font-semibold">"Or decide line by line"</legend>
                    <div class="mt-2 space-y-3">
                        {open_lines.into_iter().enumerate().map(|(i, line)| {
                            let name = move |what: &str| format!("input[lines][{i}][{what}]");
                            let key = move |what: &str| format!("line-{}-{what}", line.id);
                            view! {
                                // Fields show for the chosen decision by CSS alone (:has), so this works before hydration too.
                                <div class="group grid gap-2 rounded border border-slate-200 p-3 sm:grid-cols-6" data-testid=format!("ack-line-{}", line.line_no)>
                                    <input type="hidden" name=name("line_id") value=line.id.to_string()/>
                                    <div class="sm:col-span-2 text-sm">
                                        <div class="font-medium">{format!("{}. {}", line.line_no, line.product_name)}</div>
                                        <div class="text-xs text-slate-500">
                                            {format!("{} {} by {}", format::quantity(line.quantity), line.uom, format::date(&line.requested_date))}
                                        </div>
                                    </div>
                                    <label class="text-xs">
                                        <span class="font-medium">"Decision"</span>
                                        <select name=name("action") class=INPUT>
                                            <option value="accept">"Accept as ordered"</option>
                                            <option value="quantity">"Propose another quantity"</option>
                                            <option value="date">"Propose another date"</option>
                                            <option value="split">"Split into deliveries"</option>
                                            <option value="reject">"Reject the line"</option>
                                        </select>
                                        {field_error(action, key("action"))}
                                    </label>
                                    <label class="text-xs hidden group-has-[option[value=quantity]:checked]:block">
                                        <span class="font-medium">"New quantity"</span>
                                        <input name=name("quantity") inputmode="decimal" class=INPUT/>
                                        {field_error(action, key("quantity"))}
                                    </label>
                                    <label class="text-xs hidden group-has-[option[value=date]:checked]:block">
                                        <span class="font-medium">"New date"</span>
                                        <input name=name("date") type="date" class=INPUT/>
                                        {field_error(action, key("date"))}
                                    </label>
                                    <label class="text-xs group-has-[option[value=accept]:checked]:hidden">
                                        <span class="font-medium">"Reason"</span>
                                        <input name=name("reason") class=INPUT/>
                                        {field_error(action, key("reason"))}
                                    </label>
                                    <label class="text-xs sm:col-span-6 hidden group-has-[option[value=split]:checked]:block">
                                        <span class="font-medium">"Deliveries of a split: quantity @ date, separated by ;"</span>
                                        <input name=name("split") class=INPUT placeholder="40 @ 2026-12-20; 60 @ 2027-01-10"/>
                                        {field_error(action, key("split"))}
                                    </label>
                                </div>
                            }
                        }).collect_view()}
                    </div>
                    <button type="submit" name="input[decision]" value="per_line" disabled=pending
                        class="mt-3 rounded bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700">
                        "Send line decisions"
                    </button>
                </fieldset>
            </ActionForm>
        </section>
    }
}

/// What the supplier said about a line, for the lines table.
pub fn line_ack_label(state: &str) -> &'static str {
    match state {
        "accepted" => "Accepted",
        "rejected" => "Rejected",
        "change_proposed" => "Change proposed",
        "reconfirm" => "Changed: confirm again",
        _ => "Awaiting",
    }
}

/// A proposal in words: "80 Units", "on 2026-12-20", "40 @ 2026-12-20; 60 @ 2027-01-10".
pub fn proposal_text(p: &crate::model::ProposalView, uom: &str) -> String {
    let what = match p.kind.as_str() {
        "quantity" => p.proposed_quantity.map(|q| format!("{} {uom}", format::quantity(q))).unwrap_or_default(),
        "date" => p.proposed_date.map(|d| format!("delivery on {d}")).unwrap_or_default(),
        _ => p.deliveries.iter().map(|(q, d)| format!("{} @ {d}", format::quantity(*q))).collect::<Vec<_>>().join("; "),
    };
    format!("Proposed {what} ({})", format::decision_status(&p.status, p.decision_comment.as_deref()))
}
