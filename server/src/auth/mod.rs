//! Identity on the web: sessions, the actor of each request, sign-in and sign-out, CSRF.

pub mod account_link;
pub mod api_token;
pub mod csrf;
pub mod password;
pub mod session;
pub mod sso;
pub mod store;
pub mod throttle;
