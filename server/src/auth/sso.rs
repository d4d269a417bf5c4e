//! Single sign-on for buyers and admins through an OpenID Connect provider: the authorization code
//! flow with PKCE (S256), `state` and `nonce`, then the provider's userinfo endpoint. Supplier users
//! never sign in this way; they keep e-mail and password.
//!
//! `GET /auth/sso` keeps the flow's secrets (state, nonce, PKCE verifier) in the session and sends
//! the browser to the provider; `GET /auth/sso/callback` checks the state, exchanges the code with
//! the verifier, checks the ID token's nonce, reads the verified e-mail from userinfo and signs in
//! the matching active buyer or admin (or provisions a buyer, when configured).

use axum::extract::{Query, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet, ExtraTokenFields,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, StandardRevocableToken, StandardTokenResponse,
    TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use app::model::Role;

use crate::auth::password::{self, NewPassword};
use crate::auth::session::{client_ip, establish, peer, safe_next, to_login_with_error, unavailable};
use crate::db::Db;
use crate::domain::account::{self, Email, UserRow};
use crate::http::AppState;
use crate::secret::Secret;

/// Whether someone the provider vouches for but we do not know gets an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Provision {
    /// Only existing buyers and admins sign in.
    #[default]
    None,
    /// An unknown verified e-mail becomes a new buyer.
    Buyer,
}

/// `[sso]`: the OpenID Connect provider buyers and admins sign in with.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SsoConfig {
    pub enabled: bool,
    /// The provider's issuer, e.g. `https://login.example.com/realms/acme`; its discovery document
    /// lives at `<issuer>/.well-known/openid-configuration` and must name the same issuer.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<Secret>,
    /// Shown on the sign-in page: "Sign in with <display_name>".
    pub display_name: String,
    pub provision: Provision,
    /// Who may sign in by SSO: `buyer` and/or `admin` (supplier roles never).
    pub allowed_roles: Vec<String>,
}

impl Default for SsoConfig {
    fn default() -> Self {
        SsoConfig {
            enabled: false,
            issuer: String::new(),
            client_id: String::new(),
            client_secret: None,
            display_name: "single sign-on".into(),
            provision: Provision::None,
            allowed_roles: vec!["buyer".into(), "admin".into()],
        }
    }
}

impl SsoConfig {
    pub fn validate(&self) -> Result<(), String> {
        if !self.enabled {
            return Ok(());
        }
        url::Url::parse(&self.issuer)
            .ok()
            .filter(|u| matches!(u.scheme(), "https" | "http"))
            .ok_or_else(|| format!("issuer {:?} must be an http(s) URL", self.issuer))?;
        if self.client_id.trim().is_empty() {
            return Err("client_id must be set when SSO is enabled".into());
        }
        if self.display_name.trim().is_empty() {
            return Err("display_name must not be empty".into());
        }
        if self.allowed_roles.is_empty() {
            return Err("allowed_roles must name buyer and/or admin".into());
        }
        for role in &self.allowed_roles {
            match Role::parse(role) {
                Some(Role::Buyer | Role::Admin) => {}
                Some(_) => {
                    return Err(format!("allowed_roles: {role} cannot sign in by SSO (supplier roles never do)"))
                }
                None => return Err(format!("allowed_roles: unknown role {role:?}; use buyer or admin")),
            }
        }
        Ok(())
    }

    fn allows(&self, role: Role) -> bool {
        !role.is_supplier_side() && self.allowed_roles.iter().any(|r| r == role.as_str())
    }
}

/// The parts of the provider's discovery document we use.
#[derive(Debug, Clone, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    userinfo_endpoint: String,
}

/// The token response with the ID token, whose nonce we check.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct IdTokenFields {
    #[serde(default)]
    id_token: Option<String>,
}
impl ExtraTokenFields for IdTokenFields {}

type OidcTokenResponse = StandardTokenResponse<IdTokenFields, BasicTokenType>;

/// A client before its endpoints are set.
type NewClient = oauth2::Client<
    BasicErrorResponse,
    OidcTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
>;

/// A client with the authorization and token endpoints set.
type OidcClient = oauth2::Client<
    BasicErrorResponse,
    OidcTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// What the session remembers between the redirect to the provider and its answer.
#[derive(Debug, Serialize, Deserialize)]
struct PendingFlow {
    state: String,
    nonce: String,
    verifier: String,
    next: Option<String>,
}

const FLOW_KEY: &str = "sso_flow";

/// The configured provider: settings, an HTTP client that never follows redirects, the discovery
/// document (fetched on first use, then kept).
pub struct Sso {
    config: SsoConfig,
    redirect_url: RedirectUrl,
    http: reqwest::Client,
    discovery: tokio::sync::OnceCell<Discovery>,
}

#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("the identity provider's discovery document could not be read: {0}")]
    Discovery(String),
    #[error("the identity provider names issuer {found:?}, but {expected:?} is configured")]
    IssuerMismatch { expected: String, found: String },
    #[error("the identity provider's {0} endpoint is not a valid URL")]
    BadEndpoint(&'static str),
    #[error("the code exchange failed: {0}")]
    Exchange(String),
    #[error("the identity provider's userinfo could not be read: {0}")]
    UserInfo(String),
    #[error("the ID token does not carry the nonce of this sign-in")]
    Nonce,
}

impl Sso {
    /// `base_url` is where the provider sends the browser back: `<base_url>/auth/sso/callback`.
    pub fn new(config: SsoConfig, base_url: &str) -> Result<Sso, String> {
        let redirect_url = RedirectUrl::new(format!("{base_url}/auth/sso/callback")).map_err(|e| e.to_string())?;
        let http = reqwest::Client::builder()
            // A redirect here could carry the code or the token somewhere else.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Sso { config, redirect_url, http, discovery: tokio::sync::OnceCell::new() })
    }

    pub fn display_name(&self) -> &str {
        &self.config.display_name
    }

    async fn discovery(&self) -> Result<&Discovery, SsoError> {
        self.discovery
            .get_or_try_init(|| async {
                let issuer = self.config.issuer.trim_end_matches('/');
                let url = format!("{issuer}/.well-known/openid-configuration");
                let found: Discovery = self
                    .http
                    .get(&url)
                    .send()
                    .await
                    .and_then(|r| r.error_for_status())
                    .map_err(|e| SsoError::Discovery(e.to_string()))?
                    .json()
                    .await
                    .map_err(|e| SsoError::Discovery(e.to_string()))?;
                if found.issuer != self.config.issuer {
                    return Err(SsoError::IssuerMismatch { expected: self.config.issuer.clone(), found: found.issuer });
                }
                Ok(found)
            })
            .await
    }

    async fn client(&self) -> Result<(OidcClient, &Discovery), SsoError> {
        let discovery = self.discovery().await?;
        let mut client: OidcClient = NewClient::new(ClientId::new(self.config.client_id.clone()))
            .set_auth_uri(
                AuthUrl::new(discovery.authorization_endpoint.clone())
                    .map_err(|_| SsoError::BadEndpoint("authorization"))?,
            )
            .set_token_uri(TokenUrl::new(discovery.token_endpoint.clone()).map_err(|_| SsoError::BadEndpoint("token"))?)
            .set_redirect_uri(self.redirect_url.clone());
        if let Some(secret) = &self.config.client_secret {
            client = client.set_client_secret(ClientSecret::new(secret.expose().to_string()));
        }
        Ok((client, discovery))
    }

    /// Exchanges the code, checks the nonce, and reads the person's claims from userinfo.
    async fn identify(&self, code: String, flow: &PendingFlow) -> Result<UserInfo, SsoError> {
        let (client, discovery) = self.client().await?;
        let token = client
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(PkceCodeVerifier::new(flow.verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| SsoError::Exchange(exchange_error(&e)))?;
        // The ID token came straight from the token endpoint over our own connection, so its
        // signature need not be checked (OIDC Core 3.1.3.7); its nonce must still be ours.
        let id_claims = token.extra_fields().id_token.as_deref().and_then(jwt_claims);
        if id_claims.as_ref().and_then(|c| c.get("nonce")).and_then(|n| n.as_str()) != Some(flow.nonce.as_str()) {
            return Err(SsoError::Nonce);
        }
        let info: UserInfo = self
            .http
            .get(&discovery.userinfo_endpoint)
            .bearer_auth(token.access_token().secret())
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| SsoError::UserInfo(e.to_string()))?
            .json()
            .await
            .map_err(|e| SsoError::UserInfo(e.to_string()))?;
        // Userinfo must speak of the same person as the ID token (OIDC Core 5.3.2).
        let id_sub = id_claims.as_ref().and_then(|c| c.get("sub")).and_then(|s| s.as_str());
        if id_sub != Some(info.sub.as_str()) {
            return Err(SsoError::UserInfo("its subject differs from the ID token's".into()));
        }
        Ok(info)
    }
}

/// The token endpoint's error, without echoing anything secret.
fn exchange_error<E: std::error::Error>(err: &E) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The claims of a compact JWT, unverified (see [`Sso::identify`] for why that is enough here).
fn jwt_claims(jwt: &str) -> Option<serde_json::Value> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[derive(Debug, Deserialize)]
struct UserInfo {
    sub: String,
    email: Option<String>,
    #[serde(default)]
    email_verified: Option<serde_json::Value>,
    name: Option<String>,
}

impl UserInfo {
    /// Some providers send `"true"` as a string; anything else is not verified.
    fn email_verified(&self) -> bool {
        matches!(&self.email_verified, Some(serde_json::Value::Bool(true)))
            || matches!(&self.email_verified, Some(serde_json::Value::String(s)) if s == "true")
    }
}

#[derive(Deserialize)]
pub struct StartQuery {
    next: Option<String>,
}

/// `GET /auth/sso`: to the provider, with state, nonce and the PKCE challenge.
pub async fn start(State(state): State<AppState>, session: Session, Query(query): Query<StartQuery>) -> Response {
    let Some(sso) = state.sso.clone() else {
        return to_login_with_error(&session, "Single sign-on is not available.".into(), None).await;
    };
    let (client, _) = match sso.client().await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "single sign-on cannot start");
            return to_login_with_error(
                &session,
                format!("Signing in with {} is unavailable right now. Try again shortly.", sso.display_name()),
                query.next,
            )
            .await;
        }
    };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let nonce = crate::secret::random_token();
    let (url, csrf) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("openid".into()))
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .add_extra_param("nonce", &nonce)
        .set_pkce_challenge(challenge)
        .url();
    let flow = PendingFlow {
        state: csrf.secret().clone(),
        nonce,
        verifier: verifier.secret().clone(),
        next: query.next.filter(|n| !n.is_empty()),
    };
    if let Err(e) = session.insert(FLOW_KEY, flow).await {
        return unavailable(e);
    }
    Redirect::to(url.as_str()).into_response()
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /auth/sso/callback`: the provider's answer.
pub async fn callback(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<CallbackQuery>,
    request: Request,
) -> Response {
    let ip = client_ip(request.headers(), peer(&request), state.config.trust_forwarded_for);
    let Some(sso) = state.sso.clone() else {
        return to_login_with_error(&session, "Single sign-on is not available.".into(), None).await;
    };
    let provider = sso.display_name().to_string();
    // The flow is used once, whatever happens next.
    let flow = match session.remove::<PendingFlow>(FLOW_KEY).await {
        Ok(flow) => flow,
        Err(e) => return unavailable(e),
    };
    let refuse = |message: String, next: Option<String>| {
        let session = session.clone();
        async move { to_login_with_error(&session, message, next).await }
    };
    let Some(flow) = flow else {
        return refuse(
            format!("The sign-in with {provider} was not started here or has expired. Start it again."),
            None,
        )
        .await;
    };
    let state_matches = query.state.as_deref().is_some_and(|s| {
        use subtle::ConstantTimeEq;
        bool::from(s.as_bytes().ct_eq(flow.state.as_bytes()))
    });
    if !state_matches {
        tracing::warn!(ip = ip.as_deref().unwrap_or("-"), "single sign-on answer with a wrong state refused");
        return refuse(
            format!("The answer from {provider} does not belong to this sign-in. Start it again."),
            flow.next.clone(),
        )
        .await;
    }
    if let Some(error) = &query.error {
        tracing::info!(%error, description = query.error_description.as_deref().unwrap_or("-"), "the identity provider refused");
        return refuse(format!("{provider} did not sign you in ({error})."), flow.next.clone()).await;
    }
    let Some(code) = query.code.clone() else {
        return refuse(format!("The answer from {provider} carried no code. Start it again."), flow.next.clone()).await;
    };
    let info = match sso.identify(code, &flow).await {
        Ok(info) => info,
        Err(e) => {
            tracing::warn!(error = %e, "single sign-on failed");
            return refuse(format!("Signing in with {provider} failed. Try again."), flow.next.clone()).await;
        }
    };
    let next = flow.next.clone();
    if !info.email_verified() {
        return refuse(
            format!("{provider} has not verified your e-mail address, so it cannot sign you in here."),
            next,
        )
        .await;
    }
    let email = match info.email.as_deref().map(Email::parse) {
        Some(Ok(email)) => email,
        _ => return refuse(format!("{provider} did not tell us a valid e-mail address."), next).await,
    };
    let user = match account::find_by_email(&state.db, &email).await {
        Ok(user) => user,
        Err(e) => return unavailable(e),
    };
    let user = match user {
        Some(user) => {
            let role = Role::parse(&user.role);
            if role.is_some_and(Role::is_supplier_side) {
                return refuse(
                    "Supplier accounts sign in with their e-mail and password, not single sign-on.".into(),
                    next,
                )
                .await;
            }
            if !user.active {
                return refuse("This account is deactivated. Ask an administrator.".into(), next).await;
            }
            if !role.is_some_and(|r| sso.config.allows(r)) {
                return refuse(format!("Your account may not sign in with {provider}."), next).await;
            }
            user
        }
        None if sso.config.provision == Provision::Buyer => {
            match provision_buyer(&state.db, &email, info.name.as_deref(), ip.as_deref()).await {
                Ok(user) => user,
                Err(e) => return unavailable(e),
            }
        }
        None => {
            return refuse(
                format!("No Supplyline account has the address {}. Ask an administrator for access.", email.as_str()),
                next,
            )
            .await
        }
    };
    if let Err(response) = establish(&state, &session, &user, ip.as_deref(), "sso").await {
        return response;
    }
    Redirect::to(safe_next(next.as_deref())).into_response()
}

/// A new buyer for a verified e-mail the provider vouches for. Its password is random and unknown
/// (the person can set one with "Forgot your password?").
async fn provision_buyer(
    db: &Db,
    email: &Email,
    name: Option<&str>,
    ip: Option<&str>,
) -> Result<UserRow, account::AccountError> {
    let display_name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| email.as_str().split('@').next().unwrap_or_default())
        .to_string();
    let hash = password::hash(&NewPassword::generate()).await?;
    let mut tx = db.begin().await?;
    let id = account::insert_user_in(&mut tx, email, &display_name, Role::Buyer, None, &hash).await?;
    crate::domain::audit::record(
        &mut tx,
        crate::domain::audit::AuditEntry {
            user_id: Some(id),
            role: Some(Role::Buyer.as_str()),
            supplier_id: None,
            action: "user.provisioned",
            entity: Some(("app_user", id)),
            detail: serde_json::json!({ "method": "sso" }),
            ip,
        },
    )
    .await?;
    tx.commit().await?;
    account::find_by_id(db, id)
        .await?
        .ok_or(account::AccountError::Db(crate::db::DbError::Sqlx(sqlx::Error::RowNotFound)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supplier_roles_never_sign_in_by_sso() {
        let on = |roles: &[&str]| SsoConfig {
            enabled: true,
            issuer: "https://idp.example".into(),
            client_id: "portal".into(),
            allowed_roles: roles.iter().map(|r| r.to_string()).collect(),
            ..SsoConfig::default()
        };
        assert!(on(&["buyer", "admin"]).validate().is_ok());
        assert!(on(&["buyer", "supplier_user"]).validate().unwrap_err().contains("supplier"));
        assert!(on(&["planner"]).validate().is_err());
        assert!(SsoConfig { issuer: "idp.example".into(), ..on(&["buyer"]) }.validate().is_err());
        assert!(!on(&["buyer"]).allows(Role::Admin));
        assert!(!on(&["buyer", "admin"]).allows(Role::SupplierAdmin));
    }

    #[test]
    fn id_token_claims_are_read() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"sub":"a","nonce":"n1"}"#);
        let claims = jwt_claims(&format!("eyJhbGciOiJSUzI1NiJ9.{payload}.sig")).unwrap();
        assert_eq!(claims["nonce"], "n1");
        assert!(jwt_claims("not-a-jwt").is_none());
    }

    #[test]
    fn only_a_true_email_verified_counts() {
        let info =
            |v: serde_json::Value| UserInfo { sub: "s".into(), email: None, email_verified: Some(v), name: None };
        assert!(info(serde_json::json!(true)).email_verified());
        assert!(info(serde_json::json!("true")).email_verified());
        assert!(!info(serde_json::json!(false)).email_verified());
        assert!(!info(serde_json::json!("yes")).email_verified());
    }
}
