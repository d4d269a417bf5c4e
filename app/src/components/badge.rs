//! Coloured badges for PO and acknowledgement states.

use leptos::prelude::*;

use crate::model::{AckState, PoState};

const BASE: &str =
    "inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset whitespace-nowrap";

#[component]
pub fn PoStateBadge(state: PoState) -> impl IntoView {
    let tone = match state {
        PoState::Draft | PoState::Sent | PoState::ToApprove => "bg-slate-100 text-slate-700 ring-slate-300",
        PoState::Purchase => "bg-blue-50 text-blue-800 ring-blue-200",
        PoState::Done => "bg-emerald-50 text-emerald-800 ring-emerald-200",
        PoState::Cancel => "bg-rose-50 text-rose-800 ring-rose-200",
    };
    view! { <span class=format!("{BASE} {tone}")>{state.label()}</span> }
}

#[component]
pub fn AckBadge(state: AckState) -> impl IntoView {
    let tone = match state {
        AckState::Pending => "bg-amber-50 text-amber-800 ring-amber-200",
        AckState::Accepted => "bg-emerald-50 text-emerald-800 ring-emerald-200",
        AckState::PartiallyAccepted | AckState::ChangesProposed => "bg-violet-50 text-violet-800 ring-violet-200",
        AckState::Rejected => "bg-rose-50 text-rose-800 ring-rose-200",
        AckState::Reconfirm => "bg-orange-50 text-orange-800 ring-orange-200",
    };
    view! { <span class=format!("{BASE} {tone}")>{state.label()}</span> }
}
