//! The admin's Odoo sync console: what waits to reach Odoo, what Odoo refused (with its own message,
//! and a replay once fixed), where each pull got to, and what the last reconciliation found.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{sync_overview, ReplayDeadLetters};
use crate::components::notice::{EmptyState, ErrorNotice, LoadingRows};
use crate::format::date_time;
use crate::model::{DeadLetterView, PullStatusView, ReconciliationView, SyncOverview};

const CARD: &str = "rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200";

/// "42 s", "7 min", "3 h": how long the oldest row has waited.
fn waited(secs: i64) -> String {
    match secs {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s => format!("{} h", s / 3600),
    }
}

#[component]
pub fn OpsPage() -> impl IntoView {
    let replay = ServerAction::<ReplayDeadLetters>::new();
    let overview = Resource::new(move || replay.version().get(), |_| sync_overview());
    view! {
        <Title text="Odoo sync"/>
        <h1 class="text-2xl font-semibold tracking-tight">"Odoo sync"</h1>
        <p class="text-sm text-slate-600">"Pushes waiting for Odoo, dead letters to fix and replay, pulls and the latest reconciliation."</p>
        {move || replay.value().get().map(|result| match result {
            Ok(n) => view! { <p class="mt-4 rounded bg-emerald-50 p-3 text-sm text-emerald-900" role="status" data-testid="replayed">
                {format!("{n} dead letter(s) back in the queue.")}</p> }.into_any(),
            Err(error) => view! { <div class="mt-4"><ErrorNotice error/></div> }.into_any(),
        })}
        <Transition fallback=|| view! { <LoadingRows/> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => view! { <Overview overview replay/> }.into_any(),
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Overview(overview: SyncOverview, replay: ServerAction<ReplayDeadLetters>) -> impl IntoView {
    let oldest = overview.oldest_pending_secs.map(waited).unwrap_or_else(|| "—".into());
    let dead_tone = if overview.dead > 0 { "text-rose-700" } else { "text-slate-900" };
    view! {
        <div class="mt-4 grid grid-cols-3 gap-3" data-testid="sync-queue">
            <div class=CARD><div class="text-xs uppercase tracking-wide text-slate-500">"Waiting for Odoo"</div>
                <div class="mt-1 text-3xl font-semibold tabular-nums">{overview.pending}</div></div>
            <div class=CARD><div class="text-xs uppercase tracking-wide text-slate-500">"Oldest waiting"</div>
                <div class="mt-1 text-3xl font-semibold tabular-nums">{oldest}</div></div>
            <div class=CARD><div class="text-xs uppercase tracking-wide text-slate-500">"Dead letters"</div>
                <div class=format!("mt-1 text-3xl font-semibold tabular-nums {dead_tone}")>{overview.dead}</div></div>
        </div>
        <section class="mt-6">
            <h2 class="text-lg font-semibold">"Connections"</h2>
            <ul class="mt-2 space-y-1 text-sm">
                {overview.connections.into_iter().map(|c| view! {
                    <li>{format!("{} · {} · Odoo {} over {} · {} supplier(s) bound", c.name, c.base_url,
                        c.version.unwrap_or_else(|| "not yet contacted".into()), c.protocol.unwrap_or_else(|| "—".into()), c.suppliers_bound)}</li>
                }).collect_view()}
            </ul>
        </section>
        <DeadLetters letters=overview.dead_letters replay/>
        <Warnings warnings=overview.warnings replay/>
        <Pulls pulls=overview.pulls/>
        <Reconciliation report=overview.reconciliation/>
    }
}

#[component]
fn DeadLetters(letters: Vec<DeadLetterView>, replay: ServerAction<ReplayDeadLetters>) -> impl IntoView {
    if letters.is_empty() {
        return view! { <section class="mt-6"><EmptyState title="No dead letters">"Everything Odoo refuses shows up here with its message."</EmptyState></section> }.into_any();
    }
    view! {
        <section class="mt-6">
            <div class="flex items-center justify-between">
                <h2 class="text-lg font-semibold">"Dead letters"</h2>
                <ActionForm action=replay>
                    <button type="submit" class="rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white" data-testid="replay-all">"Replay all"</button>
                </ActionForm>
            </div>
            <p class="text-sm text-slate-600">"Fix the cause (a key, a record rule, the record in Odoo), then replay."</p>
            <ul class="mt-2 space-y-2" data-testid="dead-letters">
                {letters.into_iter().map(|d| {
                    let testid = format!("dead-letter-{}", d.id);
                    let meta = format!("{} attempt(s) · queued {}", d.attempts, date_time(&d.created_at));
                    let message = format!("{}: {}", d.error_kind.clone().unwrap_or_default(), d.error.clone().unwrap_or_default());
                    view! { <OutboxRow entry=d testid meta message tone="text-rose-800" replay/> }
                }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

/// Pushes that reached Odoo while something beside them did not (a chatter note): the business write
/// stands, so these are not dead letters; once the cause is fixed, a replay adds what was missing.
#[component]
fn Warnings(warnings: Vec<DeadLetterView>, replay: ServerAction<ReplayDeadLetters>) -> impl IntoView {
    if warnings.is_empty() {
        return ().into_any();
    }
    view! {
        <section class="mt-6">
            <h2 class="text-lg font-semibold">"Applied with a warning"</h2>
            <p class="text-sm text-slate-600">"Odoo took these changes but refused a note beside them. Fix the cause, then replay to add it."</p>
            <ul class="mt-2 space-y-2" data-testid="push-warnings">
                {warnings.into_iter().map(|w| {
                    let testid = format!("push-warning-{}", w.id);
                    let meta = format!("queued {}", date_time(&w.created_at));
                    let message = w.error.clone().unwrap_or_default();
                    view! { <OutboxRow entry=w testid meta message tone="text-amber-800" replay/> }
                }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

/// One outbox row on the console (a dead letter or a warning): what, about what, whose, Odoo's words,
/// and its replay button.
#[component]
fn OutboxRow(
    entry: DeadLetterView,
    testid: String,
    meta: String,
    message: String,
    tone: &'static str,
    replay: ServerAction<ReplayDeadLetters>,
) -> impl IntoView {
    view! {
        <li class=CARD data-testid=testid>
            <div class="flex flex-wrap items-baseline gap-x-3 text-sm">
                <span class="font-medium">{entry.event_type}</span>
                <span class="text-slate-600">{entry.subject}</span>
                <span class="text-slate-600">{entry.supplier.unwrap_or_default()}</span>
                <span class="text-slate-500">{meta}</span>
            </div>
            <p class=format!("mt-1 whitespace-pre-wrap font-mono text-xs {tone}")>{message}</p>
            <ActionForm action=replay attr:class="mt-2">
                <input type="hidden" name="id" value=entry.id.to_string()/>
                <button type="submit" class="rounded border border-slate-300 px-3 py-1 text-sm">"Replay"</button>
            </ActionForm>
        </li>
    }
}

#[component]
fn Pulls(pulls: Vec<PullStatusView>) -> impl IntoView {
    view! {
        <section class="mt-6">
            <h2 class="text-lg font-semibold">"Pulls from Odoo"</h2>
            <div class="mt-2 overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
                <table class="min-w-full text-sm" data-testid="pulls">
                    <thead class="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
                        <tr><th class="px-3 py-2">"Supplier"</th><th class="px-3 py-2">"Model"</th><th class="px-3 py-2">"Last run"</th>
                            <th class="px-3 py-2">"Up to (Odoo write_date)"</th><th class="px-3 py-2 text-right">"Records"</th><th class="px-3 py-2">"Last error"</th></tr>
                    </thead>
                    <tbody class="divide-y divide-slate-100">
                        {pulls.into_iter().map(|p| view! {
                            <tr>
                                <td class="px-3 py-2">{p.supplier}</td>
                                <td class="px-3 py-2 font-mono text-xs">{p.model}</td>
                                <td class="px-3 py-2">{p.last_run_at.as_ref().map(date_time).unwrap_or_else(|| "never".into())}</td>
                                <td class="px-3 py-2">{p.cursor.as_ref().map(date_time).unwrap_or_else(|| "—".into())}</td>
                                <td class="px-3 py-2 text-right tabular-nums">{p.records_seen}</td>
                                <td class="px-3 py-2 text-rose-800">{p.last_error.unwrap_or_default()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn Reconciliation(report: Option<ReconciliationView>) -> impl IntoView {
    let Some(r) = report else {
        return view! { <section class="mt-6"><EmptyState title="No reconciliation yet">"It runs on its schedule, or with supplyline sync reconcile."</EmptyState></section> }.into_any();
    };
    let when = match &r.finished_at {
        Some(at) => format!("finished {}", date_time(at)),
        None => format!("running since {}", date_time(&r.started_at)),
    };
    view! {
        <section class="mt-6" data-testid="reconciliation">
            <h2 class="text-lg font-semibold">"Latest reconciliation"</h2>
            <p class="text-sm text-slate-600">{format!("#{} {when}: {} checked, {} drifted, {} repaired, {} failed", r.id, r.checked, r.drifted, r.repaired, r.failed)}</p>
            <ul class="mt-2 list-disc pl-5 text-sm">
                {r.detail.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}
