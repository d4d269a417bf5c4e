//! The OpenAPI 3.1 document, generated from the handlers and wire types, and the interactive docs
//! page. Swagger UI comes from the npm registry (`swagger-ui-dist`); `./dev` copies it into the
//! site's `vendor/` folder and we serve it ourselves — no CDN.

use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use utoipa::openapi::security::{ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityScheme};
use utoipa::{Modify, OpenApi};

use app::model::Scope;

use crate::api::{events, oauth, orders, problem, quality, shipments, webhooks};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Supplyline Partner API",
        version = "1",
        description = "Everything a supplier does in the portal, for a partner's own systems. Authenticate with a \
bearer token (`Authorization: Bearer spl_…`) created by a supplier admin, or obtain one from `/oauth/token` \
with client credentials. Each token holds scopes; a request without the scope it needs answers 403 and names \
the scope. Errors are RFC 9457 problem details. POST requests accept an `Idempotency-Key`."
    ),
    paths(
        orders::list, orders::get, orders::acknowledge,
        shipments::list, shipments::get, shipments::shippable, shipments::create, shipments::cancel,
        shipments::catalog, shipments::propose_lead_time,
        quality::list, quality::get, quality::respond,
        events::list,
        webhooks::list, webhooks::create, webhooks::get, webhooks::update, webhooks::delete,
        webhooks::rotate_secret, webhooks::send_test, webhooks::deliveries, webhooks::replay, webhooks::replay_failed,
        oauth::token,
    ),
    components(schemas(problem::Problem, problem::FieldProblem)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "purchase-orders", description = "Purchase orders and their acknowledgement"),
        (name = "asns", description = "Advance shipping notices"),
        (name = "lead-times", description = "Lead-time proposals"),
        (name = "quality", description = "Quality holds and the supplier's answers"),
        (name = "events", description = "The canonical events feed"),
        (name = "webhooks", description = "Signed outbound webhooks (Standard Webhooks): endpoints, deliveries, replay"),
        (name = "oauth", description = "Access tokens for registered OAuth clients"),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("spl_ token")
                    .description(Some("A Supplyline API token or an access token from /oauth/token."))
                    .build(),
            ),
        );
        let scopes = Scopes::from_iter(Scope::ALL.map(|s| (s.as_str(), s.describe())));
        components.add_security_scheme(
            "oauth2",
            SecurityScheme::OAuth2(OAuth2::new([Flow::ClientCredentials(ClientCredentials::new(
                "/oauth/token",
                scopes,
            ))])),
        );
    }
}

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(document())
}

const PAGE: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Supplyline Partner API</title>
<link rel="stylesheet" href="/vendor/swagger-ui/swagger-ui.css">
</head>
<body>
<noscript>The interactive reference needs JavaScript. The document itself is at <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</noscript>
<div id="api-docs"></div>
<script src="/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>
"##;

const INIT: &str = r##"window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({ url: "/api/v1/openapi.json", dom_id: "#api-docs", deepLinking: true,
    persistAuthorization: false, tryItOutEnabled: false });
});
"##;

pub async fn page() -> Html<&'static str> {
    Html(PAGE)
}

pub async fn init_script() -> Response {
    let mut response = INIT.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8"));
    response
}
