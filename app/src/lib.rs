//! Supplyline's UI, wire types and server-function shims. Built twice: for the server (`ssr`) and
//! to WebAssembly for hydration (`hydrate`). Nothing here does I/O of its own.
// Leptos views are deeply nested types; the PO page with its forms passes the default limit.
#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod error;
pub mod format;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ports;

pub use error::AppError;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser: the flag tells tests (and styles) that hydration finished.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    view! {
        <Stylesheet id="leptos" href="/pkg/supplyline.css"/>
        <Title formatter=|page: String| format!("{page} · Supplyline")/>
        <div id="app" data-hydrated=move || hydrated.get().to_string()>
            <Router>
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("/login") view=pages::login::LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/forgot-password") view=pages::account_link::ForgotPasswordPage ssr=SsrMode::Async/>
                    <Route path=path!("/reset-password/:token") view=pages::account_link::ResetPasswordPage ssr=SsrMode::Async/>
                    <Route path=path!("/invitation/:token") view=pages::account_link::InvitationPage ssr=SsrMode::Async/>
                    <ParentRoute path=path!("") view=components::shell::AppShell ssr=SsrMode::Async>
                        <Route path=path!("") view=|| view! { <Redirect path="/pos"/> }/>
                        <Route path=path!("pos") view=pages::po_list::PoListPage ssr=SsrMode::Async/>
                        <Route path=path!("pos/:id") view=pages::po_detail::PoDetailPage ssr=SsrMode::Async/>
                        <Route path=path!("proposals") view=pages::proposals::ProposalsPage ssr=SsrMode::Async/>
                        <Route path=path!("monitor") view=pages::monitor::MonitorPage ssr=SsrMode::Async/>
                        <Route path=path!("lead-times") view=pages::lead_times::LeadTimesPage ssr=SsrMode::Async/>
                        <Route path=path!("lead-time-proposals") view=pages::lead_times::LeadTimeProposalsPage ssr=SsrMode::Async/>
                        <Route path=path!("ops") view=pages::ops::OpsPage ssr=SsrMode::Async/>
                        <Route path=path!("asns") view=pages::asn::AsnListPage ssr=SsrMode::Async/>
                        <Route path=path!("asns/new") view=pages::asn::AsnNewPage ssr=SsrMode::Async/>
                        <Route path=path!("asns/:id") view=pages::asn::AsnDetailPage ssr=SsrMode::Async/>
                        <Route path=path!("notifications") view=pages::notifications::NotificationsPage ssr=SsrMode::Async/>
                        <Route path=path!("team") view=pages::team::TeamPage ssr=SsrMode::Async/>
                        <Route path=path!("suppliers") view=pages::suppliers::SuppliersPage ssr=SsrMode::Async/>
                        <Route path=path!("integrations/tokens") view=pages::integrations::TokensPage ssr=SsrMode::Async/>
                        // Quality holds (issue 4).
                        <Route path=path!("quality") view=pages::quality::QualityListPage ssr=SsrMode::Async/>
                        <Route path=path!("quality/new") view=pages::quality::QualityNewPage ssr=SsrMode::Async/>
                        <Route path=path!("quality/:id") view=pages::quality::QualityDetailPage ssr=SsrMode::Async/>
                        <Route path=path!("exceptions") view=pages::exceptions::ExceptionsPage ssr=SsrMode::Async/>
                        <Route path=path!("scorecards") view=pages::scorecards::ScorecardsPage ssr=SsrMode::Async/>
                        <Route path=path!("integrations/webhooks") view=pages::webhooks::WebhooksPage ssr=SsrMode::Async/>
                        <Route path=path!("integrations/webhooks/:id") view=pages::webhooks::WebhookDetailPage ssr=SsrMode::Async/>
                    </ParentRoute>
                </Routes>
            </Router>
        </div>
    }
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
