//! The buyer's exception queue: components that will arrive after they are required, the
//! production they endanger (earliest first) and who else could deliver them.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::exception_queue;
use crate::components::notice::{EmptyState, ErrorNotice, LoadingRows};
use crate::format;
use crate::model::{AlternativeSupplierView, EndangeredMoView, ExceptionQueueView, LateComponentView};

const CHIP: &str = "inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset";

/// "1 day" or "12 days".
pub fn days(n: i64) -> String {
    if n == 1 {
        "1 day".into()
    } else {
        format!("{n} days")
    }
}

/// Why the line is late, in the buyer's words.
fn cause_text(item: &LateComponentView) -> String {
    match (item.cause.as_str(), &item.asn_number) {
        ("asn", Some(asn)) => format!("Shipment {asn} arrives {}", item.expected_date),
        _ => format!("Supplier confirmed {}", item.expected_date),
    }
}

#[component]
pub fn ExceptionsPage() -> impl IntoView {
    let queue = Resource::new(|| (), |_| exception_queue());
    view! {
        <Title text="Exceptions"/>
        <h1 class="text-2xl font-semibold tracking-tight">"Exceptions"</h1>
        <p class="text-sm text-slate-600">
            "Components that will arrive after they are required, with the manufacturing orders that need them sooner and who else supplies them."
        </p>
        <Transition fallback=|| view! { <LoadingRows/> }>
            {move || Suspend::new(async move {
                match queue.await {
                    Ok(view) => view! { <Queue view/> }.into_any(),
                    Err(error) => view! { <div class="mt-4"><ErrorNotice error/></div> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Queue(view: ExceptionQueueView) -> impl IntoView {
    if view.items.is_empty() {
        return view! {
            <div class="mt-4">
                <EmptyState title="Nothing is late">"Every open order line arrives by the date it is required."</EmptyState>
            </div>
        }
        .into_any();
    }
    let late = view.items.len();
    let endangering: Vec<&LateComponentView> = view.items.iter().filter(|i| !i.endangered_mos.is_empty()).collect();
    let mos: usize = endangering.iter().map(|i| i.endangered_mos.len()).sum();
    let first_start = endangering.iter().filter_map(|i| i.endangered_mos.first()).map(|m| m.date_start).min();
    view! {
        <div class="mt-4 grid grid-cols-1 gap-3 sm:grid-cols-3" data-testid="exception-totals">
            <Figure label="Late order lines" value=late.to_string() alarm=false/>
            <Figure label="Manufacturing orders endangered" value=mos.to_string() alarm={mos > 0}/>
            <Figure label="First endangered start" value={first_start.as_ref().map(format::date).unwrap_or_else(|| "—".into())} alarm={first_start.is_some()}/>
        </div>
        <ul class="mt-6 space-y-4" data-testid="exception-queue">
            {view.items.into_iter().map(|item| view! { <LateLine item/> }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn Figure(label: &'static str, value: String, alarm: bool) -> impl IntoView {
    let tone = if alarm { "text-rose-700" } else { "text-slate-900" };
    view! {
        <div class="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
            <div class="text-xs uppercase tracking-wide text-slate-500">{label}</div>
            <div class=format!("mt-1 text-2xl font-semibold tabular-nums {tone}")>{value}</div>
        </div>
    }
}

#[component]
fn LateLine(item: LateComponentView) -> impl IntoView {
    let endangers = !item.endangered_mos.is_empty();
    let border = if endangers { "border-l-4 border-rose-500" } else { "border-l-4 border-amber-400" };
    let code = item.product_code.clone().map(|c| format!("[{c}] ")).unwrap_or_default();
    let cause = cause_text(&item);
    let mos = item.endangered_mos.clone();
    let alternatives = item.alternatives.clone();
    view! {
        <li class=format!("rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 {border}")
            data-testid=format!("late-line-{}", item.line_id)>
            <div class="flex flex-wrap items-start justify-between gap-3">
                <div>
                    <p class="font-medium">{format!("{code}{}", item.product_name)}</p>
                    <p class="text-sm text-slate-600">
                        {item.supplier_name.clone()}" · "
                        <a class="text-blue-700 hover:underline" href=format!("/pos/{}", item.po_id)>{item.po_number.clone()}</a>
                        {format!(" line {} · {} {} open", item.line_no, format::quantity(item.open_quantity), item.uom)}
                    </p>
                </div>
                <div class="text-right">
                    <span class=format!("{CHIP} bg-rose-50 text-rose-800 ring-rose-200") data-testid="days-late">
                        {format!("{} late", days(item.days_late))}
                    </span>
                    <p class="mt-1 text-sm tabular-nums">
                        "Required "<strong>{item.required_date.to_string()}</strong>
                        " · expected "<strong class="text-rose-800">{item.expected_date.to_string()}</strong>
                    </p>
                    <p class="text-xs text-slate-500">{cause}</p>
                </div>
            </div>
            <div class="mt-3 grid gap-4 md:grid-cols-2">
                <Endangered mos/>
                <Alternatives alternatives/>
            </div>
        </li>
    }
}

#[component]
fn Endangered(mos: Vec<EndangeredMoView>) -> impl IntoView {
    view! {
        <div>
            <h3 class="text-xs font-semibold uppercase tracking-wide text-slate-500">"Production at risk"</h3>
            {if mos.is_empty() {
                view! { <p class="mt-1 text-sm text-slate-600">"No manufacturing order needs it before it arrives."</p> }.into_any()
            } else {
                view! {
                    <table class="mt-1 w-full text-sm" data-testid="endangered-mos">
                        <thead class="text-left text-xs text-slate-500">
                            <tr><th class="py-1">"Order"</th><th class="py-1">"Starts"</th><th class="py-1 text-right">"Needs"</th></tr>
                        </thead>
                        <tbody class="divide-y divide-slate-100">
                            {mos.into_iter().map(|m| view! {
                                <tr>
                                    <td class="py-1">
                                        <span class="font-medium">{m.name.clone()}</span>
                                        <span class="block text-xs text-slate-500">{m.product_name.clone()}</span>
                                    </td>
                                    <td class="py-1 tabular-nums text-rose-800">{format::date(&m.date_start)}</td>
                                    <td class="py-1 text-right tabular-nums">{format::quantity(m.quantity)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </div>
    }
}

#[component]
fn Alternatives(alternatives: Vec<AlternativeSupplierView>) -> impl IntoView {
    view! {
        <div>
            <h3 class="text-xs font-semibold uppercase tracking-wide text-slate-500">"Other suppliers"</h3>
            {if alternatives.is_empty() {
                view! { <p class="mt-1 text-sm text-slate-600">"No other supplier lists this product."</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-1 space-y-1 text-sm" data-testid="alternatives">
                        {alternatives.into_iter().map(|a| {
                            let tone = if a.sooner { "text-emerald-800" } else { "text-slate-600" };
                            view! {
                                <li class="flex flex-wrap justify-between gap-2">
                                    <span>
                                        <span class="font-medium">{a.supplier_name.clone()}</span>
                                        {a.supplier_code.clone().map(|c| view! { <span class="ml-1 font-mono text-xs text-slate-500">{c}</span> })}
                                    </span>
                                    <span class=format!("tabular-nums {tone}")>
                                        {format!("{} lead time · could deliver {}", days(a.lead_time_days), a.earliest_date)}
                                        {a.sooner.then_some(" (sooner)")}
                                    </span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::days;

    #[test]
    fn day_counts_read_naturally() {
        assert_eq!(days(1), "1 day");
        assert_eq!(days(12), "12 days");
    }
}
