//! Team administration: who may sign in for whom, invitations by e-mail, deactivation.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{team, InviteMember, SetMemberActive};
use crate::components::notice::{field_error, ErrorNotice, LoadingRows};
use crate::format;
use crate::model::{TeamMemberView, TeamView};

const INPUT: &str = "block w-full rounded border border-slate-300 bg-white px-2 py-1.5 text-sm";

#[component]
pub fn TeamPage() -> impl IntoView {
    let invite = ServerAction::<InviteMember>::new();
    let status = ServerAction::<SetMemberActive>::new();
    let invited = Memo::new(move |_| invite.value().with(|v| matches!(v, Some(Ok(())))));
    let view_data = Resource::new(move || (invited.get(), status.version().get()), |_| team());
    view! {
        <Title text="Team"/>
        <h1 class="text-2xl font-semibold tracking-tight">"Team"</h1>
        <p class="text-sm text-slate-600">"Invite people by e-mail: they choose their own password through a one-time link. Deactivated people are signed out at once."</p>
        {move || status.value().get().and_then(|r| r.err()).map(|error| view! { <div class="mt-4"><ErrorNotice error/></div> })}
        <Transition fallback=|| view! { <LoadingRows/> }>
            {move || Suspend::new(async move {
                match view_data.await {
                    Ok(data) => view! { <Members data=data.clone() status/><InviteForm data invite/> }.into_any(),
                    Err(error) => view! { <div class="mt-4"><ErrorNotice error/></div> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Members(data: TeamView, status: ServerAction<SetMemberActive>) -> impl IntoView {
    view! {
        <table class="mt-4 w-full rounded-lg bg-white text-sm shadow-sm ring-1 ring-slate-200" data-testid="team-members">
            <thead class="text-left text-xs uppercase text-slate-500">
                <tr><th class="p-2">"Name"</th><th class="p-2">"E-mail"</th><th class="p-2">"Role"</th><th class="p-2">"Supplier"</th>
                    <th class="p-2">"Status"</th><th class="p-2">"Last sign-in"</th><th class="p-2"></th></tr>
            </thead>
            <tbody>
                {data.members.into_iter().map(|m| view! { <MemberRow m status/> }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn MemberRow(m: TeamMemberView, status: ServerAction<SetMemberActive>) -> impl IntoView {
    let state = match (m.active, m.pending) {
        (false, _) => "Deactivated",
        (true, true) => "Invited",
        (true, false) => "Active",
    };
    let last = m.last_login_at.as_ref().map(format::date_time).unwrap_or_else(|| "never".into());
    let id = m.id.to_string();
    view! {
        <tr class="border-t border-slate-100" data-testid=format!("member-{}", m.email)>
            <td class="p-2">{m.display_name.clone()}{m.is_self.then_some(" (you)")}</td>
            <td class="p-2 font-mono text-xs">{m.email.clone()}</td>
            <td class="p-2">{m.role.label()}</td>
            <td class="p-2">{m.supplier_name.clone().unwrap_or_default()}</td>
            <td class="p-2" data-testid="member-status">{state}</td>
            <td class="p-2 text-xs">{last}</td>
            <td class="p-2 text-right">
                {(!m.is_self).then(|| view! {
                    <ActionForm action=status>
                        <input type="hidden" name="input[user_id]" value=id/>
                        <input type="hidden" name="input[active]" value=(!m.active).to_string()/>
                        <button type="submit" class="rounded border border-slate-300 px-2 py-1 text-xs hover:bg-slate-50">
                            {if m.active { "Deactivate" } else { "Reactivate" }}
                        </button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}

#[component]
fn InviteForm(data: TeamView, invite: ServerAction<InviteMember>) -> impl IntoView {
    let error = move || invite.value().with(|v| v.clone().and_then(Result::err));
    let choose_supplier = !data.suppliers.is_empty();
    view! {
        <section class="mt-6 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200" aria-labelledby="invite-heading">
            <h2 id="invite-heading" class="text-lg font-semibold">"Invite someone"</h2>
            {move || match invite.value().get() {
                Some(Ok(())) => Some(view! { <p role="status" class="mt-2 text-sm text-emerald-800" data-testid="invite-sent">"Invitation sent."</p> }.into_any()),
                Some(Err(e)) if e.field_message("email").is_none() && e.field_message("display_name").is_none()
                    && e.field_message("role").is_none() && e.field_message("supplier_id").is_none() =>
                    Some(view! { <div class="mt-2"><ErrorNotice error=e/></div> }.into_any()),
                _ => None,
            }}
            <ActionForm action=invite attr:class="mt-3 grid gap-3 sm:grid-cols-2" attr:data-testid="invite-form">
                <label class="text-sm"><span class="font-medium">"E-mail"</span>
                    <input name="input[email]" type="email" required class=INPUT/>
                    {field_error(error, "email".into())}</label>
                <label class="text-sm"><span class="font-medium">"Name"</span>
                    <input name="input[display_name]" required class=INPUT/>
                    {field_error(error, "display_name".into())}</label>
                <label class="text-sm"><span class="font-medium">"Role"</span>
                    <select name="input[role]" class=INPUT>
                        {data.invitable_roles.iter().map(|r| view! { <option value=r.as_str()>{r.label()}</option> }).collect_view()}
                    </select>
                    {field_error(error, "role".into())}</label>
                {choose_supplier.then(|| view! {
                    <label class="text-sm"><span class="font-medium">"Supplier (for supplier roles)"</span>
                        <select name="input[supplier_id]" class=INPUT>
                            <option value="">"—"</option>
                            {data.suppliers.iter().map(|s| view! { <option value=s.id.to_string()>{s.name.clone()}</option> }).collect_view()}
                        </select>
                        {field_error(error, "supplier_id".into())}</label>
                })}
                <div class="sm:col-span-2">
                    <button type="submit" class="rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700">"Send invitation"</button>
                </div>
            </ActionForm>
        </section>
    }
}
