//! The buyer's confirmation monitor: what suppliers have not answered, what is overdue, and what
//! waits for the buyer — per supplier, each number a link to the POs behind it.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::confirmation_monitor;
use crate::components::notice::{ErrorNotice, LoadingRows};
use crate::model::SupplierConfirmation;

/// "3 days" or "5 hours": the age of the oldest unanswered PO.
fn age(hours: i64) -> String {
    match hours {
        h if h >= 48 => format!("{} days", h / 24),
        1 => "1 hour".into(),
        h => format!("{h} hours"),
    }
}

#[component]
fn Total(label: &'static str, value: i64, href: &'static str, alarm: bool) -> impl IntoView {
    let tone = if alarm && value > 0 { "text-rose-700" } else { "text-slate-900" };
    view! {
        <a href=href class="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 hover:ring-slate-400">
            <div class="text-xs uppercase tracking-wide text-slate-500">{label}</div>
            <div class=format!("mt-1 text-3xl font-semibold tabular-nums {tone}")>{value}</div>
        </a>
    }
}

#[component]
pub fn MonitorPage() -> impl IntoView {
    let monitor = Resource::new(|| (), |_| confirmation_monitor());
    view! {
        <Title text="Confirmation monitor"/>
        <h1 class="text-2xl font-semibold tracking-tight">"Confirmation monitor"</h1>
        <p class="text-sm text-slate-600">"Which suppliers have not confirmed, which answers are overdue, and what waits for you."</p>
        <Transition fallback=|| view! { <LoadingRows/> }>
            {move || Suspend::new(async move {
                match monitor.await {
                    Ok(rows) => view! { <MonitorTable rows/> }.into_any(),
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn MonitorTable(rows: Vec<SupplierConfirmation>) -> impl IntoView {
    let sum = |f: fn(&SupplierConfirmation) -> i64| rows.iter().map(f).sum::<i64>();
    let (awaiting, overdue, reconfirm) = (sum(|r| r.awaiting), sum(|r| r.overdue), sum(|r| r.reconfirm));
    let proposals = sum(|r| r.proposals_pending);
    let lead_times = sum(|r| r.lead_times_pending);
    view! {
        <div class="mt-4 grid grid-cols-2 gap-3 md:grid-cols-5" data-testid="monitor-totals">
            <Total label="Awaiting answer" value=awaiting href="/pos?view=needs_ack" alarm=false/>
            <Total label="Overdue" value=overdue href="/pos?view=needs_ack" alarm=true/>
            <Total label="Changed, to confirm again" value=reconfirm href="/pos?view=reconfirm" alarm=false/>
            <Total label="Proposals for you" value=proposals href="/proposals" alarm=false/>
            <Total label="Lead-time proposals" value=lead_times href="/lead-time-proposals" alarm=false/>
        </div>
        <div class="mt-6 overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
            <table class="min-w-full text-sm" data-testid="monitor-table">
                <thead class="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
                    <tr>
                        <th class="px-3 py-2">"Supplier"</th>
                        <th class="px-3 py-2 text-right">"Awaiting"</th>
                        <th class="px-3 py-2 text-right">"Overdue"</th>
                        <th class="px-3 py-2">"Oldest waiting"</th>
                        <th class="px-3 py-2 text-right">"To confirm again"</th>
                        <th class="px-3 py-2 text-right">"Proposals"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100">
                    {rows.into_iter().map(|r| {
                        let needs = format!("/pos?view=needs_ack&supplier={}", r.supplier_id);
                        let overdue_class = if r.overdue == 0 {
                            "px-3 py-2 text-right tabular-nums"
                        } else {
                            "px-3 py-2 text-right tabular-nums font-semibold text-rose-700"
                        };
                        view! {
                            <tr>
                                <td class="px-3 py-2 font-medium">{r.supplier_name.clone()}</td>
                                <td class="px-3 py-2 text-right tabular-nums"><a class="text-blue-700 hover:underline" href=needs>{r.awaiting}</a></td>
                                <td class=overdue_class>
                                    {r.overdue}
                                </td>
                                <td class="px-3 py-2">{r.oldest_awaiting_hours.map(age).unwrap_or_else(|| "—".into())}</td>
                                <td class="px-3 py-2 text-right tabular-nums">{r.reconfirm}</td>
                                <td class="px-3 py-2 text-right tabular-nums">{r.proposals_pending + r.lead_times_pending}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::age;

    #[test]
    fn ages_read_in_hours_then_days() {
        assert_eq!(age(1), "1 hour");
        assert_eq!(age(30), "30 hours");
        assert_eq!(age(73), "3 days");
    }
}
