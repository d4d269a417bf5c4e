//! Shipments (ASNs): the supplier announces what ships — quantities per PO line, lots or serial
//! numbers, packages with their SSCC labels, carrier, tracking number, dates — and prints the
//! packing slip; buyers see every supplier's shipments. Plain forms: they work before hydration.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{asn, asns, current_session, shippable_lines, CancelAsn, SubmitAsn};
use crate::components::barcode::SsccBarcode;
use crate::components::notice::{field_error, EmptyState, ErrorNotice, LoadingRows};
use crate::error::AppError;
use crate::format;
use crate::model::{AsnSummaryView, AsnView, ShippableLineView};
use crate::pages::not_found::NotFound;

const INPUT: &str = "block w-full rounded border border-slate-300 bg-white px-2 py-1.5 text-sm";
/// Package rows offered on the form; blank ones are ignored.
const PACKAGE_ROWS: usize = 4;

fn status_label(status: &str) -> &'static str {
    match status {
        "submitted" => "Announced",
        "received" => "Received",
        "cancelled" => "Cancelled",
        _ => "Draft",
    }
}

#[component]
pub fn AsnListPage() -> impl IntoView {
    let list = Resource::new(|| (), |_| asns());
    let session = Resource::new(|| (), |_| current_session());
    view! {
        <Title text="Shipments"/>
        <div class="flex flex-wrap items-center justify-between gap-3">
            <h1 class="text-2xl font-semibold tracking-tight">"Shipments"</h1>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let is_supplier = matches!(session.await, Ok(Some(s)) if s.supplier_name.is_some());
                    is_supplier.then(|| view! {
                        <a href="/asns/new" class="rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white" data-testid="new-asn">"Announce a shipment"</a>
                    })
                })}
            </Transition>
        </div>
        <Transition fallback=|| view! { <LoadingRows/> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(rows) if rows.is_empty() => view! { <div class="mt-4"><EmptyState title="No shipments yet">"Announced shipments (ASNs) appear here."</EmptyState></div> }.into_any(),
                    Ok(rows) => view! { <AsnTable rows/> }.into_any(),
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AsnTable(rows: Vec<AsnSummaryView>) -> impl IntoView {
    view! {
        <div class="mt-4 overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
            <table class="min-w-full text-sm" data-testid="asn-table">
                <thead class="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
                    <tr><th class="px-3 py-2">"ASN"</th><th class="px-3 py-2">"Supplier"</th><th class="px-3 py-2">"Status"</th>
                        <th class="px-3 py-2">"POs"</th><th class="px-3 py-2">"Ships"</th><th class="px-3 py-2">"Arrives"</th>
                        <th class="px-3 py-2">"Carrier / tracking"</th><th class="px-3 py-2 text-right">"Packages"</th></tr>
                </thead>
                <tbody class="divide-y divide-slate-100">
                    {rows.into_iter().map(|a| view! {
                        <tr>
                            <td class="px-3 py-2"><a class="font-medium text-blue-700 hover:underline" href=format!("/asns/{}", a.id)>{a.number}</a></td>
                            <td class="px-3 py-2">{a.supplier_name}</td>
                            <td class="px-3 py-2">{status_label(&a.status)}</td>
                            <td class="px-3 py-2">{a.po_numbers.join(", ")}</td>
                            <td class="px-3 py-2">{a.ship_date.map(|d| d.to_string()).unwrap_or_default()}</td>
                            <td class="px-3 py-2">{a.eta.as_ref().map(format::date_time).unwrap_or_default()}</td>
                            <td class="px-3 py-2">{format!("{} {}", a.carrier.unwrap_or_default(), a.tracking_ref.unwrap_or_default())}</td>
                            <td class="px-3 py-2 text-right tabular-nums">{a.packages}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// A new shipment, or with `?amend=<id>` an announced one to change (its contents filled in).
#[component]
pub fn AsnNewPage() -> impl IntoView {
    let submit = ServerAction::<SubmitAsn>::new();
    let query = use_query_map();
    let amend = move || query.read().get("amend").and_then(|id| id.parse::<i64>().ok());
    let draft = Resource::new(amend, |amend| async move {
        let draft = shippable_lines(amend).await?;
        let current = match amend {
            Some(id) => Some(asn(id).await?),
            None => None,
        };
        Ok::<_, AppError>((draft, current))
    });
    view! {
        <Title text=move || if amend().is_some() { "Amend a shipment" } else { "Announce a shipment" }/>
        <a href="/asns" class="text-sm text-blue-700 hover:underline">"← Shipments"</a>
        <h1 class="mt-2 text-2xl font-semibold tracking-tight">{move || if amend().is_some() { "Amend a shipment" } else { "Announce a shipment" }}</h1>
        <p class="text-sm text-slate-600">"Enter what ships on each line (leave the others blank), its lots or serial numbers, and the packages it travels in."</p>
        <Transition fallback=|| view! { <LoadingRows/> }>
            {move || Suspend::new(async move {
                match draft.await {
                    Ok((draft, None)) if draft.lines.is_empty() => view! { <div class="mt-4"><EmptyState title="Nothing to ship">"Confirmed POs with open quantities appear here."</EmptyState></div> }.into_any(),
                    Ok((draft, current)) => view! { <AsnForm lines=draft.lines today=draft.today.to_string() current submit/> }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFound/> }.into_any(),
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// What an announced ASN ships on one PO line, as the form's fields: quantity, lots, expiry, package.
fn line_values(current: Option<&AsnView>, line: &ShippableLineView) -> [String; 4] {
    let Some(shipped) = current.and_then(|a| a.lines.iter().find(|l| l.line_id == line.line_id)) else {
        return Default::default();
    };
    let lots = match line.tracking.as_str() {
        "serial" => shipped.lots.iter().map(|l| l.name.clone()).collect::<Vec<_>>().join(", "),
        _ => shipped
            .lots
            .iter()
            .map(|l| format!("{}: {}", l.name, format::quantity(l.quantity)))
            .collect::<Vec<_>>()
            .join("; "),
    };
    [
        format::quantity(shipped.quantity),
        lots,
        shipped.lots.iter().find_map(|l| l.expiry).map(|e| e.to_string()).unwrap_or_default(),
        shipped.package_number.map(|n| n.to_string()).unwrap_or_default(),
    ]
}

#[component]
fn AsnForm(
    lines: Vec<ShippableLineView>,
    today: String,
    current: Option<AsnView>,
    submit: ServerAction<SubmitAsn>,
) -> impl IntoView {
    let error = move || submit.value().with(|v| v.clone().and_then(Result::err));
    let pending = submit.pending();
    let header = current.as_ref().map(|a| a.summary.clone());
    let text = |f: fn(&crate::model::AsnSummaryView) -> Option<String>| header.as_ref().and_then(f).unwrap_or_default();
    let number = text(|h| Some(h.number.clone()));
    let carrier = text(|h| h.carrier.clone());
    let tracking = text(|h| h.tracking_ref.clone());
    let ship_date = header.as_ref().and_then(|h| h.ship_date).map(|d| d.to_string()).unwrap_or(today);
    let eta = header.as_ref().and_then(|h| h.eta).map(|e| e.format("%Y-%m-%dT%H:%M").to_string()).unwrap_or_default();
    let amends = header.as_ref().map(|h| h.id.to_string());
    let packages = current.as_ref().map(|a| a.packages.clone()).unwrap_or_default();
    let line_fields: Vec<[String; 4]> = lines.iter().map(|l| line_values(current.as_ref(), l)).collect();
    view! {
        {move || error().map(|error| view! { <div class="mt-4"><ErrorNotice error/></div> })}
        <ActionForm action=submit attr:class="mt-4 space-y-6" attr:data-testid="asn-form">
            {amends.map(|id| view! { <input type="hidden" name="input[amends]" value=id/> })}
            <section class="grid gap-3 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:grid-cols-5">
                <label class="text-sm"><span class="font-medium">"ASN / delivery note number"</span>
                    <input name="input[number]" class=INPUT required maxlength="40" value=number/>{field_error(error, "number".into())}</label>
                <label class="text-sm"><span class="font-medium">"Carrier"</span>
                    <input name="input[carrier]" class=INPUT placeholder="e.g. DHL Freight" value=carrier/></label>
                <label class="text-sm"><span class="font-medium">"Tracking number"</span>
                    <input name="input[tracking_ref]" class=INPUT value=tracking/></label>
                <label class="text-sm"><span class="font-medium">"Ship date"</span>
                    <input name="input[ship_date]" type="date" class=INPUT value=ship_date required/>{field_error(error, "ship_date".into())}</label>
                <label class="text-sm"><span class="font-medium">"Arrives (ETA)"</span>
                    <input name="input[eta]" type="datetime-local" class=INPUT required value=eta/>{field_error(error, "eta".into())}</label>
            </section>
            <section class="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
                <h2 class="font-semibold">"Packages"</h2>
                <p class="text-xs text-slate-600">"Optional. Number them as below; cartons may sit on a pallet. Each gets an SSCC label."</p>
                <div class="mt-2 grid gap-2">
                    {(0..PACKAGE_ROWS.max(packages.len())).map(|i| {
                        let name = move |f: &str| format!("input[packages][{i}][{f}]");
                        let was = packages.iter().find(|p| p.number == i as i64 + 1);
                        let kind = was.map(|p| p.kind.clone()).unwrap_or_default();
                        let parent = was.and_then(|p| p.parent_number).map(|n| n.to_string()).unwrap_or_default();
                        let weight = was.and_then(|p| p.gross_weight_kg).map(format::quantity).unwrap_or_default();
                        view! {
                            <div class="grid grid-cols-4 items-start gap-2 text-sm" data-testid=format!("package-row-{}", i + 1)>
                                <span class="pt-1.5 font-medium">{format!("Package {}", i + 1)}</span>
                                <label><select name=name("kind") class=INPUT aria-label=format!("Package {} kind", i + 1)>
                                    <option value="">"—"</option><option value="pallet" selected=kind == "pallet">"Pallet"</option>
                                    <option value="carton" selected=kind == "carton">"Carton"</option><option value="other" selected=kind == "other">"Other"</option>
                                </select>{field_error(error, format!("packages[{i}].kind"))}</label>
                                <label><input name=name("parent") class=INPUT placeholder="on pallet no." inputmode="numeric" value=parent aria-label=format!("Package {} sits on", i + 1)/>
                                    {field_error(error, format!("packages[{i}].parent"))}</label>
                                <label><input name=name("weight_kg") class=INPUT placeholder="gross kg" inputmode="decimal" value=weight aria-label=format!("Package {} weight", i + 1)/>
                                    {field_error(error, format!("packages[{i}].weight_kg"))}</label>
                            </div>
                        }
                    }).collect_view()}
                </div>
            </section>
            <section class="space-y-2">
                <h2 class="font-semibold">"Lines"</h2>
                {field_error(error, "lines".into())}
                {lines.into_iter().zip(line_fields).enumerate().map(|(i, (l, [quantity, lots, expiry, package]))| {
                    let name = move |f: &str| format!("input[lines][{i}][{f}]");
                    let lots_hint = match l.tracking.as_str() {
                        "lot" => "Lots, e.g. LOT-A: 6; LOT-B: 4",
                        "serial" => "Serial numbers, one per unit",
                        _ => "Not tracked",
                    };
                    let title = format!("{} line {} · {}{}", l.po_number, l.line_no,
                        l.product_code.clone().map(|c| format!("[{c}] ")).unwrap_or_default(), l.product_name);
                    view! {
                        <div class="grid gap-2 rounded-lg bg-white p-3 text-sm shadow-sm ring-1 ring-slate-200 sm:grid-cols-6" data-testid=format!("asn-line-{}", l.line_id)>
                            <input type="hidden" name=name("line_id") value=l.line_id.to_string()/>
                            <div class="sm:col-span-2">
                                <p class="font-medium">{title}</p>
                                <p class="text-xs text-slate-600">{format!("Open {} of {} {} · up to {} now · due {}", format::quantity(l.open), format::quantity(l.ordered), l.uom,
                                    format::quantity(l.max_shippable), format::date(&l.requested_date))}</p>
                            </div>
                            <label><span class="text-xs font-medium">"Shipping now"</span>
                                <input name=name("quantity") class=INPUT inputmode="decimal" value=quantity aria-label=format!("Quantity {}", l.line_id)/>{field_error(error, format!("lines[{i}].quantity"))}</label>
                            <label class="sm:col-span-2"><span class="text-xs font-medium">{lots_hint}</span>
                                <textarea name=name("lots") class=INPUT rows="1" disabled=l.tracking == "none" aria-label=format!("Lots {}", l.line_id)>{lots}</textarea>
                                {field_error(error, format!("lines[{i}].lots"))}</label>
                            <div class="grid grid-cols-2 gap-2">
                                <label><span class="text-xs font-medium">"Package"</span>
                                    <input name=name("package") class=INPUT inputmode="numeric" value=package aria-label=format!("Package of {}", l.line_id)/>{field_error(error, format!("lines[{i}].package"))}</label>
                                <label><span class="text-xs font-medium">"Expiry"</span>
                                    <input name=name("expiry") type="date" class=INPUT disabled=l.tracking == "none" value=expiry/>{field_error(error, format!("lines[{i}].expiry"))}</label>
                            </div>
                        </div>
                    }
                }).collect_view()}
            </section>
            <button type="submit" disabled=pending class="rounded bg-emerald-700 px-4 py-2 text-sm font-medium text-white hover:bg-emerald-800">
                {if current.is_some() { "Save the amended ASN" } else { "Submit the ASN" }}
            </button>
        </ActionForm>
    }
}

#[component]
pub fn AsnDetailPage() -> impl IntoView {
    let params = use_params_map();
    let cancel = ServerAction::<CancelAsn>::new();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok());
    let shipment = Resource::new(
        move || (id(), cancel.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => asn(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <a href="/asns" class="text-sm text-blue-700 hover:underline print:hidden">"← Shipments"</a>
        {move || cancel.value().get().and_then(Result::err).map(|error| view! { <div class="mt-4"><ErrorNotice error/></div> })}
        <Transition fallback=|| view! { <LoadingRows/> }>
            {move || Suspend::new(async move {
                match shipment.await {
                    Ok(asn) => view! { <AsnDetail asn cancel/> }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFound/> }.into_any(),
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AsnDetail(asn: AsnView, cancel: ServerAction<CancelAsn>) -> impl IntoView {
    let s = asn.summary.clone();
    let contents = |number: i64| -> Vec<String> {
        let lines = asn.lines.iter().filter(|l| l.package_number == Some(number)).map(|l| {
            let lots = l
                .lots
                .iter()
                .map(|lot| format!("{} × {}", lot.name, format::quantity(lot.quantity)))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "{} line {}: {} {} {}{}",
                l.po_number,
                l.line_no,
                format::quantity(l.quantity),
                l.uom,
                l.product_name,
                if lots.is_empty() { String::new() } else { format!(" ({lots})") }
            )
        });
        let cartons = asn
            .packages
            .iter()
            .filter(|p| p.parent_number == Some(number))
            .map(|p| format!("Package {} ({})", p.number, p.kind));
        lines.chain(cartons).collect()
    };
    view! {
        <Title text=format!("ASN {}", s.number)/>
        <div class="mt-2 flex flex-wrap items-center gap-3 print:hidden">
            <h1 class="text-2xl font-semibold tracking-tight" data-testid="asn-number">{format!("ASN {}", s.number)}</h1>
            <span class="rounded bg-slate-100 px-2 py-0.5 text-sm" data-testid="asn-status">{status_label(&s.status)}</span>
            <button type="button" class="ml-auto rounded border border-slate-300 px-3 py-1.5 text-sm" onclick="window.print()">"Print packing slip"</button>
            {asn.can_cancel.then(|| view! {
                <a href=format!("/asns/new?amend={}", s.id) class="rounded border border-slate-300 px-3 py-1.5 text-sm" data-testid="amend-asn">"Amend"</a>
                <ActionForm action=cancel>
                    <input type="hidden" name="id" value=s.id.to_string()/>
                    <button type="submit" class="rounded border border-rose-300 px-3 py-1.5 text-sm text-rose-800">"Cancel this ASN"</button>
                </ActionForm>
            })}
        </div>
        <section class="mt-4 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200" data-testid="packing-slip">
            <h2 class="text-lg font-semibold">{format!("Packing slip · {} · {}", s.number, s.supplier_name)}</h2>
            <p class="text-sm text-slate-600">{format!("POs {} · ships {} · arrives {} · {} {}", s.po_numbers.join(", "),
                s.ship_date.map(|d| d.to_string()).unwrap_or_default(), s.eta.as_ref().map(format::date_time).unwrap_or_default(),
                s.carrier.clone().unwrap_or_default(), s.tracking_ref.clone().unwrap_or_default())}</p>
            <table class="mt-3 min-w-full text-sm">
                <thead class="text-left text-xs uppercase tracking-wide text-slate-500">
                    <tr><th class="py-1">"PO / line"</th><th class="py-1">"Product"</th><th class="py-1 text-right">"Quantity"</th>
                        <th class="py-1">"Lots / serials"</th><th class="py-1">"Package"</th></tr>
                </thead>
                <tbody class="divide-y divide-slate-100">
                    {asn.lines.iter().map(|l| view! {
                        <tr>
                            <td class="py-1">{format!("{} / {}", l.po_number, l.line_no)}</td>
                            <td class="py-1">{format!("{}{}", l.product_code.clone().map(|c| format!("[{c}] ")).unwrap_or_default(), l.product_name)}</td>
                            <td class="py-1 text-right tabular-nums">{format!("{} {}", format::quantity(l.quantity), l.uom)}</td>
                            <td class="py-1">{l.lots.iter().map(|lot| format!("{} × {}{}", lot.name, format::quantity(lot.quantity),
                                lot.expiry.map(|e| format!(" (exp. {e})")).unwrap_or_default())).collect::<Vec<_>>().join(", ")}</td>
                            <td class="py-1">{l.package_number.map(|n| n.to_string()).unwrap_or_else(|| "—".into())}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        <section class="mt-4 grid gap-4 sm:grid-cols-2" data-testid="labels">
            {asn.packages.iter().map(|p| view! {
                <article class="break-inside-avoid rounded-lg border-2 border-black bg-white p-4" data-testid=format!("label-{}", p.number)>
                    <p class="text-xs uppercase tracking-wide">{format!("{} · {}", s.supplier_name, s.number)}</p>
                    <p class="text-lg font-semibold">{format!("Package {} · {}{}", p.number, p.kind,
                        p.parent_number.map(|n| format!(" on package {n}")).unwrap_or_default())}</p>
                    {p.gross_weight_kg.map(|w| view! { <p class="text-sm">{format!("Gross weight {} kg", format::quantity(w))}</p> })}
                    <ul class="mt-1 list-disc pl-5 text-sm">{contents(p.number).into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ul>
                    <div class="mt-3"><SsccBarcode sscc=p.sscc.clone()/></div>
                </article>
            }).collect_view()}
        </section>
    }
}
