//! One purchase order with its lines. Another supplier's PO is a 404, like a missing one.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::{get_purchase_order, AcknowledgePo};
use crate::components::badge::{AckBadge, PoStateBadge};
use crate::components::notice::{ErrorNotice, LoadingRows};
use crate::format;
use crate::model::PoDetailView;
use crate::pages::not_found::NotFound;
use crate::pages::po_ack::{line_ack_label, proposal_text, AckForm};
use crate::AppError;

#[component]
pub fn PoDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok());
    let action = ServerAction::<AcknowledgePo>::new();
    // Reload the PO after a successful acknowledgement only: a failed one keeps the form as typed.
    let acknowledged = Memo::new(move |_| action.value().with(|v| matches!(v, Some(Ok(())))));
    let po = Resource::new(
        move || (id(), acknowledged.get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_purchase_order(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <a href="/pos" class="text-sm text-blue-700 hover:underline">"← Purchase orders"</a>
        <Transition fallback=|| view! { <LoadingRows/> }>
            {move || Suspend::new(async move {
                match po.await {
                    Ok(po) => view! { <PoDetail po action/> }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFound/> }.into_any(),
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Fact(label: &'static str, value: String) -> impl IntoView {
    view! {
        <div>
            <dt class="text-xs uppercase tracking-wide text-slate-500">{label}</dt>
            <dd class="mt-0.5 font-medium">{value}</dd>
        </div>
    }
}

fn tracking_label(tracking: &str) -> Option<&'static str> {
    match tracking {
        "lot" => Some("Lot-tracked"),
        "serial" => Some("Serial-tracked"),
        _ => None,
    }
}

#[component]
fn PoDetail(po: PoDetailView, action: ServerAction<AcknowledgePo>) -> impl IntoView {
    let s = po.summary.clone();
    let currency = s.currency.clone();
    let proposals = po.proposals.clone();
    view! {
        <Title text=s.number.clone()/>
        <div class="mt-2 flex flex-wrap items-center gap-3">
            <h1 class="text-2xl font-semibold tracking-tight" data-testid="po-number">{s.number.clone()}</h1>
            <PoStateBadge state=s.state/>
            <AckBadge state=s.ack_state/>
        </div>
        <p class="text-sm text-slate-600">{s.supplier_name.clone()}</p>
        <dl class="mt-4 grid grid-cols-2 gap-4 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:grid-cols-3 lg:grid-cols-6">
            <Fact label="Ordered" value=format::date(&s.order_date)/>
            <Fact label="Expected" value=format::opt_date(&s.expected_date)/>
            {po.can_acknowledge.then(|| view! {
                <div>
                    <dt class="text-xs uppercase tracking-wide text-slate-500">"Acknowledge by"</dt>
                    <dd class=if po.ack_overdue { "mt-0.5 font-medium text-rose-700" } else { "mt-0.5 font-medium" }>
                        {format::date_time(&po.ack_due_at)}{po.ack_overdue.then_some(" (overdue)")}
                    </dd>
                </div>
            })}
            <Fact label="Buyer" value=po.buyer_name.clone().unwrap_or_else(|| "—".into())/>
            <Fact label="Revision" value=po.revision.to_string()/>
            <Fact label="Total" value=format::money(s.amount_total, &s.currency)/>
        </dl>
        {(!po.revision_changes.is_empty()).then(|| view! {
            <div class="mt-4 rounded-lg bg-sky-50 p-4 text-sm ring-1 ring-sky-200" data-testid="revision-changes">
                <p class="font-medium">{format!("Changed by the buyer in revision {}", po.revision)}</p>
                <ul class="mt-1 list-disc pl-5">
                    {po.revision_changes.iter().map(|c| view! { <li>{c.sentence()}</li> }).collect_view()}
                </ul>
                {matches!(s.ack_state, crate::model::AckState::Reconfirm).then(|| view! {
                    <p class="mt-1">"Please confirm the changed lines again."</p>
                })}
            </div>
        })}
        {po.notes.clone().filter(|n| !n.trim().is_empty()).map(|notes| view! {
            <div class="mt-4 rounded-lg bg-amber-50 p-4 text-sm ring-1 ring-amber-200">
                <p class="font-medium">"Buyer's notes"</p>
                <p class="mt-1 whitespace-pre-line">{notes}</p>
            </div>
        })}
        {move || action.value().with(|v| matches!(v, Some(Ok(())))).then(|| view! {
            <p role="status" class="mt-4 rounded border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900" data-testid="ack-done">
                "Thank you: your acknowledgement is recorded and on its way to the buyer's ERP."
            </p>
        })}
        {po.can_acknowledge.then(|| view! { <AckForm po=po.clone() action/> }.into_any())}
        <h2 class="mt-6 mb-2 text-lg font-semibold">{format!("Lines ({})", po.lines.len())}</h2>
        <ul class="space-y-2 sm:hidden" data-testid="po-line-cards">
            {po.lines.iter().map(|l| view! {
                <li class="rounded-lg bg-white p-3 text-sm shadow-sm ring-1 ring-slate-200">
                    <div class="flex justify-between gap-2">
                        <span class="font-medium">{format!("{}. ", l.line_no)}{l.product_code.clone().map(|c| format!("[{c}] ")).unwrap_or_default()}{l.product_name.clone()}</span>
                        {tracking_label(&l.tracking).map(|t| view! { <span class="shrink-0 rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600">{t}</span> })}
                    </div>
                    <dl class="mt-2 grid grid-cols-2 gap-x-3 gap-y-1 text-xs">
                        <dt class="text-slate-500">"Your code"</dt><dd class="font-mono">{l.supplier_product_code.clone().unwrap_or_else(|| "—".into())}</dd>
                        <dt class="text-slate-500">"Quantity"</dt><dd class="tabular-nums">{format!("{} {}", format::quantity(l.quantity), l.uom)}</dd>
                        <dt class="text-slate-500">"Unit price"</dt><dd class="tabular-nums">{format::money(l.price_unit, &currency)}</dd>
                        <dt class="text-slate-500">"Subtotal"</dt><dd class="tabular-nums">{format::money(l.subtotal, &currency)}</dd>
                        <dt class="text-slate-500">"Requested"</dt><dd>{format::date(&l.requested_date)}</dd>
                        <dt class="text-slate-500">"Answer"</dt><dd>{line_ack_label(&l.ack_state)}</dd>
                    </dl>
                </li>
            }).collect_view()}
        </ul>
        <div class="hidden sm:block overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
            <table class="min-w-full text-sm" data-testid="po-lines">
                <thead class="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
                    <tr>
                        <th class="px-3 py-2">"#"</th>
                        <th class="px-3 py-2">"Product"</th>
                        <th class="px-3 py-2">"Your code"</th>
                        <th class="px-3 py-2 text-right">"Quantity"</th>
                        <th class="px-3 py-2 text-right">"Unit price"</th>
                        <th class="px-3 py-2 text-right">"Subtotal"</th>
                        <th class="px-3 py-2">"Requested"</th>
                        <th class="px-3 py-2">"Supplier's answer"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100">
                    {po.lines.into_iter().map(|l| {
                        let tracked = tracking_label(&l.tracking);
                        view! {
                            <tr>
                                <td class="px-3 py-2 text-slate-500">{l.line_no}</td>
                                <td class="px-3 py-2">
                                    <span class="font-medium">{l.product_code.clone().map(|c| format!("[{c}] ")).unwrap_or_default()}{l.product_name.clone()}</span>
                                    {tracked.map(|t| view! { <span class="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600">{t}</span> })}
                                    {(l.description != l.product_name).then(|| view! { <span class="block text-xs text-slate-500">{l.description.clone()}</span> })}
                                </td>
                                <td class="px-3 py-2 font-mono text-xs">{l.supplier_product_code.clone().unwrap_or_else(|| "—".into())}</td>
                                <td class="px-3 py-2 text-right whitespace-nowrap tabular-nums">{format!("{} {}", format::quantity(l.quantity), l.uom)}</td>
                                <td class="px-3 py-2 text-right whitespace-nowrap tabular-nums">{format::money(l.price_unit, &currency)}</td>
                                <td class="px-3 py-2 text-right whitespace-nowrap tabular-nums">{format::money(l.subtotal, &currency)}</td>
                                <td class="px-3 py-2 whitespace-nowrap">{format::date(&l.requested_date)}</td>
                                <td class="px-3 py-2 text-xs" data-testid=format!("line-answer-{}", l.line_no)>
                                    <span class="font-medium">{line_ack_label(&l.ack_state)}</span>
                                    {proposals.iter().filter(|p| p.line_id == l.id).map(|p| view! {
                                        <span class="block text-slate-600">{proposal_text(p, &l.uom)}</span>
                                    }).collect_view()}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
