//! The purchase-order list: the supplier's own, or every supplier's for buyers (with a supplier
//! filter). Filters live in the URL, so a plain GET form works before hydration and links share.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use crate::api::{list_purchase_orders, po_view_counts, supplier_options};
use crate::components::badge::{AckBadge, PoStateBadge};
use crate::components::notice::{EmptyState, ErrorNotice, LoadingRows};
use crate::format;
use crate::model::{Page, PoQuery, PoSort, PoState, PoSummaryView, PoViewCount, SupplierOption};

fn query_from_url(get: impl Fn(&str) -> Option<String>) -> PoQuery {
    PoQuery {
        state: get("state"),
        q: get("q"),
        sort: get("sort"),
        // A page that is not a number is reported, not silently replaced.
        page: get("page").filter(|p| !p.is_empty()).map(|p| p.parse().unwrap_or(0)),
        supplier: get("supplier").and_then(|s| s.parse().ok()),
        view: get("view"),
    }
}

/// The list URL for `query` with another page.
fn page_href(query: &PoQuery, page: u32) -> String {
    let mut params = vec![];
    let mut add = |k: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            params.push(format!("{k}={}", format::url_component(&v)));
        }
    };
    add("view", query.view.clone());
    add("q", query.q.clone());
    add("state", query.state.clone());
    add("supplier", query.supplier.map(|s| s.to_string()));
    add("sort", query.sort.clone());
    add("page", Some(page.to_string()));
    format!("/pos?{}", params.join("&"))
}

#[component]
pub fn PoListPage() -> impl IntoView {
    let url = use_query_map();
    let query = Memo::new(move |_| {
        let map = url.read();
        query_from_url(|k| map.get(k))
    });
    let orders = Resource::new(move || query.get(), list_purchase_orders);
    let suppliers = Resource::new(|| (), |_| supplier_options());
    let counts = Resource::new(|| (), |_| po_view_counts());

    view! {
        <Title text="Purchase orders"/>
        <div class="flex flex-wrap items-end justify-between gap-4">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight">"Purchase orders"</h1>
                <p class="text-sm text-slate-600">"Open an order to see its lines, dates and prices."</p>
            </div>
        </div>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let counts = counts.await.unwrap_or_default();
                view! { <ViewTabs counts current=query.get().view.unwrap_or_default()/> }
            })}
        </Suspense>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let suppliers = suppliers.await.unwrap_or_default();
                view! { <Filters query=query.get() suppliers/> }
            })}
        </Suspense>
        <div class="mt-4">
            <Transition fallback=|| view! { <LoadingRows/> }>
                {move || Suspend::new(async move {
                    // Buyers see every supplier, so the supplier column is theirs.
                    let is_buyer = suppliers.await.is_ok_and(|s| !s.is_empty());
                    match orders.await {
                        Ok(page) => view! { <Results page query=query.get_untracked() is_buyer/> }.into_any(),
                        Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// The inbox's views as tabs, each with how many POs it holds.
#[component]
fn ViewTabs(counts: Vec<PoViewCount>, current: String) -> impl IntoView {
    let tab = |href: String, label: String, active: bool| {
        let class = if active {
            "whitespace-nowrap rounded-full bg-slate-900 px-3 py-1 text-white"
        } else {
            "whitespace-nowrap rounded-full bg-white px-3 py-1 ring-1 ring-slate-300 hover:bg-slate-100"
        };
        view! { <a href=href class=class aria-current=active.then_some("page")>{label}</a> }
    };
    view! {
        <nav class="mt-4 flex gap-2 overflow-x-auto pb-1 text-sm" aria-label="Views" data-testid="po-views">
            {tab("/pos".into(), "All".into(), current.is_empty())}
            {counts.into_iter().map(|c| tab(
                format!("/pos?view={}", c.view.as_str()),
                format!("{} ({})", c.view.label(), c.count),
                current == c.view.as_str(),
            )).collect_view()}
        </nav>
    }
}

#[component]
fn Filters(query: PoQuery, suppliers: Vec<SupplierOption>) -> impl IntoView {
    let field = "rounded border border-slate-300 bg-white px-3 py-2 text-sm";
    let selected_state = query.state.clone().unwrap_or_default();
    let selected_sort = query.sort.clone().unwrap_or_else(|| PoSort::default().as_str().to_string());
    let selected_supplier = query.supplier;
    view! {
        <Form method="GET" action="/pos" attr:class="mt-4 flex flex-wrap items-end gap-3" attr:role="search">
            <input type="hidden" name="view" value=query.view.clone().unwrap_or_default()/>
            <label class="flex-1 min-w-48">
                <span class="block text-xs font-medium text-slate-600">"Search"</span>
                <input type="search" name="q" value=query.q.clone().unwrap_or_default()
                    placeholder="PO number, product or your product code" class=format!("{field} w-full")/>
            </label>
            <label>
                <span class="block text-xs font-medium text-slate-600">"State"</span>
                <select name="state" class=field>
                    <option value="" selected=selected_state.is_empty()>"Any state"</option>
                    {PoState::ALL.into_iter().map(|s| view! {
                        <option value=s.as_str() selected=selected_state == s.as_str()>{s.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            {(!suppliers.is_empty()).then(|| view! {
                <label>
                    <span class="block text-xs font-medium text-slate-600">"Supplier"</span>
                    <select name="supplier" class=field>
                        <option value="" selected=selected_supplier.is_none()>"All suppliers"</option>
                        {suppliers.into_iter().map(|s| view! {
                            <option value=s.id.to_string() selected=selected_supplier == Some(s.id)>{s.name}</option>
                        }).collect_view()}
                    </select>
                </label>
            })}
            <label>
                <span class="block text-xs font-medium text-slate-600">"Sort"</span>
                <select name="sort" class=field>
                    {PoSort::ALL.into_iter().map(|s| view! {
                        <option value=s.as_str() selected=selected_sort == s.as_str()>{s.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <button type="submit" class="rounded bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700">
                "Apply"
            </button>
            <a href="/pos" class="px-2 py-2 text-sm text-slate-600 underline">"Clear"</a>
        </Form>
    }
}

#[component]
fn Results(page: Page<PoSummaryView>, query: PoQuery, is_buyer: bool) -> impl IntoView {
    if page.items.is_empty() {
        let set = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
        let filtered = set(&query.q) || set(&query.state) || query.supplier.is_some();
        return if page.total > 0 {
            let (pages, first) = (page.page_count(), page_href(&query, 1));
            view! {
                <EmptyState title="This page does not exist">
                    {format!("There are {pages} pages. ")}<a href=first class="underline">"Go to the first page"</a>
                </EmptyState>
            }
            .into_any()
        } else if filtered {
            view! {
                <EmptyState title="No purchase orders match these filters">
                    <a href="/pos" class="underline">"Clear the filters"</a>
                </EmptyState>
            }
            .into_any()
        } else {
            view! {
                <EmptyState title="No purchase orders yet">
                    "Orders appear here as soon as they are confirmed in your customer's ERP."
                </EmptyState>
            }
            .into_any()
        };
    }
    let show_supplier = is_buyer;
    let pages = page.page_count();
    let current = page.page;
    let prev = (current > 1).then(|| page_href(&query, current - 1));
    let next = (current < pages).then(|| page_href(&query, current + 1));
    let first = (i64::from(current) - 1) * i64::from(page.page_size) + 1;
    let last = first + page.items.len() as i64 - 1;
    view! {
        <p class="mb-2 text-sm text-slate-600" data-testid="po-count">
            {format!("{first}–{last} of {} purchase orders", page.total)}
        </p>
        // Phones get one card per PO; wider screens the table.
        <ul class="space-y-2 sm:hidden" data-testid="po-cards">
            {page.items.iter().map(|po| view! {
                <li>
                    <a href=format!("/pos/{}", po.id) class="block rounded-lg bg-white p-3 shadow-sm ring-1 ring-slate-200">
                        <div class="flex items-center justify-between gap-2">
                            <span class="font-medium text-blue-700">{po.number.clone()}</span>
                            <span class="tabular-nums text-sm">{format::money(po.amount_total, &po.currency)}</span>
                        </div>
                        {show_supplier.then(|| view! { <div class="text-sm text-slate-600">{po.supplier_name.clone()}</div> })}
                        <div class="mt-2 flex flex-wrap gap-1"><PoStateBadge state=po.state/><AckBadge state=po.ack_state/></div>
                        <AckDue po=po.clone()/>
                        <div class="mt-2 text-xs text-slate-500">
                            {format!("Ordered {} · expected {} · {} lines", format::date(&po.order_date), format::opt_date(&po.expected_date), po.line_count)}
                        </div>
                    </a>
                </li>
            }).collect_view()}
        </ul>
        <div class="hidden sm:block overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
            <table class="min-w-full text-sm" data-testid="po-table">
                <thead class="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
                    <tr>
                        <th class="px-3 py-2">"Number"</th>
                        {show_supplier.then(|| view! { <th class="px-3 py-2">"Supplier"</th> })}
                        <th class="px-3 py-2">"State"</th>
                        <th class="px-3 py-2">"Acknowledgement"</th>
                        <th class="px-3 py-2 hidden sm:table-cell">"Ordered"</th>
                        <th class="px-3 py-2">"Expected"</th>
                        <th class="px-3 py-2 text-right">"Total"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100">
                    {page.items.into_iter().map(|po| view! {
                        <tr class="hover:bg-slate-50">
                            <td class="px-3 py-2 font-medium">
                                <a class="text-blue-700 hover:underline" href=format!("/pos/{}", po.id)>{po.number.clone()}</a>
                                <span class="block text-xs text-slate-500">{format!("{} lines", po.line_count)}</span>
                            </td>
                            {show_supplier.then(|| view! { <td class="px-3 py-2">{po.supplier_name.clone()}</td> })}
                            <td class="px-3 py-2"><PoStateBadge state=po.state/></td>
                            <td class="px-3 py-2"><AckBadge state=po.ack_state/><AckDue po=po.clone()/></td>
                            <td class="px-3 py-2 hidden sm:table-cell whitespace-nowrap">{format::date(&po.order_date)}</td>
                            <td class="px-3 py-2 whitespace-nowrap">{format::opt_date(&po.expected_date)}</td>
                            <td class="px-3 py-2 text-right whitespace-nowrap tabular-nums">{format::money(po.amount_total, &po.currency)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <nav class="mt-4 flex items-center justify-between text-sm" aria-label="Pagination">
            {match prev {
                Some(href) => view! { <a class="rounded border border-slate-300 bg-white px-3 py-1" href=href rel="prev">"← Previous"</a> }.into_any(),
                None => view! { <span></span> }.into_any(),
            }}
            <span class="text-slate-600">{format!("Page {current} of {pages}")}</span>
            {match next {
                Some(href) => view! { <a class="rounded border border-slate-300 bg-white px-3 py-1" href=href rel="next">"Next →"</a> }.into_any(),
                None => view! { <span></span> }.into_any(),
            }}
        </nav>
    }
    .into_any()
}

/// The acknowledgement deadline under the badge, red once it has passed.
#[component]
fn AckDue(po: PoSummaryView) -> impl IntoView {
    po.ack_due_at.map(|due| {
        let (class, text) = if po.ack_overdue {
            ("block text-xs font-medium text-rose-700", format!("Overdue since {}", format::date_time(&due)))
        } else {
            ("block text-xs text-slate-500", format!("Answer by {}", format::date_time(&due)))
        };
        view! { <span class=class data-testid="ack-due">{text}</span> }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_links_keep_the_filters() {
        let q = PoQuery { q: Some("bolt & nut".into()), state: Some("purchase".into()), ..Default::default() };
        assert_eq!(page_href(&q, 3), "/pos?q=bolt%20%26%20nut&state=purchase&page=3");
    }

    #[test]
    fn a_page_that_is_not_a_number_is_reported() {
        let q = query_from_url(|k| (k == "page").then(|| "abc".to_string()));
        assert!(q.parse().is_err());
    }
}
