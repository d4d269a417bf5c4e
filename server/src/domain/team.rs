//! Team administration and one-time account links. Supplier admins invite and deactivate their own
//! supplier's users; buyers invite supplier admins (and may deactivate supplier users); admins
//! administer everyone. An invitation or a password reset is a one-time link sent by e-mail: only its
//! SHA-256 is kept, it expires, and using it spends it.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use app::error::FieldError;
use app::model::{AccountLinkView, InviteInput, MemberStatusInput, Role, SupplierOption, TeamMemberView, TeamView};
use app::ports::{Actor, TeamPort};
use app::AppError;

use crate::auth::password::{self, NewPassword, PasswordError};
use crate::db::{is_unique_violation, Db, DbError, Executor, Sql, Tx};
use crate::domain::account::{self, Email, UserRow};
use crate::domain::audit::{self, AuditEntry};
use crate::domain::internal;
use crate::mail::{template, Mailer, OutgoingEmail};
use crate::secret::{random_token, sha256_hex};

pub const INVITATION_TTL: Duration = Duration::days(7);
pub const RESET_TTL: Duration = Duration::minutes(60);
/// A second reset e-mail to the same person within this time is not sent (mail bombing).
pub const RESET_COOLDOWN: Duration = Duration::seconds(60);
pub const MAX_NAME_CHARS: usize = 120;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    Invitation,
    PasswordReset,
}

impl LinkPurpose {
    fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Invitation => "invitation",
            LinkPurpose::PasswordReset => "password_reset",
        }
    }
}

/// The roles `inviter` may give. Pure.
pub fn invitable_roles(inviter: Role) -> Vec<Role> {
    match inviter {
        Role::SupplierUser => vec![],
        Role::SupplierAdmin => vec![Role::SupplierUser, Role::SupplierAdmin],
        Role::Buyer => vec![Role::SupplierAdmin],
        Role::Admin => Role::ALL.to_vec(),
    }
}

/// Whether `actor` administers a member with this role and supplier. Pure; outside it, a member is
/// not found.
pub fn administers(actor: &Actor, member_role: Role, member_supplier: Option<i64>) -> bool {
    match actor.role {
        Role::SupplierUser => false,
        Role::SupplierAdmin => member_supplier.is_some() && member_supplier == actor.supplier_scope(),
        Role::Buyer => member_role.is_supplier_side(),
        Role::Admin => true,
    }
}

#[derive(Debug, PartialEq)]
pub struct ValidInvite {
    pub email: Email,
    pub display_name: String,
    pub role: Role,
    pub supplier_id: Option<i64>,
}

/// Checks an invitation form. Pure: whether the supplier exists is the caller's question.
pub fn validate_invite(actor: &Actor, input: &InviteInput) -> Result<ValidInvite, AppError> {
    let mut errors = Vec::new();
    let mut error = |field: &str, message: String| errors.push(FieldError { field: field.into(), message });
    let email = Email::parse(&input.email).map_err(|m| error("email", m)).ok();
    let display_name = input.display_name.trim().to_string();
    if display_name.is_empty() {
        error("display_name", "Enter the person's name.".into());
    } else if display_name.chars().count() > MAX_NAME_CHARS {
        error("display_name", format!("Keep the name under {MAX_NAME_CHARS} characters."));
    }
    let allowed = invitable_roles(actor.role);
    let role = match Role::parse(input.role.trim()) {
        Some(role) if allowed.contains(&role) => Some(role),
        _ => {
            let names: Vec<&str> = allowed.iter().map(|r| r.label()).collect();
            error("role", format!("Choose one of: {}.", names.join(", ")));
            None
        }
    };
    let chosen_supplier = input.supplier_id.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let supplier_id = match (role, actor.supplier_scope()) {
        // A supplier admin invites into their own supplier, whatever the form says.
        (Some(_), Some(own)) => Some(own),
        (Some(r), None) if r.is_supplier_side() => match chosen_supplier.map(str::parse::<i64>) {
            Some(Ok(id)) => Some(id),
            _ => {
                error("supplier_id", "Choose the supplier this person works for.".into());
                None
            }
        },
        _ => None,
    };
    match (email, role, errors.is_empty()) {
        (Some(email), Some(role), true) => Ok(ValidInvite { email, display_name, role, supplier_id }),
        _ => Err(AppError::Fields(errors)),
    }
}

pub struct TeamService {
    pub db: Db,
    pub mailer: Arc<Mailer>,
    pub base_url: String,
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    id: i64,
    email: String,
    display_name: String,
    role: String,
    supplier_id: Option<i64>,
    supplier_name: Option<String>,
    active: bool,
    pending: bool,
    last_login_at: Option<DateTime<Utc>>,
}

const MEMBER_SELECT: &str =
    "SELECT u.id, u.email, u.display_name, u.role, u.supplier_id, s.name AS supplier_name, u.active,
        (u.password_hash IS NULL) AS pending, u.last_login_at
   FROM app_user u LEFT JOIN supplier s ON s.id = u.supplier_id";

impl TeamService {
    /// A member the actor administers, or not found.
    async fn member(&self, actor: &Actor, id: i64) -> Result<MemberRow, AppError> {
        let row: Option<MemberRow> = self
            .db
            .exec()
            .fetch_optional(Sql::new(format!("{MEMBER_SELECT} WHERE u.id = $1")).bind(id))
            .await
            .map_err(internal)?;
        row.filter(|m| Role::parse(&m.role).is_some_and(|r| administers(actor, r, m.supplier_id)))
            .ok_or(AppError::NotFound)
    }

    async fn send_link(&self, user: &UserRow, purpose: LinkPurpose, token: &str) -> Result<(), crate::mail::MailError> {
        let (subject, path, paragraphs, action, footer) = match purpose {
            LinkPurpose::Invitation => (
                "You are invited to Supplyline".to_string(),
                format!("/invitation/{token}"),
                vec![
                    "You have been invited to Supplyline, where purchase orders, shipments and quality holds are handled with your customer.".to_string(),
                    format!("Choose your password to start. The link works once and expires in {} days.", INVITATION_TTL.num_days()),
                ],
                "Accept the invitation",
                "If you did not expect this invitation, ignore this e-mail: nothing happens without the link.",
            ),
            LinkPurpose::PasswordReset => (
                "Choose a new Supplyline password".to_string(),
                format!("/reset-password/{token}"),
                vec![format!(
                    "Someone asked to reset the password of this account. The link works once, within {} minutes.",
                    RESET_TTL.num_minutes()
                )],
                "Choose a new password",
                "If it was not you, ignore this e-mail: your password stays as it is.",
            ),
        };
        let url = format!("{}{path}", self.base_url);
        let content = template::Content {
            greeting: &format!("Hello {},", user.display_name),
            paragraphs: &paragraphs,
            action: Some((action, &url)),
            footer,
        };
        self.mailer
            .send(&OutgoingEmail {
                to_name: user.display_name.clone(),
                to_address: user.email.clone(),
                text: template::text(&content),
                html: template::html(&subject, &content),
                subject,
            })
            .await
    }

    /// Sends a reset link when the address belongs to an active account; says nothing either way,
    /// and takes the same time either way (the e-mail goes out in the background).
    pub async fn request_password_reset(&self, raw_email: &str, ip: Option<&str>) -> Result<(), AppError> {
        let email = Email::parse(raw_email).map_err(|m| AppError::invalid("email", m))?;
        let Some(user) = account::find_by_email(&self.db, &email).await.map_err(internal)? else {
            return Ok(());
        };
        if !user.active || recently_issued(&self.db, user.id, LinkPurpose::PasswordReset).await.map_err(internal)? {
            return Ok(());
        }
        let mut tx = self.db.begin().await.map_err(internal)?;
        let token = issue(&mut tx, user.id, LinkPurpose::PasswordReset, RESET_TTL, None).await.map_err(internal)?;
        audit::record(&mut tx, account::own_account_entry(&user, "user.password_reset_requested", ip))
            .await
            .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        let service = TeamService { db: self.db.clone(), mailer: self.mailer.clone(), base_url: self.base_url.clone() };
        tokio::spawn(async move {
            if let Err(error) = service.send_link(&user, LinkPurpose::PasswordReset, &token).await {
                tracing::error!(user_id = user.id, %error, "the password reset e-mail could not be sent");
            }
        });
        Ok(())
    }

    /// Sets the password of the link's account and spends the link (and every other open link of
    /// that account). Answers the account's e-mail, for the sign-in form.
    pub async fn set_password_with_link(
        &self,
        token: &str,
        purpose: LinkPurpose,
        password: String,
        confirm: &str,
        ip: Option<&str>,
    ) -> Result<String, AppError> {
        let (link_id, user) = valid_link(&self.db, token, purpose).await?;
        if password != confirm {
            return Err(AppError::invalid("confirm", "The two passwords differ: type the same password twice."));
        }
        let password = NewPassword::parse(password).map_err(|e| AppError::invalid("password", capitalised(&e)))?;
        let hash = password::hash(&password).await.map_err(internal)?;
        let now = Utc::now();
        let mut tx = self.db.begin().await.map_err(internal)?;
        let spent = tx
            .execute(
                Sql::new("UPDATE account_token SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
                    .bind(now)
                    .bind(link_id),
            )
            .await
            .map_err(internal)?;
        if spent != 1 {
            return Err(AppError::invalid("password", LINK_INVALID));
        }
        spend_open_links(&mut tx, user.id, now).await.map_err(internal)?;
        tx.execute(
            Sql::new("UPDATE app_user SET password_hash = $1, updated_at = $2 WHERE id = $3")
                .bind(hash)
                .bind(now)
                .bind(user.id),
        )
        .await
        .map_err(internal)?;
        let action = match purpose {
            LinkPurpose::Invitation => "user.invitation_accepted",
            LinkPurpose::PasswordReset => "user.password_reset",
        };
        audit::record(&mut tx, account::own_account_entry(&user, action, ip)).await.map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        Ok(user.email)
    }
}

const LINK_INVALID: &str = "This link has expired or has already been used. Ask for a new one.";

fn capitalised(e: &PasswordError) -> String {
    let text = e.to_string();
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect::<String>() + ".").unwrap_or_default()
}

/// Issues a link for `user_id`, spending the earlier open ones of the same purpose; answers the token.
async fn issue(
    tx: &mut Tx,
    user_id: i64,
    purpose: LinkPurpose,
    ttl: Duration,
    created_by: Option<i64>,
) -> Result<String, DbError> {
    let now = Utc::now();
    tx.execute(
        Sql::new("UPDATE account_token SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL")
            .bind(now)
            .bind(user_id)
            .bind(purpose.as_str()),
    )
    .await?;
    let token = random_token();
    tx.execute(
        Sql::new(
            "INSERT INTO account_token (user_id, purpose, token_sha256, expires_at, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(user_id)
        .bind(purpose.as_str())
        .bind(sha256_hex(&token))
        .bind(now + ttl)
        .bind(created_by)
        .bind(now),
    )
    .await?;
    Ok(token)
}

async fn spend_open_links(tx: &mut Tx, user_id: i64, now: DateTime<Utc>) -> Result<u64, DbError> {
    tx.execute(
        Sql::new("UPDATE account_token SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
            .bind(now)
            .bind(user_id),
    )
    .await
}

async fn recently_issued(db: &Db, user_id: i64, purpose: LinkPurpose) -> Result<bool, DbError> {
    #[derive(sqlx::FromRow)]
    struct Count {
        n: i64,
    }
    let c: Count = db
        .exec()
        .fetch_one(
            Sql::new("SELECT COUNT(*) AS n FROM account_token WHERE user_id = $1 AND purpose = $2 AND created_at > $3")
                .bind(user_id)
                .bind(purpose.as_str())
                .bind(Utc::now() - RESET_COOLDOWN),
        )
        .await?;
    Ok(c.n > 0)
}

/// The open link and its active account, or a field error saying the link no longer works.
async fn valid_link(db: &Db, token: &str, purpose: LinkPurpose) -> Result<(i64, UserRow), AppError> {
    #[derive(sqlx::FromRow)]
    struct Link {
        id: i64,
        user_id: i64,
        expires_at: DateTime<Utc>,
        used_at: Option<DateTime<Utc>>,
    }
    let link: Option<Link> = db
        .exec()
        .fetch_optional(
            Sql::new(
                "SELECT id, user_id, expires_at, used_at FROM account_token WHERE token_sha256 = $1 AND purpose = $2",
            )
            .bind(sha256_hex(token.trim()))
            .bind(purpose.as_str()),
        )
        .await
        .map_err(internal)?;
    let invalid = || AppError::invalid("password", LINK_INVALID);
    let link = link.filter(|l| l.used_at.is_none() && l.expires_at > Utc::now()).ok_or_else(invalid)?;
    let user =
        account::find_by_id(db, link.user_id).await.map_err(internal)?.filter(|u| u.active).ok_or_else(invalid)?;
    Ok((link.id, user))
}

#[async_trait::async_trait]
impl TeamPort for TeamService {
    async fn team(&self, actor: &Actor) -> Result<TeamView, AppError> {
        if invitable_roles(actor.role).is_empty() {
            return Err(AppError::Forbidden);
        }
        let mut sql = Sql::new(MEMBER_SELECT);
        match (actor.role, actor.supplier_scope()) {
            (_, Some(own)) => sql.push(" WHERE u.supplier_id = ?", [own.into()]),
            (Role::Buyer, None) => sql.push(" WHERE u.supplier_id IS NOT NULL", []),
            _ => {}
        }
        sql.push(" ORDER BY s.name, u.display_name, u.id", []);
        let rows: Vec<MemberRow> = self.db.exec().fetch_all(sql).await.map_err(internal)?;
        let members = rows
            .into_iter()
            .filter_map(|m| {
                Some(TeamMemberView {
                    role: Role::parse(&m.role)?,
                    is_self: m.id == actor.user_id,
                    id: m.id,
                    email: m.email,
                    display_name: m.display_name,
                    supplier_name: m.supplier_name,
                    active: m.active,
                    pending: m.pending,
                    last_login_at: m.last_login_at,
                })
            })
            .collect();
        let suppliers = if actor.supplier_scope().is_none() {
            let rows: Vec<IdName> = self
                .db
                .exec()
                .fetch_all(Sql::new("SELECT id, name FROM supplier ORDER BY name"))
                .await
                .map_err(internal)?;
            rows.into_iter().map(|r| SupplierOption { id: r.id, name: r.name }).collect()
        } else {
            Vec::new()
        };
        Ok(TeamView { members, invitable_roles: invitable_roles(actor.role), suppliers })
    }

    async fn invite(&self, actor: &Actor, input: InviteInput) -> Result<(), AppError> {
        if invitable_roles(actor.role).is_empty() {
            return Err(AppError::Forbidden);
        }
        let invite = validate_invite(actor, &input)?;
        if let Some(id) = invite.supplier_id {
            let exists: Option<IdName> = self
                .db
                .exec()
                .fetch_optional(Sql::new("SELECT id, name FROM supplier WHERE id = $1").bind(id))
                .await
                .map_err(internal)?;
            if exists.is_none() {
                return Err(AppError::invalid("supplier_id", "Choose the supplier this person works for."));
            }
        }
        let existing = account::find_by_email(&self.db, &invite.email).await.map_err(internal)?;
        let mut tx = self.db.begin().await.map_err(internal)?;
        let user_id = match &existing {
            // A pending invitation of the same person and role is renewed: a new link, the old one spent.
            Some(u)
                if u.password_hash.is_none()
                    && u.role == invite.role.as_str()
                    && u.supplier_id == invite.supplier_id
                    && administers(actor, invite.role, u.supplier_id) =>
            {
                tx.execute(
                    Sql::new("UPDATE app_user SET display_name = $1, active = TRUE, updated_at = $2 WHERE id = $3")
                        .bind(invite.display_name.as_str())
                        .bind(Utc::now())
                        .bind(u.id),
                )
                .await
                .map_err(internal)?;
                u.id
            }
            Some(_) => {
                return Err(AppError::invalid("email", format!("{} already has an account.", invite.email.as_str())))
            }
            None => {
                let inserted = tx
                    .fetch_one::<IdRow>(
                        Sql::new(
                            "INSERT INTO app_user (email, display_name, password_hash, role, supplier_id, active, created_at, updated_at)
                             VALUES ($1, $2, NULL, $3, $4, TRUE, $5, $5) RETURNING id",
                        )
                        .bind(invite.email.as_str())
                        .bind(invite.display_name.as_str())
                        .bind(invite.role.as_str())
                        .bind(invite.supplier_id)
                        .bind(Utc::now()),
                    )
                    .await;
                match inserted {
                    Ok(row) => row.id,
                    Err(e) if is_unique_violation(&e) => {
                        return Err(AppError::invalid(
                            "email",
                            format!("{} already has an account.", invite.email.as_str()),
                        ))
                    }
                    Err(e) => return Err(internal(e)),
                }
            }
        };
        let token = issue(&mut tx, user_id, LinkPurpose::Invitation, INVITATION_TTL, Some(actor.user_id))
            .await
            .map_err(internal)?;
        audit::record(
            &mut tx,
            AuditEntry::acting(actor, "user.invited", Some(("app_user", user_id)), invite.supplier_id, serde_json::json!({ "email": invite.email.as_str(), "role": invite.role.as_str(), "renewed": existing.is_some() })),
        )
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        let user = account::find_by_id(&self.db, user_id).await.map_err(internal)?.ok_or(AppError::NotFound)?;
        self.send_link(&user, LinkPurpose::Invitation, &token).await.map_err(|error| {
            tracing::error!(user_id, %error, "the invitation e-mail could not be sent");
            AppError::invalid(
                "email",
                "The invitation is saved, but its e-mail could not be sent. Invite the same address again in a moment to resend it.",
            )
        })
    }

    async fn set_active(&self, actor: &Actor, input: MemberStatusInput) -> Result<(), AppError> {
        if invitable_roles(actor.role).is_empty() {
            return Err(AppError::Forbidden);
        }
        let member = self.member(actor, input.user_id).await?;
        if member.id == actor.user_id {
            return Err(AppError::invalid("user_id", "You cannot deactivate your own account."));
        }
        let now = Utc::now();
        let mut tx = self.db.begin().await.map_err(internal)?;
        tx.execute(
            Sql::new("UPDATE app_user SET active = $1, updated_at = $2 WHERE id = $3")
                .bind(input.active)
                .bind(now)
                .bind(member.id),
        )
        .await
        .map_err(internal)?;
        if !input.active {
            // Open links of a deactivated account stop working with it.
            spend_open_links(&mut tx, member.id, now).await.map_err(internal)?;
        }
        audit::record(
            &mut tx,
            AuditEntry::acting(
                actor,
                if input.active { "user.reactivated" } else { "user.deactivated" },
                Some(("app_user", member.id)),
                member.supplier_id,
                serde_json::json!({ "email": member.email }),
            ),
        )
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)
    }

    async fn link_status(&self, token: &str, invitation: bool) -> Result<AccountLinkView, AppError> {
        let purpose = if invitation { LinkPurpose::Invitation } else { LinkPurpose::PasswordReset };
        match valid_link(&self.db, token, purpose).await {
            Ok((_, user)) => Ok(AccountLinkView::Valid { email: user.email, display_name: user.display_name }),
            Err(AppError::Invalid { message, .. }) => Ok(AccountLinkView::Invalid { reason: message }),
            Err(e) => Err(e),
        }
    }
}

#[derive(sqlx::FromRow)]
struct IdRow {
    id: i64,
}

#[derive(sqlx::FromRow)]
struct IdName {
    id: i64,
    name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, supplier: Option<i64>) -> Actor {
        Actor::new(1, role, supplier).unwrap()
    }

    fn input(role: &str, supplier: Option<&str>) -> InviteInput {
        InviteInput {
            email: "New.Person@Example.com".into(),
            display_name: " New Person ".into(),
            role: role.into(),
            supplier_id: supplier.map(str::to_string),
        }
    }

    #[test]
    fn supplier_admins_invite_into_their_own_supplier_only() {
        let admin = actor(Role::SupplierAdmin, Some(7));
        let ok = validate_invite(&admin, &input("supplier_user", Some("99"))).unwrap();
        assert_eq!(ok.supplier_id, Some(7), "the form's supplier is ignored");
        assert_eq!(ok.email.as_str(), "new.person@example.com");
        assert_eq!(ok.display_name, "New Person");
        let err = validate_invite(&admin, &input("buyer", None)).unwrap_err();
        assert!(err.field_message("role").is_some());
    }

    #[test]
    fn buyers_invite_supplier_admins_and_must_name_the_supplier() {
        let buyer = actor(Role::Buyer, None);
        assert_eq!(validate_invite(&buyer, &input("supplier_admin", Some("3"))).unwrap().supplier_id, Some(3));
        let err = validate_invite(&buyer, &input("supplier_admin", None)).unwrap_err();
        assert!(err.field_message("supplier_id").is_some());
        assert!(validate_invite(&buyer, &input("supplier_user", Some("3")))
            .unwrap_err()
            .field_message("role")
            .is_some());
        assert!(validate_invite(&actor(Role::SupplierUser, Some(7)), &input("supplier_user", None)).is_err());
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let err = validate_invite(
            &actor(Role::Admin, None),
            &InviteInput { email: "nope".into(), display_name: " ".into(), role: "king".into(), supplier_id: None },
        )
        .unwrap_err();
        for field in ["email", "display_name", "role"] {
            assert!(err.field_message(field).is_some(), "{field}");
        }
    }

    #[test]
    fn who_administers_whom() {
        let sa = actor(Role::SupplierAdmin, Some(7));
        assert!(administers(&sa, Role::SupplierUser, Some(7)));
        assert!(!administers(&sa, Role::SupplierUser, Some(8)));
        assert!(!administers(&sa, Role::Buyer, None));
        let buyer = actor(Role::Buyer, None);
        assert!(administers(&buyer, Role::SupplierAdmin, Some(8)));
        assert!(!administers(&buyer, Role::Buyer, None));
        assert!(administers(&actor(Role::Admin, None), Role::Buyer, None));
        assert!(!administers(&actor(Role::SupplierUser, Some(7)), Role::SupplierUser, Some(7)));
    }
}
