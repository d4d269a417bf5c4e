//! The public account pages: ask for a password reset, and choose a password from a one-time link
//! (a reset or an invitation). Plain forms posted to the server's handlers: no WebAssembly needed.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::{account_link, take_account_notice};
use crate::model::{AccountLinkView, AccountNotice};

const INPUT: &str =
    "mt-1 block w-full rounded border border-slate-300 px-3 py-2 focus:border-blue-600 focus:outline-none";

#[component]
fn Card(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <Title text=title/>
        <div class="min-h-screen flex items-center justify-center px-4">
            <div class="w-full max-w-sm">
                <h1 class="text-2xl font-semibold tracking-tight">{title}</h1>
                {children()}
                <p class="mt-4 text-sm"><a href="/login" class="text-blue-700 underline">"Back to sign in"</a></p>
            </div>
        </div>
    }
}

fn notice_view(notice: &AccountNotice) -> impl IntoView {
    view! {
        {notice.error.clone().map(|e| view! {
            <p role="alert" data-testid="account-error" class="mt-4 rounded border border-rose-200 bg-rose-50 p-3 text-sm text-rose-900">{e}</p>
        })}
        {notice.info.clone().map(|i| view! {
            <p role="status" data-testid="account-info" class="mt-4 rounded border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900">{i}</p>
        })}
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let notice = Resource::new(|| (), |_| take_account_notice());
    view! {
        <Card title="Forgot your password?">
            <p class="mt-1 text-sm text-slate-600">"We e-mail you a link to choose a new one."</p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let notice = notice.await.unwrap_or_default();
                    view! {
                        {notice_view(&notice)}
                        <form method="post" action="/forgot-password" class="mt-6 space-y-4 rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
                            <label class="block"><span class="text-sm font-medium">"E-mail"</span>
                                <input name="email" type="email" required autocomplete="username" class=INPUT/></label>
                            <button type="submit" class="w-full rounded bg-slate-900 px-4 py-2 font-medium text-white hover:bg-slate-700">"Send the link"</button>
                        </form>
                    }
                })}
            </Suspense>
        </Card>
    }
}

/// The form of a one-time link: the account it is for, or why the link no longer works.
#[component]
fn SetPasswordForm(invitation: bool) -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let link = Resource::new(token, move |t| account_link(t, invitation));
    let notice = Resource::new(|| (), |_| take_account_notice());
    let action = if invitation { "/invitation" } else { "/reset-password" };
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let notice = notice.await.unwrap_or_default();
                match link.await {
                    Ok(AccountLinkView::Valid { email, display_name }) => view! {
                        <p class="mt-1 text-sm text-slate-600">{format!("{display_name} · {email}")}</p>
                        {notice_view(&notice)}
                        <form method="post" action=action class="mt-6 space-y-4 rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
                            <input type="hidden" name="token" value=token()/>
                            <input type="hidden" name="email" autocomplete="username" value=email/>
                            <label class="block"><span class="text-sm font-medium">"New password (at least 12 characters)"</span>
                                <input name="password" type="password" required minlength="12" autocomplete="new-password" class=INPUT/></label>
                            <label class="block"><span class="text-sm font-medium">"The same password again"</span>
                                <input name="confirm" type="password" required minlength="12" autocomplete="new-password" class=INPUT/></label>
                            <button type="submit" class="w-full rounded bg-slate-900 px-4 py-2 font-medium text-white hover:bg-slate-700">"Set password"</button>
                        </form>
                    }.into_any(),
                    Ok(AccountLinkView::Invalid { reason }) => view! {
                        <p role="alert" data-testid="account-error" class="mt-4 rounded border border-rose-200 bg-rose-50 p-3 text-sm text-rose-900">{reason}</p>
                        <p class="mt-2 text-sm"><a href="/forgot-password" class="text-blue-700 underline">"Ask for a new link"</a></p>
                    }.into_any(),
                    Err(e) => view! {
                        <p role="alert" class="mt-4 rounded border border-rose-200 bg-rose-50 p-3 text-sm text-rose-900">{e.to_string()}</p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    view! { <Card title="Choose a new password"><SetPasswordForm invitation=false/></Card> }
}

#[component]
pub fn InvitationPage() -> impl IntoView {
    view! { <Card title="Welcome to Supplyline"><SetPasswordForm invitation=true/></Card> }
}
