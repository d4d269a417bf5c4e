use leptos::prelude::*;
use leptos_meta::Title;

/// Any path no route matches: a real 404, rendered on the server.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found"/>
        <div class="mx-auto max-w-md px-4 py-24 text-center">
            <p class="text-sm font-semibold text-blue-700">"404"</p>
            <h1 class="mt-2 text-2xl font-semibold">"Page not found"</h1>
            <p class="mt-2 text-slate-600">"There is nothing at this address, or it is not yours to see."</p>
            <a href="/pos" class="mt-6 inline-block rounded bg-slate-900 px-4 py-2 text-white">"Go to purchase orders"</a>
        </div>
    }
}
