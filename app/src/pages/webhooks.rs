//! The webhook console: a supplier admin's endpoints (an admin's internal ones, and supplier ones to
//! read), each with its delivery log, replay, test event, secret rotation, enable/disable, delete.
//! Every form is a plain form that works before (or without) WebAssembly.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{
    take_webhook_secret, webhook, webhook_deliveries, webhooks, CreateWebhook, DeleteWebhook, ReplayFailedWebhooks,
    ReplayWebhookDelivery, RotateWebhookSecret, SendWebhookTest, SetWebhookEnabled, UpdateWebhook,
};
use crate::components::notice::{field_error, EmptyState, ErrorNotice, LoadingRows};
use crate::format;
use crate::model::{webhook_status_label, WebhookDeliveryView, WebhookEndpointView, WEBHOOK_EVENT_TYPES};
use crate::pages::not_found::NotFound;
use crate::AppError;

const INPUT: &str = "block w-full rounded border border-slate-300 bg-white px-2 py-1.5 text-sm";
const BUTTON: &str = "rounded border border-slate-300 px-2 py-1 text-xs hover:bg-slate-50";

fn action_error<A>(action: ServerAction<A>) -> impl Fn() -> Option<AppError> + Send + Sync + Copy + 'static
where
    A: leptos::server_fn::ServerFn<Output = (), Error = AppError> + Clone + Send + Sync + 'static,
    A::Output: Send + Sync,
{
    move || action.value().with(|v| v.clone().and_then(Result::err))
}

fn scope(e: &WebhookEndpointView) -> String {
    e.supplier_name.clone().unwrap_or_else(|| "Internal".into())
}

fn types_label(types: &[String]) -> String {
    if types.is_empty() {
        "All events".into()
    } else {
        types.join(", ")
    }
}

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let create = ServerAction::<CreateWebhook>::new();
    let list = Resource::new(move || create.version().get(), |_| webhooks());
    let error = action_error(create);
    view! {
        <Title text="Webhooks"/>
        <h1 class="text-2xl font-semibold tracking-tight">"Webhooks"</h1>
        <p class="text-sm text-slate-600">"Supplyline POSTs each event to your endpoints, signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). Failed deliveries are retried for about a day and a half."</p>
        <Transition fallback=|| view! { <LoadingRows/> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(items) if items.is_empty() => view! { <div class="mt-4"><EmptyState title="No endpoints yet">"Add one below."</EmptyState></div> }.into_any(),
                    Ok(items) => view! { <EndpointTable items/> }.into_any(),
                    Err(error) => view! { <div class="mt-4"><ErrorNotice error/></div> }.into_any(),
                }
            })}
        </Transition>
        <section class="mt-6 max-w-2xl rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200" aria-labelledby="new-endpoint">
            <h2 id="new-endpoint" class="text-lg font-semibold">"Add an endpoint"</h2>
            {move || error().filter(|e| e.field_message("url").is_none() && e.field_message("event_types").is_none())
                .map(|error| view! { <div class="mt-2"><ErrorNotice error/></div> })}
            <ActionForm action=create attr:class="mt-3 grid gap-3" attr:data-testid="webhook-form">
                <label class="text-sm"><span class="font-medium">"URL"</span>
                    <input name="url" type="url" required placeholder="https://erp.example.com/hooks/supplyline" class=INPUT/>
                    {field_error(error, "url".into())}</label>
                <label class="text-sm"><span class="font-medium">"Description"</span>
                    <input name="description" maxlength="500" class=INPUT/>
                    {field_error(error, "description".into())}</label>
                <EventTypesField value=String::new() error/>
                <div><button type="submit" class="rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700">"Add endpoint"</button></div>
            </ActionForm>
        </section>
    }
}

#[component]
fn EventTypesField(
    value: String,
    error: impl Fn() -> Option<AppError> + Send + Sync + Copy + 'static,
) -> impl IntoView {
    view! {
        <label class="text-sm"><span class="font-medium">"Event types (separated by commas; empty: all)"</span>
            <input name="event_types" value=value class=INPUT/>
            {field_error(error, "event_types".into())}</label>
        <p class="text-xs text-slate-500">{format!("Known types: {}", WEBHOOK_EVENT_TYPES.join(", "))}</p>
    }
}

#[component]
fn EndpointTable(items: Vec<WebhookEndpointView>) -> impl IntoView {
    view! {
        <table class="mt-4 w-full rounded-lg bg-white text-sm shadow-sm ring-1 ring-slate-200" data-testid="webhook-endpoints">
            <thead class="text-left text-xs uppercase text-slate-500">
                <tr><th class="p-2">"URL"</th><th class="p-2">"For"</th><th class="p-2">"Events"</th><th class="p-2">"Status"</th></tr>
            </thead>
            <tbody>
                {items.into_iter().map(|e| view! {
                    <tr class="border-t border-slate-100">
                        <td class="p-2"><a class="font-mono text-xs text-blue-700 hover:underline" href=format!("/integrations/webhooks/{}", e.id)>{e.url.clone()}</a>
                            <div class="text-xs text-slate-500">{e.description.clone()}</div></td>
                        <td class="p-2">{scope(&e)}</td>
                        <td class="p-2 text-xs">{types_label(&e.event_types)}</td>
                        <td class="p-2">{if e.enabled { "Enabled".to_string() } else { format!("Disabled: {}", e.disabled_reason.clone().unwrap_or_default()) }}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn WebhookDetailPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let update = ServerAction::<UpdateWebhook>::new();
    let enable = ServerAction::<SetWebhookEnabled>::new();
    let delete = ServerAction::<DeleteWebhook>::new();
    let rotate = ServerAction::<RotateWebhookSecret>::new();
    let test = ServerAction::<SendWebhookTest>::new();
    let replay = ServerAction::<ReplayWebhookDelivery>::new();
    let replay_failed = ServerAction::<ReplayFailedWebhooks>::new();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok());
    let before = move || query.read().get("before").and_then(|b| b.parse::<i64>().ok());
    // Any action done: read the endpoint and its deliveries again.
    let changes = move || {
        [
            update.version(),
            enable.version(),
            rotate.version(),
            test.version(),
            replay.version(),
            replay_failed.version(),
        ]
        .iter()
        .map(|v| v.get())
        .sum::<usize>()
    };
    let endpoint = Resource::new(
        move || (id(), changes()),
        |(id, _)| async move {
            match id {
                Some(id) => webhook(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let deliveries = Resource::new(
        move || (id(), before(), changes()),
        |(id, before, _)| async move {
            match id {
                Some(id) => webhook_deliveries(id, before).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let secret = Resource::new(
        move || (id(), rotate.version().get()),
        |(id, _)| async move { take_webhook_secret(id.unwrap_or_default()).await.ok().flatten() },
    );
    let errors = move || {
        [
            action_error(update)(),
            action_error(enable)(),
            action_error(delete)(),
            action_error(rotate)(),
            action_error(test)(),
            action_error(replay)(),
        ]
        .into_iter()
        .flatten()
        .find(|e| e.field_message("url").is_none() && e.field_message("event_types").is_none())
        .or_else(|| replay_failed.value().with(|v| v.clone().and_then(Result::err)))
    };
    let update_error = action_error(update);
    view! {
        <Title text="Webhook endpoint"/>
        <a href="/integrations/webhooks" class="text-sm text-blue-700 hover:underline">"← Webhooks"</a>
        {move || errors().map(|error| view! { <div class="mt-4"><ErrorNotice error/></div> })}
        {move || replay_failed.value().get().and_then(Result::ok).map(|n| view! {
            <p role="status" class="mt-2 text-sm text-emerald-800">{format!("{n} deliveries queued again.")}</p>
        })}
        <Transition fallback=|| view! { <LoadingRows/> }>
            {move || Suspend::new(async move {
                let shown = secret.await;
                match endpoint.await {
                    Ok(e) => view! {
                        <EndpointDetail e=e.clone() secret=shown update enable delete rotate test replay_failed update_error/>
                    }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFound/> }.into_any(),
                    Err(error) => view! { <div class="mt-4"><ErrorNotice error/></div> }.into_any(),
                }
            })}
        </Transition>
        <h2 class="mt-6 text-lg font-semibold">"Deliveries"</h2>
        <Transition fallback=|| view! { <LoadingRows/> }>
            {move || Suspend::new(async move {
                match deliveries.await {
                    Ok(page) if page.items.is_empty() => view! { <EmptyState title="Nothing sent yet">"Events and test messages appear here."</EmptyState> }.into_any(),
                    Ok(page) => {
                        let older = page.next_before.map(|b| format!("?before={b}"));
                        view! {
                            <DeliveryTable items=page.items replay/>
                            {older.map(|q| view! { <a class="mt-2 inline-block text-sm text-blue-700 hover:underline" href=q>"Older deliveries →"</a> })}
                        }.into_any()
                    }
                    Err(AppError::NotFound) => ().into_any(),
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[allow(clippy::too_many_arguments)]
#[component]
fn EndpointDetail(
    e: WebhookEndpointView,
    secret: Option<String>,
    update: ServerAction<UpdateWebhook>,
    enable: ServerAction<SetWebhookEnabled>,
    delete: ServerAction<DeleteWebhook>,
    rotate: ServerAction<RotateWebhookSecret>,
    test: ServerAction<SendWebhookTest>,
    replay_failed: ServerAction<ReplayFailedWebhooks>,
    update_error: impl Fn() -> Option<AppError> + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let e_id = e.id;
    let status = if e.enabled {
        "Enabled".to_string()
    } else {
        format!("Disabled: {}", e.disabled_reason.clone().unwrap_or_default())
    };
    let overlap = e
        .previous_secret_expires_at
        .as_ref()
        .map(|at| format!("The previous secret also signs until {}.", format::date_time(at)));
    view! {
        <h1 class="mt-2 break-all font-mono text-lg font-semibold">{e.url.clone()}</h1>
        <p class="text-sm text-slate-600">{e.description.clone()}</p>
        {secret.map(|s| view! {
            <div role="status" class="mt-4 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm" data-testid="webhook-secret">
                <p class="font-semibold">"Signing secret: copy it now, it is not shown again."</p>
                <p class="mt-1 break-all font-mono">{s}</p>
            </div>
        })}
        <dl class="mt-4 grid max-w-2xl grid-cols-3 gap-2 text-sm">
            <dt class="text-slate-500">"For"</dt><dd class="col-span-2">{scope(&e)}</dd>
            <dt class="text-slate-500">"Events"</dt><dd class="col-span-2">{types_label(&e.event_types)}</dd>
            <dt class="text-slate-500">"Status"</dt><dd class="col-span-2" data-testid="webhook-status">{status}</dd>
            <dt class="text-slate-500">"Failures in a row"</dt><dd class="col-span-2">{e.consecutive_failures}</dd>
            <dt class="text-slate-500">"Created"</dt><dd class="col-span-2">{format!("{} by {}", format::date_time(&e.created_at), e.created_by.clone().unwrap_or_default())}</dd>
        </dl>
        {overlap.map(|o| view! { <p class="mt-2 text-xs text-slate-600">{o}</p> })}
        {e.can_manage.then(|| view! {
            <div class="mt-4 flex flex-wrap gap-2">
                <ActionForm action=test><input type="hidden" name="id" value=e_id.to_string()/>
                    <button type="submit" class=BUTTON disabled=!e.enabled>"Send test event"</button></ActionForm>
                <ActionForm action=enable><input type="hidden" name="id" value=e_id.to_string()/>
                    <input type="hidden" name="enabled" value=(!e.enabled).to_string()/>
                    <button type="submit" class=BUTTON>{if e.enabled { "Disable" } else { "Enable" }}</button></ActionForm>
                <ActionForm action=rotate><input type="hidden" name="id" value=e_id.to_string()/>
                    <button type="submit" class=BUTTON>"Rotate secret"</button></ActionForm>
                <ActionForm action=replay_failed><input type="hidden" name="id" value=e_id.to_string()/>
                    <input type="hidden" name="hours" value="24"/>
                    <button type="submit" class=BUTTON>"Replay failed (last 24 h)"</button></ActionForm>
                <ActionForm action=delete><input type="hidden" name="id" value=e_id.to_string()/>
                    <button type="submit" class="rounded border border-rose-300 px-2 py-1 text-xs text-rose-800 hover:bg-rose-50">"Delete endpoint"</button></ActionForm>
            </div>
            <section class="mt-6 max-w-2xl rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200" aria-labelledby="edit-endpoint">
                <h2 id="edit-endpoint" class="text-lg font-semibold">"Edit"</h2>
                <ActionForm action=update attr:class="mt-3 grid gap-3">
                    <input type="hidden" name="id" value=e_id.to_string()/>
                    <label class="text-sm"><span class="font-medium">"URL"</span>
                        <input name="url" type="url" required value=e.url.clone() class=INPUT/>
                        {field_error(update_error, "url".into())}</label>
                    <label class="text-sm"><span class="font-medium">"Description"</span>
                        <input name="description" maxlength="500" value=e.description.clone() class=INPUT/>
                        {field_error(update_error, "description".into())}</label>
                    <EventTypesField value=e.event_types.join(", ") error=update_error/>
                    <div><button type="submit" class="rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700">"Save"</button></div>
                </ActionForm>
            </section>
        })}
    }
}

#[component]
fn DeliveryTable(items: Vec<WebhookDeliveryView>, replay: ServerAction<ReplayWebhookDelivery>) -> impl IntoView {
    view! {
        <table class="mt-2 w-full rounded-lg bg-white text-sm shadow-sm ring-1 ring-slate-200" data-testid="webhook-deliveries">
            <thead class="text-left text-xs uppercase text-slate-500">
                <tr><th class="p-2">"Time"</th><th class="p-2">"Event"</th><th class="p-2">"Status"</th><th class="p-2">"Attempts"</th>
                    <th class="p-2">"HTTP"</th><th class="p-2">"Latency"</th><th class="p-2">"Response"</th><th class="p-2"></th></tr>
            </thead>
            <tbody>
                {items.into_iter().map(|d| {
                    let id = d.id.to_string();
                    let replayable = d.status != "delivering";
                    let attempts = d.attempt_log.iter().map(|a| format!(
                        "#{} {} · {} · {}",
                        a.attempt,
                        format::date_time(&a.created_at),
                        a.status_code.map(|c| c.to_string()).unwrap_or_else(|| "no answer".into()),
                        a.latency_ms.map(|l| format!("{l} ms")).unwrap_or_default(),
                    )).collect::<Vec<_>>().join("\n");
                    view! {
                        <tr class="border-t border-slate-100 align-top">
                            <td class="p-2 text-xs" title=attempts>{format::date_time(&d.created_at)}</td>
                            <td class="p-2 font-mono text-xs">{d.event_type.clone()}</td>
                            <td class="p-2">{webhook_status_label(&d.status)}
                                {d.last_error.clone().map(|e| view! { <div class="text-xs text-rose-700">{e}</div> })}
                                {d.next_attempt_at.as_ref().map(|at| view! { <div class="text-xs text-slate-500">{format!("next: {}", format::date_time(at))}</div> })}</td>
                            <td class="p-2">{d.attempts}</td>
                            <td class="p-2">{d.last_status_code.map(|c| c.to_string()).unwrap_or_default()}</td>
                            <td class="p-2 text-xs">{d.latency_ms.map(|l| format!("{l} ms")).unwrap_or_default()}</td>
                            <td class="p-2"><pre class="max-w-xs overflow-hidden whitespace-pre-wrap break-all text-xs">{d.response_excerpt.clone().unwrap_or_default()}</pre></td>
                            <td class="p-2 text-right">{replayable.then(|| view! {
                                <ActionForm action=replay><input type="hidden" name="delivery_id" value=id.clone()/>
                                    <button type="submit" class=BUTTON>"Replay"</button></ActionForm>
                            })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
