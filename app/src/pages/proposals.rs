//! The buyer's queue of supplier proposals: what was ordered beside what is proposed, and a
//! decision for each. Plain forms (they work before hydration); once hydrated they submit in place.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{pending_proposals, DecideProposal};
use crate::components::notice::{ErrorNotice, LoadedList};
use crate::format;
use crate::model::ProposalQueueItem;
use crate::pages::po_ack::proposal_text;

#[component]
pub fn ProposalsPage() -> impl IntoView {
    let decide = ServerAction::<DecideProposal>::new();
    let queue = Resource::new(move || decide.version().get(), |_| pending_proposals());
    view! {
        <Title text="Proposals"/>
        <h1 class="text-2xl font-semibold tracking-tight">"Supplier proposals"</h1>
        <p class="text-sm text-slate-600">"Changes suppliers propose to your orders. Accepting changes the PO line and updates Odoo."</p>
        {move || decide.value().get().and_then(|r| r.err()).map(|error| view! { <div class="mt-4"><ErrorNotice error/></div> })}
        <div class="mt-4">
            <LoadedList items=queue empty_title="No proposals waiting" empty_hint="When a supplier proposes another quantity or date, it appears here." test_id="proposal-queue"
                row=move |item| view! { <ProposalCard item decide/> }/>
        </div>
    }
}

#[component]
fn ProposalCard(item: ProposalQueueItem, decide: ServerAction<DecideProposal>) -> impl IntoView {
    let id = item.proposal.id.to_string();
    view! {
        <li class="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200" data-testid=format!("proposal-{}", item.po_number)>
            <div class="flex flex-wrap items-baseline justify-between gap-2">
                <div>
                    <a href=format!("/pos/{}", item.po_id) class="font-medium text-blue-700 hover:underline">{item.po_number.clone()}</a>
                    <span class="text-sm text-slate-600">{format!(" · {} · line {}: {}", item.supplier_name, item.line_no, item.product_name)}</span>
                </div>
                <span class="text-xs text-slate-500">{format!("proposed {}", format::date_time(&item.proposed_at))}</span>
            </div>
            <dl class="mt-2 grid gap-2 text-sm sm:grid-cols-2">
                <div><dt class="text-xs uppercase text-slate-500">"Ordered"</dt>
                    <dd>{format!("{} {} by {}", format::quantity(item.ordered_quantity), item.uom, format::date(&item.requested_date))}</dd></div>
                <div><dt class="text-xs uppercase text-slate-500">"Supplier proposes"</dt>
                    <dd class="font-medium">{proposal_text(&item.proposal, &item.uom)}</dd></div>
            </dl>
            {item.proposal.reason.clone().map(|r| view! { <p class="mt-1 text-sm text-slate-600">{format!("Reason: {r}")}</p> })}
            <ActionForm action=decide attr:class="mt-3 flex flex-wrap items-end gap-2">
                <input type="hidden" name="input[proposal_id]" value=id/>
                <label class="flex-1 min-w-56 text-xs">
                    <span class="font-medium">"Comment to the supplier (required to reject)"</span>
                    <input name="input[comment]" class="block w-full rounded border border-slate-300 px-2 py-1.5 text-sm"/>
                </label>
                <button type="submit" name="input[decision]" value="accept"
                    class="rounded bg-emerald-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-emerald-800">"Accept"</button>
                <button type="submit" name="input[decision]" value="reject"
                    class="rounded border border-rose-300 bg-white px-3 py-1.5 text-sm font-medium text-rose-800 hover:bg-rose-50">"Reject"</button>
            </ActionForm>
        </li>
    }
}
