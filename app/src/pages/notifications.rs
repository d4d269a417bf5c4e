//! The notification list behind the bell, and which topics also arrive by e-mail.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{notification_preferences, notifications, MarkNotificationsRead, SaveNotificationPreferences};
use crate::components::notice::{ErrorNotice, LoadingRows};
use crate::format;
use crate::model::{NotificationView, PreferenceView};

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let mark = ServerAction::<MarkNotificationsRead>::new();
    let list = Resource::new(move || mark.version().get(), |_| notifications());
    view! {
        <Title text="Notifications"/>
        <div class="flex flex-wrap items-baseline justify-between gap-2">
            <h1 class="text-2xl font-semibold tracking-tight">"Notifications"</h1>
            <ActionForm action=mark>
                <button type="submit" class="rounded border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-50"
                    data-testid="mark-all-read">"Mark all as read"</button>
            </ActionForm>
        </div>
        {move || mark.value().get().and_then(|r| r.err()).map(|error| view! { <div class="mt-4"><ErrorNotice error/></div> })}
        <Transition fallback=|| view! { <LoadingRows/> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) if list.items.is_empty() => view! {
                        <p class="mt-4 rounded-lg border border-dashed border-slate-300 bg-white p-10 text-center text-slate-600">
                            "Nothing yet. New orders, decisions and shipments appear here."
                        </p>
                    }.into_any(),
                    Ok(list) => view! {
                        <p class="mt-1 text-sm text-slate-600" data-testid="unread-summary">{format!("{} unread", list.unread)}</p>
                        <ul class="mt-4 divide-y divide-slate-200 rounded-lg bg-white shadow-sm ring-1 ring-slate-200" data-testid="notification-list">
                            {list.items.into_iter().map(|n| view! { <NotificationItem n mark/> }).collect_view()}
                        </ul>
                        {list.truncated.then(|| view! { <p class="mt-2 text-xs text-slate-500">"Older notifications are not shown."</p> })}
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                }
            })}
        </Transition>
        <Preferences/>
    }
}

#[component]
fn NotificationItem(n: NotificationView, mark: ServerAction<MarkNotificationsRead>) -> impl IntoView {
    let id = n.id.to_string();
    let style = if n.read { "p-4" } else { "p-4 bg-blue-50" };
    view! {
        <li class=style data-testid="notification" data-read=n.read.to_string()>
            <div class="flex flex-wrap items-baseline justify-between gap-2">
                <a href=n.link.clone() class="font-medium text-blue-800 hover:underline">{n.title.clone()}</a>
                <span class="text-xs text-slate-500">{format::date_time(&n.created_at)}</span>
            </div>
            <p class="mt-1 text-sm text-slate-700">{n.body.clone()}</p>
            {(!n.read).then(|| view! {
                <ActionForm action=mark attr:class="mt-2">
                    <input type="hidden" name="id" value=id/>
                    <button type="submit" class="text-xs text-slate-600 underline">"Mark as read"</button>
                </ActionForm>
            })}
        </li>
    }
}

#[component]
fn Preferences() -> impl IntoView {
    let save = ServerAction::<SaveNotificationPreferences>::new();
    let prefs = Resource::new(move || save.version().get(), |_| notification_preferences());
    view! {
        <section class="mt-8 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200" aria-labelledby="prefs-heading">
            <h2 id="prefs-heading" class="text-lg font-semibold">"E-mail"</h2>
            <p class="text-sm text-slate-600">"Everything appears here in the portal; choose what also arrives by e-mail."</p>
            {move || match save.value().get() {
                Some(Ok(())) => Some(view! { <p role="status" class="mt-2 text-sm text-emerald-800">"Saved."</p> }.into_any()),
                Some(Err(error)) => Some(view! { <div class="mt-2"><ErrorNotice error/></div> }.into_any()),
                None => None,
            }}
            <Transition fallback=|| view! { <LoadingRows/> }>
                {move || Suspend::new(async move {
                    match prefs.await {
                        Ok(list) => view! { <PreferenceForm list save/> }.into_any(),
                        Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn PreferenceForm(list: Vec<PreferenceView>, save: ServerAction<SaveNotificationPreferences>) -> impl IntoView {
    view! {
        <ActionForm action=save attr:class="mt-3 space-y-2" attr:data-testid="preferences-form">
            <input type="hidden" name="input[form]" value="preferences"/>
            {list.into_iter().enumerate().map(|(i, p)| view! {
                <label class="flex items-center gap-2 text-sm">
                    <input type="checkbox" name=format!("input[email][{i}]") value=p.topic.as_str() checked=p.email
                        data-testid=format!("pref-{}", p.topic.as_str())/>
                    {p.label.clone()}
                </label>
            }).collect_view()}
            <button type="submit" class="rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700">"Save"</button>
        </ActionForm>
    }
}
