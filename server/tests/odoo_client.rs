//! The Odoo client against the simulator over HTTP: version detection and protocol choice, the
//! ORM calls on JSON-2 (19) and JSON-RPC (17), and every kind of failure typed and classified.

use std::time::Duration;

use odoo_sim::{FaultKind, OdooVersion, SimConfig, Simulator};
use serde_json::json;
use supplyline::odoo::client::http_client;
use supplyline::odoo::{Endpoint, ErrorKind, OdooClient, Protocol};
use supplyline::secret::Secret;

async fn odoo(version: OdooVersion) -> (Simulator, Endpoint) {
    let sim = Simulator::new(SimConfig { version, database: "db1".into(), stock_delivery: false });
    let addr = sim.spawn("127.0.0.1:0").await.unwrap();
    (sim, Endpoint { base_url: format!("http://{addr}"), database: "db1".into() })
}

async fn connect(endpoint: &Endpoint, login: &str, key: String) -> Result<OdooClient, supplyline::odoo::OdooError> {
    OdooClient::connect(http_client(Duration::from_millis(1500)), endpoint, login, Secret::new(key), false).await
}

#[tokio::test]
async fn detects_the_version_and_speaks_json2_on_19_and_jsonrpc_on_17() {
    for (version, protocol, major) in [
        (OdooVersion::V19, Protocol::Json2, 19),
        (OdooVersion::V18, Protocol::JsonRpc, 18),
        (OdooVersion::V17, Protocol::JsonRpc, 17),
    ] {
        let (sim, endpoint) = odoo(version).await;
        let vendor = sim.create_vendor("ACME Components", None);
        let client = connect(&endpoint, "admin", sim.admin_key()).await.unwrap();
        assert_eq!((client.protocol(), client.version().major), (protocol, major));
        assert_eq!(client.uid(), 2, "admin is uid 2");
        let po = client.create("purchase.order", json!({"partner_id": vendor})).await.unwrap();
        let found = client
            .search_read("purchase.order", json!([["id", "=", po]]), &["name", "partner_id", "state"], None, None)
            .await
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0]["partner_id"], json!([vendor, "ACME Components"]));
        client.write("purchase.order", &[po], json!({"partner_ref": "SO-1"})).await.unwrap();
        assert_eq!(
            client.read("purchase.order", &[po, 999_999], &["partner_ref"]).await.unwrap().len(),
            1,
            "missing ids are dropped"
        );
        let notes = client.version().fields().order_notes;
        assert!(client.fields_get("purchase.order").await.unwrap().contains_key(notes), "{notes} on {major}");
        // A method that returns nothing answers null on both protocols.
        let none = client.call("purchase.order", "button_cancel", Some(&[po]), Default::default()).await.unwrap();
        assert!(none.is_null() || none == json!(true), "{none}");
    }
}

#[tokio::test]
async fn jsonrpc_is_used_on_19_when_forced() {
    let (sim, endpoint) = odoo(OdooVersion::V19).await;
    let client = OdooClient::connect(
        http_client(Duration::from_secs(5)),
        &endpoint,
        "admin",
        Secret::new(sim.admin_key()),
        true,
    )
    .await
    .unwrap();
    assert_eq!(client.protocol(), Protocol::JsonRpc);
    assert!(client.search_read("res.partner", json!([]), &["name"], None, Some(1)).await.is_ok());
}

#[tokio::test]
async fn odoos_errors_are_typed_and_classified_on_both_protocols() {
    for version in [OdooVersion::V17, OdooVersion::V19] {
        let (sim, endpoint) = odoo(version).await;
        let vendor = sim.create_vendor("ACME", None);
        let other = sim.create_vendor("Other", None);
        let (_, portal_key) = sim.create_portal_user(vendor, "acme-portal");
        let client = connect(&endpoint, "admin", sim.admin_key()).await.unwrap();
        let kind = |r: Result<(), supplyline::odoo::OdooError>| r.unwrap_err().kind;

        assert_eq!(
            kind(client.write("purchase.order", &[999_999], json!({"partner_ref": "x"})).await),
            ErrorKind::Missing,
            "{version:?}"
        );
        assert_eq!(kind(client.create("purchase.order", json!({})).await.map(drop)), ErrorKind::Validation);
        assert_eq!(
            kind(client.call("no.such.model", "search_read", None, Default::default()).await.map(drop)),
            ErrorKind::UnknownModel
        );
        assert_eq!(
            kind(client.call("purchase.order", "_private_method", Some(&[1]), Default::default()).await.map(drop)),
            ErrorKind::Access
        );

        let portal = connect(&endpoint, "acme-portal", portal_key).await.unwrap();
        assert_eq!(
            kind(portal.search_read("stock.picking", json!([]), &["name"], None, None).await.map(drop)),
            ErrorKind::Access
        );
        let theirs = client.create("purchase.order", json!({"partner_id": other})).await.unwrap();
        assert_eq!(kind(portal.read("purchase.order", &[theirs], &["name"]).await.map(drop)), ErrorKind::Access);

        let bad_key = connect(&endpoint, "admin", "0".repeat(40)).await.unwrap_err();
        assert_eq!(bad_key.kind, ErrorKind::AccessDenied);
        assert!(!bad_key.is_retryable());

        for (fault, expected) in [
            (FaultKind::SerializationFailure, ErrorKind::Serialization),
            (FaultKind::TooManyRequests, ErrorKind::RateLimited { retry_after: Some(Duration::from_secs(3)) }),
            (FaultKind::BadGateway, ErrorKind::Unavailable { status: 502 }),
            (FaultKind::GatewayTimeout, ErrorKind::Unavailable { status: 504 }),
            (FaultKind::Timeout, ErrorKind::Timeout),
            (FaultKind::LostResponse, ErrorKind::Connect),
        ] {
            sim.faults().set_retry_after(3);
            sim.faults().set_timeout_sleep(Duration::from_secs(3));
            sim.faults().fail_next(fault, 1);
            let error = client.search_read("res.partner", json!([]), &["name"], None, Some(1)).await.unwrap_err();
            assert_eq!(error.kind, expected, "{fault:?} on {version:?}: {error}");
            assert!(error.is_retryable(), "{fault:?} is worth retrying");
            sim.faults().clear();
        }
    }
}

#[tokio::test]
async fn an_expired_key_is_refused_on_18_and_later() {
    let (sim, endpoint) = odoo(OdooVersion::V19).await;
    let vendor = sim.create_vendor("ACME", None);
    let (uid, _) = sim.create_bot_user(vendor, "bot");
    let expired = sim.create_api_key(uid, Some(chrono::Utc::now() - chrono::Duration::days(1)));
    assert_eq!(connect(&endpoint, "bot", expired).await.unwrap_err().kind, ErrorKind::AccessDenied);
    let revoked = sim.create_api_key(uid, None);
    sim.revoke_api_keys(uid);
    assert_eq!(connect(&endpoint, "bot", revoked).await.unwrap_err().kind, ErrorKind::AccessDenied);
}
