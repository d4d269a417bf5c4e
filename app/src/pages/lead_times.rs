//! Lead times: the supplier's products with their current lead time and a form to propose a new
//! one; the buyer's queue of proposals with the open PO lines each would make late.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{lead_time_catalog, pending_lead_times, DecideLeadTime, ProposeLeadTime};
use crate::components::notice::{ErrorNotice, LoadedList};
use crate::format;
use crate::model::{LeadTimeItem, LeadTimeProposalView};

const INPUT: &str = "block w-full rounded border border-slate-300 bg-white px-2 py-1.5 text-sm";

#[component]
pub fn LeadTimesPage() -> impl IntoView {
    let propose = ServerAction::<ProposeLeadTime>::new();
    // Reload after a successful proposal only: a failed one keeps what was typed.
    let proposed = Memo::new(move |_| propose.value().with(|v| matches!(v, Some(Ok(())))));
    let catalog = Resource::new(move || proposed.get(), |_| lead_time_catalog());
    view! {
        <Title text="Lead times"/>
        <h1 class="text-2xl font-semibold tracking-tight">"Lead times"</h1>
        <p class="text-sm text-slate-600">"What you supply and how long it takes. Propose a change and see which open orders it would make late."</p>
        {move || propose.value().get().and_then(|r| r.err()).map(|error| view! { <div class="mt-4"><ErrorNotice error/></div> })}
        <div class="mt-4">
            <LoadedList items=catalog empty_title="No products yet" empty_hint="Products appear once your customer lists you as their supplier." test_id="lead-time-catalog"
                row=move |item| view! { <CatalogItem item propose/> }/>
        </div>
    }
}

#[component]
fn CatalogItem(item: LeadTimeItem, propose: ServerAction<ProposeLeadTime>) -> impl IntoView {
    let waiting = item.latest.as_ref().is_some_and(|p| p.status == "pending");
    let code = item.product_code.clone().unwrap_or_default();
    view! {
        <li class="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200" data-testid=format!("lead-time-{code}")>
            <div class="flex flex-wrap items-baseline justify-between gap-2">
                <div>
                    <span class="font-medium">{format!("[{code}] {}", item.product_name)}</span>
                    <span class="ml-2 font-mono text-xs text-slate-500">{item.supplier_code.clone().unwrap_or_default()}</span>
                </div>
                <span class="text-sm">"Lead time: "<strong data-testid="current-days">{format!("{} days", item.lead_time_days)}</strong></span>
            </div>
            {item.latest.clone().map(|p| view! { <ProposalSummary proposal=p/> })}
            {(!waiting).then(|| view! {
                <ActionForm action=propose attr:class="mt-3 grid gap-2 sm:grid-cols-4 sm:items-end">
                    <input type="hidden" name="input[supplier_product_id]" value=item.supplier_product_id.to_string()/>
                    <label class="text-xs"><span class="font-medium">"New lead time (days)"</span>
                        <input name="input[days]" inputmode="numeric" class=INPUT/></label>
                    <label class="text-xs"><span class="font-medium">"Effective from"</span>
                        <input name="input[effective_date]" type="date" class=INPUT/></label>
                    <label class="text-xs"><span class="font-medium">"Reason"</span>
                        <input name="input[reason]" class=INPUT/></label>
                    <button type="submit" class="rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700">"Propose"</button>
                </ActionForm>
            })}
        </li>
    }
}

/// A proposal's terms, its status and the lines it would make late.
#[component]
fn ProposalSummary(proposal: LeadTimeProposalView) -> impl IntoView {
    let status = format::decision_status(&proposal.status, proposal.decision_comment.as_deref());
    let late = proposal.late_lines.clone();
    view! {
        <div class="mt-2 rounded bg-slate-50 p-3 text-sm" data-testid="lead-time-proposal">
            <p>
                {format!("{} → {} days from {} ({status}). ", proposal.current_days, proposal.proposed_days, proposal.effective_date)}
                <span class="text-slate-600">{format!("Reason: {}", proposal.reason)}</span>
            </p>
            {if late.is_empty() {
                view! { <p class="mt-1 text-emerald-800">"No open order line would be late."</p> }.into_any()
            } else {
                view! {
                    <p class="mt-1 font-medium text-rose-800">{format!("{} open order lines would be late:", late.len())}</p>
                    <ul class="mt-1 list-disc pl-5 text-xs" data-testid="late-lines">
                        {late.into_iter().map(|l| view! {
                            <li>
                                <a class="text-blue-700 hover:underline" href=format!("/pos/{}", l.po_id)>{l.po_number.clone()}</a>
                                {format!(" line {}: wanted {}, earliest {}", l.line_no, format::date(&l.requested_date), l.earliest_delivery)}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </div>
    }
}

#[component]
pub fn LeadTimeProposalsPage() -> impl IntoView {
    let decide = ServerAction::<DecideLeadTime>::new();
    let queue = Resource::new(move || decide.version().get(), |_| pending_lead_times());
    view! {
        <Title text="Lead-time proposals"/>
        <h1 class="text-2xl font-semibold tracking-tight">"Lead-time proposals"</h1>
        <p class="text-sm text-slate-600">"Approving changes the supplier's lead time here and in Odoo (product.supplierinfo)."</p>
        {move || decide.value().get().and_then(|r| r.err()).map(|error| view! { <div class="mt-4"><ErrorNotice error/></div> })}
        <div class="mt-4">
            <LoadedList items=queue empty_title="No lead-time proposals waiting" empty_hint="Suppliers' proposals appear here." test_id="lead-time-queue"
                row=move |p| view! { <QueuedLeadTime proposal=p decide/> }/>
        </div>
    }
}

#[component]
fn QueuedLeadTime(proposal: LeadTimeProposalView, decide: ServerAction<DecideLeadTime>) -> impl IntoView {
    let id = proposal.id.to_string();
    let testid = format!("lead-time-proposal-{}", proposal.id);
    let title = format!("{} · {}", proposal.supplier_name, proposal.product_name);
    view! {
        <li class="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200" data-testid=testid>
            <p class="font-medium">{title}</p>
            <ProposalSummary proposal/>
            <ActionForm action=decide attr:class="mt-3 flex flex-wrap items-end gap-2">
                <input type="hidden" name="input[proposal_id]" value=id/>
                <label class="flex-1 min-w-56 text-xs"><span class="font-medium">"Comment (required to reject)"</span>
                    <input name="input[comment]" class=INPUT/></label>
                <button type="submit" name="input[decision]" value="accept"
                    class="rounded bg-emerald-700 px-3 py-1.5 text-sm font-medium text-white">"Approve"</button>
                <button type="submit" name="input[decision]" value="reject"
                    class="rounded border border-rose-300 bg-white px-3 py-1.5 text-sm font-medium text-rose-800">"Reject"</button>
            </ActionForm>
        </li>
    }
}
