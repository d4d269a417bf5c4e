//! Error, empty and loading states, the same on every page.

use leptos::prelude::*;

use crate::AppError;

#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    // Signing in again brings the user back to where they were.
    let here = leptos_router::hooks::use_location();
    let search = here.search.get_untracked();
    let search = search.trim_start_matches('?');
    let path = here.pathname.get_untracked();
    let back_to = if search.is_empty() { path } else { format!("{path}?{search}") };
    let sign_in = format!("/login?next={}", crate::format::url_component(&back_to));
    let (title, hint) = match &error {
        AppError::Unauthenticated => ("Signed out", Some((sign_in, "Sign in again"))),
        AppError::NotFound => ("Not found", Some(("/pos".to_string(), "Back to purchase orders"))),
        AppError::Invalid { .. } | AppError::Fields(_) => ("Check your input", None),
        _ => ("Something went wrong", None),
    };
    view! {
        <div role="alert" class="rounded-lg border border-rose-200 bg-rose-50 p-4 text-rose-900">
            <p class="font-semibold">{title}</p>
            <p class="text-sm mt-1">{error.to_string()}</p>
            {hint.map(|(href, label)| view! { <a class="mt-2 inline-block text-sm underline" href=href>{label}</a> })}
        </div>
    }
}

#[component]
pub fn EmptyState(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <div class="rounded-lg border border-dashed border-slate-300 bg-white p-10 text-center">
            <p class="font-medium text-slate-700">{title}</p>
            <div class="mt-2 text-sm text-slate-500">{children()}</div>
        </div>
    }
}

#[component]
pub fn LoadingRows() -> impl IntoView {
    view! {
        <div class="space-y-2" aria-busy="true" aria-label="Loading">
            {(0..5).map(|_| view! { <div class="h-10 animate-pulse rounded bg-slate-200"></div> }).collect_view()}
        </div>
    }
}

/// A list loaded from the server, with the same loading, empty and error states on every page.
#[component]
pub fn LoadedList<T, F, IV>(
    items: Resource<Result<Vec<T>, AppError>>,
    empty_title: &'static str,
    empty_hint: &'static str,
    test_id: &'static str,
    row: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> IV + Clone + Send + Sync + 'static,
    IV: IntoView + 'static,
{
    view! {
        <Transition fallback=|| view! { <LoadingRows/> }>
            {move || {
                let row = row.clone();
                Suspend::new(async move {
                    match items.await {
                        Ok(list) if list.is_empty() => {
                            view! { <EmptyState title=empty_title>{empty_hint}</EmptyState> }.into_any()
                        }
                        Ok(list) => view! {
                            <ul class="space-y-3" data-testid=test_id>{list.into_iter().map(row).collect_view()}</ul>
                        }
                        .into_any(),
                        Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

/// The message for `field` from the last failed submission (`error` reads it), next to its field.
pub fn field_error(error: impl Fn() -> Option<AppError> + Send + Sync + 'static, field: String) -> impl IntoView {
    move || {
        error()
            .and_then(|e| e.field_message(&field))
            .map(|m| view! { <p class="mt-1 text-xs text-rose-700" role="alert">{m}</p> })
    }
}
