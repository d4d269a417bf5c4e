//! The integration console: API tokens and OAuth clients for a supplier's (or the plant's own)
//! systems. Managed here in the browser only; a token can never manage tokens.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{integration_console, CreateCredential, RevokeCredential};
use crate::components::notice::{field_error, ErrorNotice, LoadingRows};
use crate::format;
use crate::model::{
    ConsoleView, CredentialKind, CredentialStatus, CredentialView, IssuedCredential, MAX_CREDENTIAL_DAYS,
};

const INPUT: &str = "block w-full rounded border border-slate-300 bg-white px-2 py-1.5 text-sm";

#[component]
pub fn TokensPage() -> impl IntoView {
    let create = ServerAction::<CreateCredential>::new();
    let revoke = ServerAction::<RevokeCredential>::new();
    let console = Resource::new(move || (create.version().get(), revoke.version().get()), |_| integration_console());
    view! {
        <Title text="API access"/>
        <h1 class="text-2xl font-semibold tracking-tight">"API access"</h1>
        <p class="text-sm text-slate-600">
            "Tokens and OAuth clients let your own systems use the "<a class="underline" href="/api/docs">"Supplyline API"</a>
            ". Each holds only the scopes you choose and expires; revoking one stops it at once."
        </p>
        {move || revoke.value().get().and_then(|r| r.err()).map(|error| view! { <div class="mt-4"><ErrorNotice error/></div> })}
        <Transition fallback=|| view! { <LoadingRows/> }>
            {move || Suspend::new(async move {
                match console.await {
                    Ok(data) => {
                        let grantable = data.credentials.grantable.clone();
                        view! { <Console data revoke/><NewCredentialForm grantable create/> }.into_any()
                    }
                    Err(error) => view! { <div class="mt-4"><ErrorNotice error/></div> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Console(data: ConsoleView, revoke: ServerAction<RevokeCredential>) -> impl IntoView {
    view! {
        {data.just_issued.map(|issued| view! { <IssuedSecret issued/> })}
        <table class="mt-4 w-full rounded-lg bg-white text-sm shadow-sm ring-1 ring-slate-200" data-testid="credentials">
            <thead class="text-left text-xs uppercase text-slate-500">
                <tr><th class="p-2">"Name"</th><th class="p-2">"Kind"</th><th class="p-2">"Scopes"</th><th class="p-2">"Owner"</th>
                    <th class="p-2">"Expires"</th><th class="p-2">"Last used"</th><th class="p-2">"Status"</th><th class="p-2"></th></tr>
            </thead>
            <tbody>
                {if data.credentials.credentials.is_empty() {
                    view! { <tr><td colspan="8" class="p-4 text-center text-slate-500">"No tokens or clients yet."</td></tr> }.into_any()
                } else {
                    data.credentials.credentials.into_iter().map(|c| view! { <CredentialRow c revoke/> }).collect_view().into_any()
                }}
            </tbody>
        </table>
    }
}

#[component]
fn IssuedSecret(issued: IssuedCredential) -> impl IntoView {
    let what = match issued.kind {
        CredentialKind::Token => "token",
        CredentialKind::OauthClient => "client secret",
    };
    view! {
        <section role="status" class="mt-4 rounded-lg bg-emerald-50 p-4 ring-1 ring-emerald-200" data-testid="issued-secret">
            <h2 class="font-semibold text-emerald-900">{format!("Your new {what} for “{}”", issued.name)}</h2>
            <p class="text-sm text-emerald-900">"Copy it now: it is shown only this once, and we keep only a hash of it."</p>
            {issued.client_id.map(|id| view! {
                <p class="mt-2 text-sm">"Client id: "<code class="font-mono" data-testid="issued-client-id">{id}</code></p>
            })}
            <p class="mt-2"><code class="select-all break-all rounded bg-white px-2 py-1 font-mono text-sm ring-1 ring-emerald-200"
                data-testid="issued-value">{issued.secret}</code></p>
            <p class="mt-2 text-xs text-emerald-900">{format!("Expires {}.", format::date_time(&issued.expires_at))}</p>
        </section>
    }
}

#[component]
fn CredentialRow(c: CredentialView, revoke: ServerAction<RevokeCredential>) -> impl IntoView {
    let active = c.status == CredentialStatus::Active;
    let status = c.status.label();
    let kind = match c.kind {
        CredentialKind::Token => "Token",
        CredentialKind::OauthClient => "OAuth client",
    };
    let used = match (&c.last_used_at, &c.last_used_ip) {
        (Some(at), ip) => {
            format!("{} {}", format::date_time(at), ip.clone().map(|ip| format!("from {ip}")).unwrap_or_default())
        }
        (None, _) => "never".into(),
    };
    let scopes = c.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ");
    view! {
        <tr class="border-t border-slate-100" data-testid=format!("credential-{}", c.id)>
            <td class="p-2">{c.name.clone()}<div class="font-mono text-xs text-slate-500">{c.hint.clone()}</div></td>
            <td class="p-2">{kind}</td>
            <td class="p-2 font-mono text-xs">{scopes}</td>
            <td class="p-2">{c.owner_name.clone()}</td>
            <td class="p-2 text-xs">{format::date_time(&c.expires_at)}</td>
            <td class="p-2 text-xs" data-testid="last-used">{used}</td>
            <td class="p-2" data-testid="credential-status">{status}</td>
            <td class="p-2 text-right">
                {active.then(|| view! {
                    <ActionForm action=revoke>
                        <input type="hidden" name="id" value=c.id.to_string()/>
                        <button type="submit" class="rounded border border-red-300 px-2 py-1 text-xs text-red-800 hover:bg-red-50">"Revoke"</button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}

#[component]
fn NewCredentialForm(grantable: Vec<crate::model::Scope>, create: ServerAction<CreateCredential>) -> impl IntoView {
    let error = move || create.value().with(|v| v.clone().and_then(Result::err));
    view! {
        <section class="mt-6 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200" aria-labelledby="new-credential">
            <h2 id="new-credential" class="text-lg font-semibold">"New token or OAuth client"</h2>
            {move || match create.value().get() {
                Some(Err(e)) if ["kind", "name", "scopes", "expires_in_days"].iter().all(|f| e.field_message(f).is_none()) =>
                    Some(view! { <div class="mt-2"><ErrorNotice error=e/></div> }),
                _ => None,
            }}
            <ActionForm action=create attr:class="mt-3 grid gap-3 sm:grid-cols-3" attr:data-testid="credential-form">
                <label class="text-sm"><span class="font-medium">"Name (which system uses it)"</span>
                    <input name="input[name]" required maxlength="100" class=INPUT/>
                    {field_error(error, "name".into())}</label>
                <label class="text-sm"><span class="font-medium">"Kind"</span>
                    <select name="input[kind]" class=INPUT>
                        <option value="token">"Token (sent as a bearer token)"</option>
                        <option value="oauth_client">"OAuth client (client credentials grant)"</option>
                    </select>
                    {field_error(error, "kind".into())}</label>
                <label class="text-sm"><span class="font-medium">{format!("Expires in (days, at most {MAX_CREDENTIAL_DAYS})")}</span>
                    <input name="input[expires_in_days]" type="number" min="1" max=MAX_CREDENTIAL_DAYS.to_string() value="90" required class=INPUT/>
                    {field_error(error, "expires_in_days".into())}</label>
                <fieldset class="sm:col-span-3 text-sm">
                    <legend class="font-medium">"Scopes: only what the system needs"</legend>
                    <div class="mt-1 grid gap-1 sm:grid-cols-3">
                        {grantable.into_iter().enumerate().map(|(i, scope)| view! {
                            <label class="flex items-center gap-2">
                                <input type="checkbox" name=format!("input[scopes][{i}]") value=scope.as_str()/>
                                <span><code class="font-mono text-xs">{scope.as_str()}</code>" "{scope.describe()}</span>
                            </label>
                        }).collect_view()}
                    </div>
                    {field_error(error, "scopes".into())}
                </fieldset>
                <div class="sm:col-span-3">
                    <button type="submit" class="rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700">"Create"</button>
                </div>
            </ActionForm>
        </section>
    }
}
