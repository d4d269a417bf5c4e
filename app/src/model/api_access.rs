//! Wire types of API access: the scopes a credential may hold, personal tokens and OAuth clients
//! as their owners manage them in the integration console.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::Role;

/// What a credential may do, as `resource:action`. No scope, no access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Scope {
    #[serde(rename = "po:read")]
    PoRead,
    #[serde(rename = "po:ack")]
    PoAck,
    #[serde(rename = "asn:read")]
    AsnRead,
    #[serde(rename = "asn:write")]
    AsnWrite,
    #[serde(rename = "leadtime:write")]
    LeadtimeWrite,
    #[serde(rename = "quality:read")]
    QualityRead,
    #[serde(rename = "quality:write")]
    QualityWrite,
    #[serde(rename = "events:read")]
    EventsRead,
    #[serde(rename = "webhooks:manage")]
    WebhooksManage,
}

impl Scope {
    pub const ALL: [Scope; 9] = [
        Scope::PoRead,
        Scope::PoAck,
        Scope::AsnRead,
        Scope::AsnWrite,
        Scope::LeadtimeWrite,
        Scope::QualityRead,
        Scope::QualityWrite,
        Scope::EventsRead,
        Scope::WebhooksManage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::PoRead => "po:read",
            Scope::PoAck => "po:ack",
            Scope::AsnRead => "asn:read",
            Scope::AsnWrite => "asn:write",
            Scope::LeadtimeWrite => "leadtime:write",
            Scope::QualityRead => "quality:read",
            Scope::QualityWrite => "quality:write",
            Scope::EventsRead => "events:read",
            Scope::WebhooksManage => "webhooks:manage",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == s)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Scope::PoRead => "Read purchase orders",
            Scope::PoAck => "Acknowledge purchase orders and propose changes",
            Scope::AsnRead => "Read advance shipping notices",
            Scope::AsnWrite => "Submit and cancel advance shipping notices",
            Scope::LeadtimeWrite => "Propose lead-time changes",
            Scope::QualityRead => "Read quality holds",
            Scope::QualityWrite => "Answer quality holds",
            Scope::EventsRead => "Read the events feed",
            Scope::WebhooksManage => "Manage webhook endpoints",
        }
    }

    /// The scopes a person in `role` may put on a credential: only what the role itself may do.
    pub fn grantable_by(role: Role) -> Vec<Scope> {
        match role {
            Role::SupplierAdmin | Role::Admin => Scope::ALL.to_vec(),
            Role::Buyer => vec![Scope::PoRead, Scope::AsnRead, Scope::QualityRead, Scope::EventsRead],
            Role::SupplierUser => Vec::new(),
        }
    }

    /// `po:read po:ack` → scopes; an unknown name is named in the error.
    pub fn parse_list(text: &str) -> Result<Vec<Scope>, String> {
        let mut scopes = Vec::new();
        for name in text.split_whitespace() {
            let scope = Scope::parse(name).ok_or_else(|| format!("Unknown scope {name:?}."))?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        scopes.sort();
        Ok(scopes)
    }

    pub fn join(scopes: &[Scope]) -> String {
        scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
    }
}

/// The longest a token or OAuth client may live.
pub const MAX_CREDENTIAL_DAYS: i64 = 366;
/// The longest an access token from `/oauth/token` lives.
pub const MAX_ACCESS_TOKEN_SECONDS: i64 = 3600;

/// `token` (sent as a bearer token) or `oauth_client` (exchanges its secret at `/oauth/token`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    Token,
    OauthClient,
}

impl CredentialKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::Token => "token",
            CredentialKind::OauthClient => "oauth_client",
        }
    }

    pub fn parse(s: &str) -> Option<CredentialKind> {
        [CredentialKind::Token, CredentialKind::OauthClient].into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialView {
    pub id: i64,
    pub kind: CredentialKind,
    pub name: String,
    /// Enough of the token to recognise it (`spl_Ab3d…x9Qz`); OAuth clients show their client id.
    pub hint: String,
    pub client_id: Option<String>,
    pub scopes: Vec<Scope>,
    pub owner_name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub last_used_ip: Option<String>,
    /// Decided on the server (the browser's WebAssembly has no clock).
    pub status: CredentialStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialStatus {
    Active,
    Expired,
    Revoked,
}

impl CredentialStatus {
    pub fn at(revoked_at: Option<DateTime<Utc>>, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> Self {
        match (revoked_at, expires_at > now) {
            (Some(_), _) => CredentialStatus::Revoked,
            (None, false) => CredentialStatus::Expired,
            (None, true) => CredentialStatus::Active,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CredentialStatus::Active => "Active",
            CredentialStatus::Expired => "Expired",
            CredentialStatus::Revoked => "Revoked",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialsView {
    pub credentials: Vec<CredentialView>,
    /// The scopes this person may grant.
    pub grantable: Vec<Scope>,
}

/// The form: text as typed, checked by the service with a message per field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewCredentialInput {
    /// `token` or `oauth_client`.
    pub kind: String,
    pub name: String,
    /// Scope names, e.g. `["po:read", "po:ack"]`.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Days until it expires, 1 to 366.
    pub expires_in_days: String,
}

/// Shown once, right after creation: the secret is never retrievable again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedCredential {
    pub id: i64,
    pub kind: CredentialKind,
    pub name: String,
    /// The bearer token, or the OAuth client's secret.
    pub secret: String,
    pub client_id: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// A page of a changes feed (POs, events): oldest change first. `next_cursor` continues after
/// the last item; it is present even on the last page, so a partner can poll it for new changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FeedPage<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
    /// False when this page reached the newest change.
    pub has_more: bool,
}

/// What a PO feed asks for; the cursor is opaque (from a previous page).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PoFeedQuery {
    pub cursor: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
    pub state: Option<String>,
    pub limit: Option<u32>,
}

/// A PO in a feed: its summary and when it last changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PoFeedItem {
    #[serde(flatten)]
    pub summary: crate::model::PoSummaryView,
    pub updated_at: DateTime<Utc>,
}

pub const FEED_DEFAULT_LIMIT: u32 = 50;
pub const FEED_MAX_LIMIT: u32 = 200;

/// The integration console: the credentials, and the one just issued (shown once, then gone).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsoleView {
    pub credentials: CredentialsView,
    pub just_issued: Option<IssuedCredential>,
}

/// Session key of the credential just issued, carried across a plain form's redirect and read once.
pub const ISSUED_CREDENTIAL_KEY: &str = "issued_credential";
