//! Supplier scorecards: per supplier over a chosen window, how fast and how reliably it answers,
//! how often it confirms as ordered, delivers by the confirmed date and announces what arrives.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::supplier_scorecards;
use crate::components::notice::{ErrorNotice, LoadingRows};
use crate::model::{Rate, ScorecardsView, SupplierScorecard};

const WINDOWS: [i64; 4] = [30, 90, 180, 365];

/// "92% (23/25)", or "n/a" when there was nothing to count.
pub fn rate_text(rate: Option<Rate>) -> String {
    match rate {
        Some(r) => format!("{:.0}% ({}/{})", r.percent(), r.hits, r.of),
        None => "n/a".into(),
    }
}

/// "3.5 h" below two days, "2.1 days" above; "n/a" without acknowledgements.
pub fn hours_text(hours: Option<f64>) -> String {
    match hours {
        Some(h) if h >= 48.0 => format!("{:.1} days", h / 24.0),
        Some(h) => format!("{h:.1} h"),
        None => "n/a".into(),
    }
}

/// Green from 95%, amber from 80%, red below; grey for n/a.
fn tone(rate: Option<Rate>) -> &'static str {
    match rate.map(Rate::percent) {
        None => "text-slate-400",
        Some(p) if p >= 95.0 => "text-emerald-800",
        Some(p) if p >= 80.0 => "text-amber-800",
        Some(_) => "text-rose-700 font-semibold",
    }
}

#[component]
pub fn ScorecardsPage() -> impl IntoView {
    let url = use_query_map();
    let days = Memo::new(move |_| url.read().get("days").and_then(|d| d.parse::<i64>().ok()));
    let cards = Resource::new(move || days.get(), supplier_scorecards);
    view! {
        <Title text="Supplier scorecards"/>
        <div class="flex flex-wrap items-end justify-between gap-4">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight">"Supplier scorecards"</h1>
                <p class="text-sm text-slate-600">"How each supplier answers, confirms, delivers and announces its shipments."</p>
            </div>
            <nav class="flex gap-1 text-sm" aria-label="Window" data-testid="scorecard-windows">
                {WINDOWS.into_iter().map(|w| {
                    let current = move || days.get().unwrap_or(90) == w;
                    view! {
                        <a href=format!("/scorecards?days={w}")
                            aria-current=move || current().then_some("page")
                            class="rounded border border-slate-300 bg-white px-3 py-1 hover:bg-slate-100 aria-[current=page]:bg-slate-900 aria-[current=page]:text-white">
                            {format!("{w} days")}
                        </a>
                    }
                }).collect_view()}
            </nav>
        </div>
        <Transition fallback=|| view! { <LoadingRows/> }>
            {move || Suspend::new(async move {
                match cards.await {
                    Ok(view) => view! { <Cards view/> }.into_any(),
                    Err(error) => view! { <div class="mt-4"><ErrorNotice error/></div> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Cards(view: ScorecardsView) -> impl IntoView {
    view! {
        <p class="mt-4 text-xs text-slate-500">
            {format!("POs that reached the portal since {} (the last {} days); receipts and shipments in the same window.", view.since, view.window_days)}
        </p>
        <div class="mt-2 overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
            <table class="min-w-full text-sm" data-testid="scorecards">
                <thead class="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
                    <tr>
                        <th class="px-3 py-2">"Supplier"</th>
                        <th class="px-3 py-2 text-right">"POs"</th>
                        <th class="px-3 py-2 text-right">"Median time to acknowledge"</th>
                        <th class="px-3 py-2 text-right">"Acknowledged within SLA"</th>
                        <th class="px-3 py-2 text-right">"Lines confirmed as ordered"</th>
                        <th class="px-3 py-2 text-right">"Received by confirmed date"</th>
                        <th class="px-3 py-2 text-right">"ASN matches receipt"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100">
                    {view.suppliers.into_iter().map(|card| view! { <Row card/> }).collect_view()}
                </tbody>
            </table>
        </div>
        <p class="mt-2 text-xs text-slate-500">"n/a: nothing to measure in this window."</p>
    }
}

#[component]
fn Row(card: SupplierScorecard) -> impl IntoView {
    let cell = |rate: Option<Rate>| {
        view! { <td class=format!("px-3 py-2 text-right tabular-nums {}", tone(rate))>{rate_text(rate)}</td> }
    };
    view! {
        <tr data-testid=format!("scorecard-{}", card.supplier_id)>
            <td class="px-3 py-2">
                <span class="font-medium">{card.supplier_name.clone()}</span>
                <span class="block text-xs text-slate-500">{format!("SLA {} h", card.ack_sla_hours)}</span>
            </td>
            <td class="px-3 py-2 text-right tabular-nums">{card.pos_received}</td>
            <td class="px-3 py-2 text-right tabular-nums">{hours_text(card.median_ack_hours)}</td>
            {cell(card.on_time_ack)}
            {cell(card.confirmed_as_ordered)}
            {cell(card.lead_time_adherence)}
            {cell(card.asn_accuracy)}
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_as_shares_or_na() {
        assert_eq!(rate_text(Some(Rate { hits: 23, of: 25 })), "92% (23/25)");
        assert_eq!(rate_text(None), "n/a");
        assert_eq!(hours_text(Some(3.46)), "3.5 h");
        assert_eq!(hours_text(Some(60.0)), "2.5 days");
        assert_eq!(hours_text(None), "n/a");
    }
}
