//! The signed-in layout: header with navigation by role, the user, sign-out; then the page.

use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

use crate::api::{current_session, unread_notifications};
use crate::model::{Role, SessionView};

#[component]
pub fn AppShell() -> impl IntoView {
    let session = Resource::new(|| (), |_| current_session());
    // The bell's count, fetched again on every navigation.
    let location = leptos_router::hooks::use_location();
    let unread = Resource::new(move || location.pathname.get(), |_| unread_notifications());
    view! {
        <div class="min-h-screen flex flex-col">
            <header class="bg-slate-900 text-white">
                <div class="mx-auto max-w-7xl px-4 py-3 flex flex-wrap items-center gap-x-6 gap-y-2">
                    <a href="/pos" class="font-semibold tracking-tight text-lg">"Supplyline"</a>
                    <Transition fallback=|| view! { <span class="text-slate-400 text-sm">"Loading…"</span> }>
                        {move || Suspend::new(async move {
                            match session.await {
                                Ok(Some(s)) => {
                                    let unread = unread.await.unwrap_or(0);
                                    view! { <Nav session=s unread/> }.into_any()
                                }
                                Ok(None) => view! {
                                    <a href="/login" class="ml-auto text-sm underline">"Sign in"</a>
                                }.into_any(),
                                Err(_) => view! {
                                    <span class="ml-auto text-sm text-amber-300">"Session unavailable"</span>
                                }.into_any(),
                            }
                        })}
                    </Transition>
                </div>
            </header>
            <main class="flex-1 mx-auto w-full max-w-7xl px-4 py-6">
                <Outlet/>
            </main>
            <footer class="mx-auto w-full max-w-7xl px-4 py-4 text-xs text-slate-500">
                "Supplyline: supplier commitments, in step with Odoo."
            </footer>
        </div>
    }
}

/// Links the role may use. Only what exists is linked; nothing leads to an empty page.
fn links_for(role: Role) -> Vec<(&'static str, &'static str)> {
    match role {
        Role::SupplierUser | Role::SupplierAdmin => {
            let mut links = vec![
                ("/pos", "Purchase orders"),
                ("/asns", "Shipments"),
                ("/lead-times", "Lead times"),
                ("/quality", "Quality"),
            ];
            if role == Role::SupplierAdmin {
                links.push(("/team", "Team"));
                links.push(("/integrations/tokens", "API access"));
                links.push(("/integrations/webhooks", "Webhooks"));
            }
            links
        }
        Role::Buyer | Role::Admin => {
            let mut links = vec![
                ("/monitor", "Monitor"),
                ("/pos", "All purchase orders"),
                ("/proposals", "Proposals"),
                ("/lead-time-proposals", "Lead times"),
                ("/asns", "Shipments"),
                ("/exceptions", "Exceptions"),
                ("/scorecards", "Scorecards"),
                ("/quality", "Quality"),
                ("/suppliers", "Suppliers"),
                ("/team", "Team"),
                ("/integrations/tokens", "API access"),
            ];
            if role == Role::Admin {
                links.push(("/ops", "Odoo sync"));
                links.push(("/integrations/webhooks", "Webhooks"));
            }
            links
        }
    }
}

#[component]
fn Nav(session: SessionView, unread: i64) -> impl IntoView {
    let who = match &session.supplier_name {
        Some(supplier) => format!("{} · {}", session.role.label(), supplier),
        None => session.role.label().to_string(),
    };
    view! {
        <nav class="flex items-center gap-4 text-sm" aria-label="Main">
            {links_for(session.role)
                .into_iter()
                .map(|(href, label)| view! {
                    <A href=href attr:class="rounded px-2 py-1 hover:bg-slate-700 aria-[current=page]:bg-slate-700">
                        {label}
                    </A>
                })
                .collect_view()}
        </nav>
        <div class="ml-auto flex items-center gap-3 text-sm">
            <Bell unread/>
            <div class="text-right leading-tight">
                <div class="font-medium" data-testid="user-name">{session.display_name.clone()}</div>
                <div class="text-slate-400 text-xs">{who}</div>
            </div>
            <form method="post" action="/logout">
                <button type="submit" class="rounded border border-slate-600 px-3 py-1 hover:bg-slate-700">
                    "Sign out"
                </button>
            </form>
        </div>
    }
}

/// The unread count; links to the notification list.
#[component]
fn Bell(unread: i64) -> impl IntoView {
    let label = match unread {
        0 => "Notifications, none unread".to_string(),
        1 => "Notifications, 1 unread".to_string(),
        n => format!("Notifications, {n} unread"),
    };
    view! {
        <a href="/notifications" aria-label=label data-testid="bell" class="relative rounded px-2 py-1 hover:bg-slate-700">
            <svg aria-hidden="true" viewBox="0 0 24 24" class="h-5 w-5 fill-none stroke-current stroke-2">
                <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9"/><path d="M10.3 21a1.94 1.94 0 0 0 3.4 0"/>
            </svg>
            {(unread > 0).then(|| view! {
                <span data-testid="unread-count"
                    class="absolute -right-1 -top-1 rounded-full bg-rose-600 px-1.5 text-xs font-semibold">{unread.to_string()}</span>
            })}
        </a>
    }
}
