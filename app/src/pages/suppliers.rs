//! Suppliers (buyers and admins): who is onboarded, linked to an Odoo vendor and bound to its own Odoo
//! key, how many people sign in for it, and whether it has an admin; invite a supplier's first admin
//! (the team invitation, with the role and supplier filled in).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{suppliers, InviteMember};
use crate::components::notice::{EmptyState, ErrorNotice, LoadingRows};
use crate::model::{SupplierAdminStatus, SupplierView};
use crate::AppError;

const INPUT: &str = "block w-full rounded border border-slate-300 bg-white px-2 py-1 text-sm";

#[component]
pub fn SuppliersPage() -> impl IntoView {
    let invite = ServerAction::<InviteMember>::new();
    let list = Resource::new(move || invite.version().get(), |_| suppliers());
    view! {
        <Title text="Suppliers"/>
        <h1 class="text-2xl font-semibold tracking-tight">"Suppliers"</h1>
        <p class="text-sm text-slate-600">
            "Your vendors in Odoo become suppliers with " <code class="font-mono text-xs">"supplyline supplier import"</code>
            ". Invite each supplier's first admin here; they invite their own colleagues."
        </p>
        <InviteResult invite/>
        <Transition fallback=|| view! { <LoadingRows/> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(rows) if rows.is_empty() => view! { <div class="mt-4"><NoSuppliers/></div> }.into_any(),
                    Ok(rows) => view! { <SupplierTable rows invite/> }.into_any(),
                    Err(error) => view! { <div class="mt-4"><ErrorNotice error/></div> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The outcome of the last invitation, above the list: one action serves every row's form.
#[component]
fn InviteResult(invite: ServerAction<InviteMember>) -> impl IntoView {
    move || match invite.value().get() {
        Some(Ok(())) => Some(
            view! {
                <p role="status" class="mt-4 text-sm text-emerald-800" data-testid="invite-sent">
                    "Invitation sent: the new admin chooses a password through the link in the e-mail."
                </p>
            }
            .into_any(),
        ),
        Some(Err(error)) => {
            // Every field's message at once, not "2 fields need attention".
            let error = match error {
                AppError::Fields(fields) if fields.len() > 1 => {
                    AppError::invalid("email", fields.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join(" "))
                }
                other => other,
            };
            Some(view! { <div class="mt-4" data-testid="invite-error"><ErrorNotice error/></div> }.into_any())
        }
        None => None,
    }
}

#[component]
fn NoSuppliers() -> impl IntoView {
    view! {
        <EmptyState title="No suppliers yet">
            <p>"Import your vendors from Odoo on the server, with an Odoo administrator's API key on standard input:"</p>
            <pre class="mt-2 inline-block rounded bg-slate-100 px-3 py-2 text-left font-mono text-xs text-slate-800" data-testid="import-command">
                "supplyline supplier import --connection <name> < odoo-admin-key.txt"
            </pre>
            <p class="mt-2">
                "Add " <code class="font-mono text-xs">"--dry-run"</code> " to see first what it would do, or add one supplier: "
                <code class="font-mono text-xs">"supplyline supplier add --code ACME --name \"ACME Components\""</code>
            </p>
        </EmptyState>
    }
}

#[component]
fn SupplierTable(rows: Vec<SupplierView>, invite: ServerAction<InviteMember>) -> impl IntoView {
    view! {
        <table class="mt-4 w-full rounded-lg bg-white text-sm shadow-sm ring-1 ring-slate-200" data-testid="suppliers">
            <thead class="text-left text-xs uppercase text-slate-500">
                <tr><th class="p-2">"Supplier"</th><th class="p-2">"E-mail"</th><th class="p-2">"Odoo vendor"</th>
                    <th class="p-2">"Own Odoo key"</th><th class="p-2">"Users"</th><th class="p-2">"Admin"</th></tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|s| view! { <SupplierRow s invite/> }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn SupplierRow(s: SupplierView, invite: ServerAction<InviteMember>) -> impl IntoView {
    let odoo = match (&s.odoo_connection, s.odoo_partner_id) {
        (Some(connection), Some(partner)) => format!("partner {partner} on {connection}"),
        (None, Some(partner)) => format!("partner {partner}"),
        _ => "not linked".to_string(),
    };
    let admin = match s.admin {
        SupplierAdminStatus::Active => "Yes",
        SupplierAdminStatus::Invited => "Invited, not accepted yet",
        SupplierAdminStatus::Missing => "None yet",
    };
    let needs_admin = s.admin != SupplierAdminStatus::Active;
    let invited = s.admin == SupplierAdminStatus::Invited;
    view! {
        <tr class="border-t border-slate-100 align-top" data-testid=format!("supplier-{}", s.code)>
            <td class="p-2">
                <div class="font-medium">{s.name.clone()}</div>
                <div class="font-mono text-xs text-slate-500">{s.code.clone()}</div>
            </td>
            <td class="p-2 font-mono text-xs">{s.email.clone().unwrap_or_default()}</td>
            <td class="p-2 text-xs">{odoo}</td>
            <td class="p-2" data-testid="supplier-bound">{if s.odoo_bound { "Bound" } else { "Not bound" }}</td>
            <td class="p-2 tabular-nums" data-testid="supplier-users">{s.active_users}</td>
            <td class="p-2">
                <span data-testid="supplier-admin">{admin}</span>
                {needs_admin.then(|| view! { <InviteAdmin supplier_id=s.id supplier_name=s.name.clone() invited invite/> })}
            </td>
        </tr>
    }
}

/// A plain form (works before the WebAssembly has loaded) posting the team invitation.
#[component]
fn InviteAdmin(
    supplier_id: i64,
    supplier_name: String,
    invited: bool,
    invite: ServerAction<InviteMember>,
) -> impl IntoView {
    view! {
        <details class="mt-1">
            <summary class="cursor-pointer text-xs text-slate-700 underline">
                {if invited { "Invite again" } else { "Invite first admin" }}
            </summary>
            <ActionForm action=invite attr:class="mt-2 space-y-2" attr:data-testid="invite-admin-form"
                attr:aria-label=format!("Invite the first admin of {supplier_name}")>
                <input type="hidden" name="input[role]" value="supplier_admin"/>
                <input type="hidden" name="input[supplier_id]" value=supplier_id.to_string()/>
                <label class="block text-xs"><span class="font-medium">"E-mail"</span>
                    <input name="input[email]" type="email" required class=INPUT/></label>
                <label class="block text-xs"><span class="font-medium">"Name"</span>
                    <input name="input[display_name]" required class=INPUT/></label>
                <button type="submit" class="rounded bg-slate-900 px-2 py-1 text-xs font-medium text-white hover:bg-slate-700">
                    "Send invitation"
                </button>
            </ActionForm>
        </details>
    }
}
