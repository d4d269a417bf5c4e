//! Sign-in. A plain form posted to the server's `/login` handler: it works before hydration and
//! without WebAssembly; a failed attempt comes back as a notice with the e-mail kept.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::take_login_notice;

#[component]
pub fn LoginPage() -> impl IntoView {
    let notice = Resource::new(|| (), |_| take_login_notice());
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let signed_out = move || query.read().get("signed_out").is_some();
    let password_set = move || query.read().get("password_set").is_some();

    view! {
        <Title text="Sign in"/>
        <div class="min-h-screen flex items-center justify-center px-4">
            <div class="w-full max-w-sm">
                <h1 class="text-2xl font-semibold tracking-tight">"Sign in to Supplyline"</h1>
                <p class="mt-1 text-sm text-slate-600">"Purchase orders, shipments and quality, in step with your customer's ERP."</p>
                <Show when=signed_out>
                    <p role="status" class="mt-4 rounded border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900">
                        "You have signed out."
                    </p>
                </Show>
                <Show when=password_set>
                    <p role="status" data-testid="password-set" class="mt-4 rounded border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900">
                        "Your password is set. Sign in with it."
                    </p>
                </Show>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let notice = notice.await.unwrap_or_default();
                        view! {
                            {notice.error.clone().map(|e| view! {
                                <p role="alert" data-testid="login-error"
                                   class="mt-4 rounded border border-rose-200 bg-rose-50 p-3 text-sm text-rose-900">{e}</p>
                            })}
                            <form method="post" action="/login" class="mt-6 space-y-4 rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
                                <input type="hidden" name="next" value=next/>
                                <label class="block">
                                    <span class="text-sm font-medium">"E-mail"</span>
                                    <input name="email" type="email" required autocomplete="username" value=notice.email
                                        class="mt-1 block w-full rounded border border-slate-300 px-3 py-2 focus:border-blue-600 focus:outline-none"/>
                                </label>
                                <label class="block">
                                    <span class="text-sm font-medium">"Password"</span>
                                    <input name="password" type="password" required autocomplete="current-password"
                                        class="mt-1 block w-full rounded border border-slate-300 px-3 py-2 focus:border-blue-600 focus:outline-none"/>
                                </label>
                                <button type="submit" class="w-full rounded bg-slate-900 px-4 py-2 font-medium text-white hover:bg-slate-700">
                                    "Sign in"
                                </button>
                                <p class="text-center text-sm"><a href="/forgot-password" class="text-blue-700 underline">"Forgot your password?"</a></p>
                            </form>
                            {notice.sso.clone().map(|name| {
                                let href = if next().is_empty() {
                                    "/auth/sso".to_string()
                                } else {
                                    format!("/auth/sso?next={}", crate::format::url_component(&next()))
                                };
                                view! {
                                    // A plain link: the server sends the browser on to the provider.
                                    <a href=href rel="external" data-testid="sso-login"
                                       class="mt-4 block w-full rounded border border-slate-300 bg-white px-4 py-2 text-center font-medium hover:bg-slate-50">
                                        {format!("Sign in with {name}")}
                                    </a>
                                }
                            })}
                        }
                    })}
                </Suspense>
            </div>
        </div>
    }
}
