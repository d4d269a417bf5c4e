//! Quality holds: the list (with a status filter), a hold's page (facts, the supplier's 8D answers,
//! history, files; the 8D form for suppliers, close / reopen for buyers) and the buyer's form to
//! raise a hold. Every form is a plain HTML form: it works before hydration and submits in place after.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{
    current_session, quality_hold, quality_holds, quality_raise_options, supplier_options, take_quality_draft,
    CloseQualityHold, RaiseQualityHold, ReopenQualityHold, RespondQualityHold,
};
use crate::components::notice::{field_error, EmptyState, ErrorNotice, LoadingRows};
use crate::error::AppError;
use crate::format;
use crate::model::{
    quality_status_label, QualityDraft, QualityHoldSummary, QualityHoldView, QualityQuery, QualityRaiseOption,
    SupplierOption,
};
use crate::pages::not_found::NotFound;

const INPUT: &str = "block w-full rounded border border-slate-300 bg-white px-2 py-1.5 text-sm";
const BADGE: &str =
    "inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset whitespace-nowrap";

fn status_badge(status: &str) -> impl IntoView {
    let tone = match status {
        "open" => "bg-amber-50 text-amber-800 ring-amber-200",
        "responded" => "bg-violet-50 text-violet-800 ring-violet-200",
        _ => "bg-emerald-50 text-emerald-800 ring-emerald-200",
    };
    view! { <span class=format!("{BADGE} {tone}") data-testid="quality-status">{quality_status_label(status)}</span> }
}

fn product_label(code: &Option<String>, name: &str) -> String {
    match code {
        Some(c) => format!("[{c}] {name}"),
        None => name.to_string(),
    }
}

/// The error of an action's last submission, for the notice and the fields (a `Copy` closure).
macro_rules! action_error {
    ($action:expr) => {{
        let action = $action;
        move || action.value().with(|v| v.clone().and_then(Result::err))
    }};
}

#[component]
pub fn QualityListPage() -> impl IntoView {
    let url = use_query_map();
    let query = Memo::new(move |_| {
        let map = url.read();
        QualityQuery {
            status: map.get("status").filter(|s| !s.is_empty()),
            supplier: map.get("supplier").and_then(|s| s.parse().ok()),
        }
    });
    let holds = Resource::new(move || query.get(), |q| quality_holds(q.status, q.supplier));
    let session = Resource::new(|| (), |_| current_session());
    let suppliers = Resource::new(|| (), |_| supplier_options());
    let tab = move |status: &'static str, label: &'static str| {
        let href = move || {
            let supplier = query.get().supplier.map(|s| format!("&supplier={s}")).unwrap_or_default();
            if status.is_empty() {
                format!("/quality?{}", supplier.trim_start_matches('&'))
            } else {
                format!("/quality?status={status}{supplier}")
            }
        };
        let current = move || query.get().status.as_deref().unwrap_or("") == status;
        view! {
            <a href=href aria-current=move || current().then_some("page")
                class="rounded px-3 py-1 text-sm ring-1 ring-slate-200 bg-white aria-[current=page]:bg-slate-900 aria-[current=page]:text-white">{label}</a>
        }
    };
    view! {
        <Title text="Quality holds"/>
        <div class="flex flex-wrap items-center justify-between gap-3">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight">"Quality holds"</h1>
                <p class="text-sm text-slate-600">"Material held for quality reasons: the supplier answers with an 8D record, the buyer closes the hold."</p>
            </div>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let is_buyer = matches!(session.await, Ok(Some(s)) if s.supplier_name.is_none());
                    is_buyer.then(|| view! {
                        <a href="/quality/new" class="rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white" data-testid="new-hold">"Raise a hold"</a>
                    })
                })}
            </Transition>
        </div>
        <nav class="mt-4 flex flex-wrap items-center gap-2" aria-label="Status" data-testid="quality-filter">
            {tab("", "All")}{tab("open", "Open")}{tab("responded", "Answered")}{tab("closed", "Closed")}
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let options: Vec<SupplierOption> = suppliers.await.unwrap_or_default();
                    (!options.is_empty()).then(|| view! {
                        <form method="get" action="/quality" class="ml-auto flex items-center gap-2 text-sm">
                            <input type="hidden" name="status" value=move || query.get().status.unwrap_or_default()/>
                            <select name="supplier" class=INPUT aria-label="Supplier">
                                <option value="">"All suppliers"</option>
                                {options.into_iter().map(|o| {
                                    let selected = query.get_untracked().supplier == Some(o.id);
                                    view! { <option value=o.id.to_string() selected=selected>{o.name}</option> }
                                }).collect_view()}
                            </select>
                            <button type="submit" class="rounded border border-slate-300 bg-white px-3 py-1.5">"Filter"</button>
                        </form>
                    })
                })}
            </Transition>
        </nav>
        <Transition fallback=|| view! { <LoadingRows/> }>
            {move || Suspend::new(async move {
                match holds.await {
                    Ok(rows) if rows.is_empty() => view! { <div class="mt-4"><EmptyState title="No quality holds">"Holds raised in Odoo or by a buyer appear here."</EmptyState></div> }.into_any(),
                    Ok(rows) => view! { <HoldTable rows/> }.into_any(),
                    Err(error) => view! { <div class="mt-4"><ErrorNotice error/></div> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn HoldTable(rows: Vec<QualityHoldSummary>) -> impl IntoView {
    view! {
        <div class="mt-4 overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
            <table class="min-w-full text-sm" data-testid="quality-table">
                <thead class="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
                    <tr><th class="px-3 py-2">"Hold"</th><th class="px-3 py-2">"Supplier"</th><th class="px-3 py-2">"Product"</th>
                        <th class="px-3 py-2">"Lot"</th><th class="px-3 py-2 text-right">"Quantity"</th><th class="px-3 py-2">"Reason"</th>
                        <th class="px-3 py-2">"Status"</th><th class="px-3 py-2">"Raised"</th></tr>
                </thead>
                <tbody class="divide-y divide-slate-100">
                    {rows.into_iter().map(|h| view! {
                        <tr data-testid=format!("hold-{}", h.id)>
                            <td class="px-3 py-2"><a class="font-medium text-blue-700 hover:underline" href=format!("/quality/{}", h.id)>
                                {format!("QH-{:05}", h.id)}</a>
                                <div class="text-xs text-slate-500">{if h.source == "odoo" { h.odoo_reference.clone().unwrap_or_else(|| "Odoo".into()) } else { "Portal".into() }}</div></td>
                            <td class="px-3 py-2">{h.supplier_name.clone()}</td>
                            <td class="px-3 py-2">{product_label(&h.product_code, &h.product_name)}</td>
                            <td class="px-3 py-2 font-mono text-xs">{h.lot_name.clone().unwrap_or_else(|| "—".into())}</td>
                            <td class="px-3 py-2 text-right tabular-nums">{h.quantity.map(|q| format!("{} {}", format::quantity(q), h.uom)).unwrap_or_else(|| "—".into())}</td>
                            <td class="px-3 py-2 max-w-xs truncate" title=h.reason.clone()>{h.reason.clone()}</td>
                            <td class="px-3 py-2">{status_badge(&h.status)}</td>
                            <td class="px-3 py-2 whitespace-nowrap">{format::date(&h.created_at)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
pub fn QualityNewPage() -> impl IntoView {
    let raise = ServerAction::<RaiseQualityHold>::new();
    let options = Resource::new(|| (), |_| quality_raise_options());
    let draft = Resource::new(|| (), |_| take_quality_draft());
    view! {
        <Title text="Raise a quality hold"/>
        <a href="/quality" class="text-sm text-blue-700 hover:underline">"← Quality holds"</a>
        <h1 class="mt-2 text-2xl font-semibold tracking-tight">"Raise a quality hold"</h1>
        <p class="text-sm text-slate-600">"The supplier sees the hold at once and answers with an 8D record."</p>
        <Transition fallback=|| view! { <LoadingRows/> }>
            {move || Suspend::new(async move {
                let typed = draft.await.ok().and_then(|d: QualityDraft| d.raise).unwrap_or_default();
                match options.await {
                    Ok(list) if list.is_empty() => view! { <div class="mt-4"><EmptyState title="No supplier products">"Products appear once suppliers are linked to them."</EmptyState></div> }.into_any(),
                    Ok(list) => view! { <RaiseForm options=list raise typed/> }.into_any(),
                    Err(error) => view! { <div class="mt-4"><ErrorNotice error/></div> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn RaiseForm(
    options: Vec<QualityRaiseOption>,
    raise: ServerAction<RaiseQualityHold>,
    typed: crate::model::RaiseHoldInput,
) -> impl IntoView {
    let error = action_error!(raise);
    let pending = raise.pending();
    let chosen = typed.supplier_product_id.clone();
    view! {
        {move || error().map(|error| view! { <div class="mt-4"><ErrorNotice error/></div> })}
        <ActionForm action=raise attr:class="mt-4 grid max-w-2xl gap-4 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200" attr:data-testid="raise-form">
            <label class="text-sm"><span class="font-medium">"Supplier and product"</span>
                <select name="input[supplier_product_id]" class=INPUT required>
                    <option value="">"Choose…"</option>
                    {options.into_iter().map(|o| {
                        let value = o.supplier_product_id.to_string();
                        let selected = value == chosen;
                        view! { <option value=value selected=selected>{format!("{} · {}", o.supplier_name, product_label(&o.product_code, &o.product_name))}</option> }
                    }).collect_view()}
                </select>{field_error(error, "supplier_product_id".into())}</label>
            <div class="grid gap-4 sm:grid-cols-2">
                <label class="text-sm"><span class="font-medium">"Lot (optional)"</span>
                    <input name="input[lot_name]" class=INPUT maxlength="64" value=typed.lot_name.clone().unwrap_or_default()/>{field_error(error, "lot_name".into())}</label>
                <label class="text-sm"><span class="font-medium">"Quantity held (optional)"</span>
                    <input name="input[quantity]" class=INPUT inputmode="decimal" value=typed.quantity.clone().unwrap_or_default()/>{field_error(error, "quantity".into())}</label>
            </div>
            <label class="text-sm"><span class="font-medium">"Reason"</span>
                <textarea name="input[reason]" class=INPUT rows="3" maxlength="1000">{typed.reason.clone().unwrap_or_default()}</textarea>
                {field_error(error, "reason".into())}</label>
            <div><button type="submit" disabled=pending class="rounded bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700">"Raise the hold"</button></div>
        </ActionForm>
    }
}

#[component]
pub fn QualityDetailPage() -> impl IntoView {
    let params = use_params_map();
    let url = use_query_map();
    let respond = ServerAction::<RespondQualityHold>::new();
    let close = ServerAction::<CloseQualityHold>::new();
    let reopen = ServerAction::<ReopenQualityHold>::new();
    // Reloaded after a success only: a failed submission keeps the form as typed.
    let reload = RwSignal::new(0u32);
    Effect::new(move |_| {
        let ok = matches!(respond.value().get(), Some(Ok(())))
            | matches!(close.value().get(), Some(Ok(())))
            | matches!(reopen.value().get(), Some(Ok(())));
        if ok {
            reload.update(|n| *n += 1);
        }
    });
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok());
    let hold = Resource::new(
        move || (id(), reload.get()),
        |(id, _)| async move {
            match id {
                Some(id) => quality_hold(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let draft = Resource::new(|| (), |_| take_quality_draft());
    let upload_error = move || url.read().get("upload_error").filter(|e| !e.is_empty());
    view! {
        <a href="/quality" class="text-sm text-blue-700 hover:underline">"← Quality holds"</a>
        <Transition fallback=|| view! { <LoadingRows/> }>
            {move || Suspend::new(async move {
                let draft = if reload.get_untracked() == 0 { draft.await.unwrap_or_default() } else { QualityDraft::default() };
                match hold.await {
                    Ok(view) => view! { <HoldDetail view draft respond close reopen upload_error=upload_error()/> }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFound/> }.into_any(),
                    Err(error) => view! { <div class="mt-4"><ErrorNotice error/></div> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn HoldDetail(
    view: QualityHoldView,
    draft: QualityDraft,
    respond: ServerAction<RespondQualityHold>,
    close: ServerAction<CloseQualityHold>,
    reopen: ServerAction<ReopenQualityHold>,
    upload_error: Option<String>,
) -> impl IntoView {
    let h = view.summary.clone();
    let id = h.id;
    let source = if h.source == "odoo" {
        format!("From Odoo{}", h.odoo_reference.as_ref().map(|r| format!(" ({r})")).unwrap_or_default())
    } else {
        format!("Raised in the portal{}", h.raised_by.as_ref().map(|u| format!(" by {u}")).unwrap_or_default())
    };
    view! {
        <Title text=format!("Quality hold QH-{id:05}")/>
        <div class="mt-2 flex flex-wrap items-center gap-3">
            <h1 class="text-2xl font-semibold tracking-tight" data-testid="hold-title">{format!("Quality hold QH-{id:05}")}</h1>
            {status_badge(&h.status)}
        </div>
        <section class="mt-4 grid gap-3 rounded-lg bg-white p-4 text-sm shadow-sm ring-1 ring-slate-200 sm:grid-cols-3" data-testid="hold-facts">
            <div><div class="text-xs text-slate-500">"Supplier"</div><div class="font-medium">{h.supplier_name.clone()}</div></div>
            <div><div class="text-xs text-slate-500">"Product"</div><div class="font-medium">{product_label(&h.product_code, &h.product_name)}</div></div>
            <div><div class="text-xs text-slate-500">"Lot"</div><div class="font-mono">{h.lot_name.clone().unwrap_or_else(|| "—".into())}</div></div>
            <div><div class="text-xs text-slate-500">"Quantity held"</div><div>{h.quantity.map(|q| format!("{} {}", format::quantity(q), h.uom)).unwrap_or_else(|| "—".into())}</div></div>
            <div><div class="text-xs text-slate-500">"Source"</div><div>{source}</div></div>
            <div><div class="text-xs text-slate-500">"Purchase order"</div><div>{h.po_number.clone().unwrap_or_else(|| "—".into())}</div></div>
            <div class="sm:col-span-3"><div class="text-xs text-slate-500">"Reason"</div><p class="whitespace-pre-line" data-testid="hold-reason">{h.reason.clone()}</p></div>
        </section>
        <Responses view=view.clone()/>
        {view.can_respond.then(|| view! { <RespondForm hold_id=id today=view.today.to_string() respond typed=draft.respond.clone().filter(|d| d.hold_id == id).unwrap_or_default()/> })}
        <Attachments view=view.clone() upload_error/>
        {view.can_close.then(|| view! { <DecisionForm hold_id=id close=Some(close) reopen=None typed=draft.close.clone().filter(|d| d.hold_id == id).and_then(|d| d.comment)/> })}
        {view.can_reopen.then(|| view! { <DecisionForm hold_id=id close=None reopen=Some(reopen) typed=draft.reopen.clone().filter(|d| d.hold_id == id).and_then(|d| d.comment)/> })}
        <History view/>
    }
}

#[component]
fn Responses(view: QualityHoldView) -> impl IntoView {
    let count = view.responses.len();
    view! {
        <section class="mt-6" aria-labelledby="responses-heading">
            <h2 id="responses-heading" class="text-lg font-semibold">"8D responses"</h2>
            {if count == 0 {
                view! { <p class="mt-1 text-sm text-slate-600" data-testid="no-responses">"No answer from the supplier yet."</p> }.into_any()
            } else {
                view! {
                    <ol class="mt-2 space-y-3" data-testid="quality-responses">
                        {view.responses.into_iter().enumerate().map(|(i, r)| view! {
                            <li class="rounded-lg bg-white p-4 text-sm shadow-sm ring-1 ring-slate-200" data-testid=format!("response-{}", i + 1)>
                                <p class="text-xs text-slate-500">{format!("Response {} of {count} · {} · {}{}", i + 1, r.responded_by, format::date_time(&r.created_at),
                                    if i + 1 < count { " · superseded" } else { "" })}</p>
                                <dl class="mt-2 grid gap-2 sm:grid-cols-2">
                                    <div><dt class="font-medium">"D3 Containment"</dt><dd class="whitespace-pre-line">{r.containment}</dd></div>
                                    <div><dt class="font-medium">"D4 Root cause"</dt><dd class="whitespace-pre-line">{r.root_cause}</dd></div>
                                    <div><dt class="font-medium">{format!("D5/D6 Corrective action (due {})", r.corrective_due.map(|d| d.to_string()).unwrap_or_default())}</dt>
                                        <dd class="whitespace-pre-line">{r.corrective_action}</dd></div>
                                    <div><dt class="font-medium">{format!("D7 Preventive action (due {})", r.preventive_due.map(|d| d.to_string()).unwrap_or_default())}</dt>
                                        <dd class="whitespace-pre-line">{r.preventive_action}</dd></div>
                                </dl>
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn RespondForm(
    hold_id: i64,
    today: String,
    respond: ServerAction<RespondQualityHold>,
    typed: crate::model::RespondHoldInput,
) -> impl IntoView {
    let error = action_error!(respond);
    let pending = respond.pending();
    view! {
        <section class="mt-6 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200" aria-labelledby="respond-heading" data-testid="respond-form">
            <h2 id="respond-heading" class="text-lg font-semibold">"Answer with an 8D record"</h2>
            <p class="text-sm text-slate-600">"Every part is required. Due dates are from today on; the preventive action is not due before the corrective one."</p>
            {move || error().map(|error| view! { <div class="mt-3"><ErrorNotice error/></div> })}
            <ActionForm action=respond attr:class="mt-3 grid gap-4 sm:grid-cols-2">
                <input type="hidden" name="input[hold_id]" value=hold_id.to_string()/>
                <label class="text-sm"><span class="font-medium">"Containment"</span>
                    <span class="block text-xs text-slate-500">"What you did at once to stop bad parts reaching the customer"</span>
                    <textarea name="input[containment]" class=INPUT rows="3" maxlength="4000">{typed.containment.clone()}</textarea>
                    {field_error(error, "containment".into())}</label>
                <label class="text-sm"><span class="font-medium">"Root cause"</span>
                    <span class="block text-xs text-slate-500">"Why it happened"</span>
                    <textarea name="input[root_cause]" class=INPUT rows="3" maxlength="4000">{typed.root_cause.clone()}</textarea>
                    {field_error(error, "root_cause".into())}</label>
                <label class="text-sm"><span class="font-medium">"Corrective action"</span>
                    <span class="block text-xs text-slate-500">"How this occurrence is fixed"</span>
                    <textarea name="input[corrective_action]" class=INPUT rows="3" maxlength="4000">{typed.corrective_action.clone()}</textarea>
                    {field_error(error, "corrective_action".into())}</label>
                <label class="text-sm"><span class="font-medium">"Preventive action"</span>
                    <span class="block text-xs text-slate-500">"How it is kept from happening again"</span>
                    <textarea name="input[preventive_action]" class=INPUT rows="3" maxlength="4000">{typed.preventive_action.clone()}</textarea>
                    {field_error(error, "preventive_action".into())}</label>
                <label class="text-sm"><span class="font-medium">"Corrective action due"</span>
                    <input type="date" name="input[corrective_due]" class=INPUT min=today.clone() value=typed.corrective_due.clone()/>
                    {field_error(error, "corrective_due".into())}</label>
                <label class="text-sm"><span class="font-medium">"Preventive action due"</span>
                    <input type="date" name="input[preventive_due]" class=INPUT min=today value=typed.preventive_due.clone()/>
                    {field_error(error, "preventive_due".into())}</label>
                <div class="sm:col-span-2">
                    <button type="submit" disabled=pending class="rounded bg-emerald-700 px-4 py-2 text-sm font-medium text-white hover:bg-emerald-800">"Send the 8D response"</button>
                </div>
            </ActionForm>
        </section>
    }
}

#[component]
fn Attachments(view: QualityHoldView, upload_error: Option<String>) -> impl IntoView {
    let id = view.summary.id;
    let limit = view.max_attachment_bytes;
    let limit_text = if limit.is_multiple_of(1024 * 1024) {
        format!("{} MiB", limit / (1024 * 1024))
    } else {
        format!("{} KiB", limit / 1024)
    };
    view! {
        <section id="attachments" class="mt-6 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200" aria-labelledby="files-heading">
            <h2 id="files-heading" class="text-lg font-semibold">"Files"</h2>
            {if view.attachments.is_empty() {
                view! { <p class="mt-1 text-sm text-slate-600">"No files attached."</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-2 divide-y divide-slate-100 text-sm" data-testid="attachment-list">
                        {view.attachments.into_iter().map(|a| view! {
                            <li class="flex flex-wrap items-baseline gap-2 py-1.5">
                                <a class="font-medium text-blue-700 hover:underline" rel="external" href=format!("/quality/{id}/attachments/{}", a.id) download=a.filename.clone()>{a.filename.clone()}</a>
                                <span class="text-xs text-slate-500">{format!("{} · {} · {} · {}", a.content_type, size_label(a.size_bytes), a.uploaded_by, format::date_time(&a.created_at))}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {view.can_attach.then(|| view! {
                // A plain multipart form: it works with or without WebAssembly (the page reloads).
                <form method="post" action=format!("/quality/{id}/attachments") enctype="multipart/form-data"
                    class="mt-3 flex flex-wrap items-end gap-3" data-testid="upload-form">
                    <label class="text-sm"><span class="font-medium">"Attach a file"</span>
                        <span class="block text-xs text-slate-500">{format!("PDF, PNG, JPEG, text, CSV, XLSX or DOCX; at most {limit_text}")}</span>
                        <input type="file" name="file" required accept=".pdf,.png,.jpg,.jpeg,.txt,.csv,.xlsx,.docx" class="mt-1 block text-sm"/>
                        {upload_error.clone().map(|m| view! { <p class="mt-1 text-xs text-rose-700" role="alert" data-testid="upload-error">{m}</p> })}
                    </label>
                    <button type="submit" class="rounded border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium">"Upload"</button>
                </form>
            })}
        </section>
    }
}

fn size_label(bytes: i64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{} KiB", b / 1024),
        b => format!("{b} bytes"),
    }
}

#[component]
fn DecisionForm(
    hold_id: i64,
    close: Option<ServerAction<CloseQualityHold>>,
    reopen: Option<ServerAction<ReopenQualityHold>>,
    typed: Option<String>,
) -> impl IntoView {
    let hidden = view! { <input type="hidden" name="input[hold_id]" value=hold_id.to_string()/> };
    let body = match (close, reopen) {
        (Some(close), _) => {
            let error = action_error!(close);
            view! {
                {move || error().map(|error| view! { <div class="mt-3"><ErrorNotice error/></div> })}
                <ActionForm action=close attr:class="mt-3 flex flex-wrap items-end gap-3">
                    {hidden}
                    <label class="min-w-64 flex-1 text-sm"><span class="font-medium">"Comment (optional)"</span>
                        <input name="input[comment]" class=INPUT maxlength="1000" value=typed.unwrap_or_default()/>
                        {field_error(error, "comment".into())}</label>
                    <button type="submit" class="rounded bg-emerald-700 px-4 py-2 text-sm font-medium text-white">"Close the hold"</button>
                </ActionForm>
            }
            .into_any()
        }
        (None, Some(reopen)) => {
            let error = action_error!(reopen);
            view! {
                {move || error().map(|error| view! { <div class="mt-3"><ErrorNotice error/></div> })}
                <ActionForm action=reopen attr:class="mt-3 flex flex-wrap items-end gap-3">
                    {hidden}
                    <label class="min-w-64 flex-1 text-sm"><span class="font-medium">"Reason for reopening"</span>
                        <input name="input[comment]" class=INPUT maxlength="1000" value=typed.unwrap_or_default()/>
                        {field_error(error, "comment".into())}</label>
                    <button type="submit" class="rounded border border-amber-400 bg-white px-4 py-2 text-sm font-medium text-amber-900">"Reopen the hold"</button>
                </ActionForm>
            }
            .into_any()
        }
        _ => ().into_any(),
    };
    view! {
        <section class="mt-6 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200" data-testid="decision-form">
            <h2 class="text-lg font-semibold">{if close.is_some() { "Close the hold" } else { "Reopen the hold" }}</h2>
            {body}
        </section>
    }
}

#[component]
fn History(view: QualityHoldView) -> impl IntoView {
    let label = |action: &str| match action {
        "raised" => "Raised",
        "responded" => "Answered by the supplier",
        "closed" => "Closed by the buyer",
        "reopened" => "Reopened by the buyer",
        "released" => "Released in Odoo",
        _ => "Changed",
    };
    view! {
        <section class="mt-6" aria-labelledby="history-heading">
            <h2 id="history-heading" class="text-lg font-semibold">"History"</h2>
            <ol class="mt-2 space-y-1 text-sm" data-testid="hold-history">
                {view.history.into_iter().map(|e| view! {
                    <li>
                        <span class="text-xs text-slate-500">{format::date_time(&e.created_at)}" · "</span>
                        <span class="font-medium">{label(&e.action)}</span>
                        {e.user_name.map(|u| format!(" by {u}"))}
                        {e.comment.map(|c| view! { <span class="text-slate-600">{format!(": {c}")}</span> })}
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}
