//! product.template, product.product (delegating to its template) and product.supplierinfo.

use serde_json::{json, Map, Value};

use crate::error::Result;
use crate::orm::Env;
use crate::schema::{field, sel, FieldDef, Kind::*, ModelDef, Schema};
use crate::store::Store;
use crate::OdooVersion;

/// Template fields a variant reads and writes through `product_tmpl_id` (`_inherits`).
pub fn delegated(v: OdooVersion) -> Vec<&'static str> {
    let mut f = vec!["name", "type", "tracking", "uom_id", "list_price", "purchase_ok", "sale_ok", "seller_ids"];
    match v {
        OdooVersion::V17 => f.extend(["detailed_type", "uom_po_id"]),
        OdooVersion::V18 => f.extend(["is_storable", "uom_po_id"]),
        OdooVersion::V19 => f.push("is_storable"),
    }
    f
}

fn template_fields(v: OdooVersion) -> Vec<FieldDef> {
    let mut f = vec![
        field("name", "Name", Char).required(),
        field("default_code", "Internal Reference", Char),
        field(
            "tracking",
            "Tracking",
            sel(&[("serial", "By Unique Serial Number"), ("lot", "By Lots"), ("none", "No Tracking")]),
        )
        .required(),
        field("uom_id", "Unit of Measure", Many2one("uom.uom")).required(),
        field("list_price", "Sales Price", Float),
        field("purchase_ok", "Can be Purchased", Boolean),
        field("sale_ok", "Can be Sold", Boolean),
        field("seller_ids", "Vendors", One2many("product.supplierinfo", "product_tmpl_id")),
    ];
    match v {
        OdooVersion::V17 => {
            f.push(
                field(
                    "type",
                    "Type",
                    sel(&[("consu", "Consumable"), ("service", "Service"), ("product", "Storable Product")]),
                )
                .required(),
            );
            f.push(
                field(
                    "detailed_type",
                    "Product Type",
                    sel(&[("consu", "Consumable"), ("service", "Service"), ("product", "Storable Product")]),
                )
                .required(),
            );
            f.push(field("uom_po_id", "Purchase UoM", Many2one("uom.uom")).required());
        }
        _ => {
            f.push(
                field("type", "Product Type", sel(&[("consu", "Goods"), ("service", "Service"), ("combo", "Combo")]))
                    .required(),
            );
            f.push(field("is_storable", "Track Inventory", Boolean));
            if v == OdooVersion::V18 {
                f.push(field("uom_po_id", "Purchase Unit", Many2one("uom.uom")));
            }
        }
    }
    f
}

pub fn register(s: &mut Schema, v: OdooVersion) {
    let mut tmpl = ModelDef::new("product.template", "Product").order("name, id").with(template_fields(v));
    tmpl.add(field("active", "Active", Boolean));
    tmpl.add(field("product_variant_ids", "Products", One2many("product.product", "product_tmpl_id")));
    s.add(tmpl);

    let mut prod = ModelDef::new("product.product", "Product Variant").order("default_code, name, id");
    prod.add(field("product_tmpl_id", "Product Template", Many2one("product.template")).required());
    prod.add(field("default_code", "Internal Reference", Char));
    prod.add(field("active", "Active", Boolean));
    for f in template_fields(v) {
        if f.name == "default_code" {
            continue;
        }
        let path: &'static str = Box::leak(format!("product_tmpl_id.{}", f.name).into_boxed_str());
        // Delegated fields keep their label and type; writes are forwarded to the template.
        let mut d = f.related(path);
        d.readonly = false;
        prod.add(d);
    }
    s.add(prod);

    let mut si = ModelDef::new("product.supplierinfo", "Supplier Pricelist")
        .order("sequence, min_qty DESC, price, id")
        .with(vec![
            field("partner_id", "Vendor", Many2one("res.partner")).required(),
            field("product_id", "Product Variant", Many2one("product.product")),
            field("product_name", "Vendor Product Name", Char),
            field("product_code", "Vendor Product Code", Char),
            field("delay", "Delivery Lead Time", Integer).required(),
            field("min_qty", "Quantity", Float).required(),
            field("discount", "Discount (%)", Float),
            field("currency_id", "Currency", Many2one("res.currency")).required(),
            field("date_start", "Start Date", Date),
            field("date_end", "End Date", Date),
            field("sequence", "Sequence", Integer),
            field("company_id", "Company", Many2one("res.company")),
        ]);
    if v == OdooVersion::V19 {
        si.add(field("product_tmpl_id", "Product Template", Many2one("product.template")).required());
        si.add(field("price", "Unit Price", Float));
        si.add(field("product_uom_id", "Unit", Many2one("uom.uom")).required());
    } else {
        si.add(field("product_tmpl_id", "Product Template", Many2one("product.template")));
        si.add(field("price", "Price", Float).required());
        si.add(field("product_uom", "Unit of Measure", Many2one("uom.uom")).related("product_tmpl_id.uom_po_id"));
    }
    s.add(si);
}

pub fn display_name(st: &Store, model: &str, id: i64) -> Option<String> {
    match model {
        "product.product" | "product.template" => {
            let name = st.str_of(model, id, "name").unwrap_or_default();
            Some(match st.str_of(model, id, "default_code") {
                Some(code) => format!("[{code}] {name}"),
                None => name,
            })
        }
        "product.supplierinfo" => st.m2o(model, id, "partner_id").map(|p| st.display_name("res.partner", p)),
        _ => None,
    }
}

pub fn prepare_create(env: &mut Env, model: &str, vals: &mut Map<String, Value>) -> Result<()> {
    let v = env.version();
    let d = |vals: &mut Map<String, Value>, k: &str, val: Value| {
        vals.entry(k.to_string()).or_insert(val);
    };
    match model {
        "product.template" => {
            let unit = json!(env.st.xmlid("uom.product_uom_unit"));
            d(vals, "uom_id", unit);
            d(vals, "tracking", json!("none"));
            d(vals, "active", json!(true));
            d(vals, "purchase_ok", json!(true));
            d(vals, "sale_ok", json!(true));
            if v == OdooVersion::V17 {
                let t = vals.get("detailed_type").or(vals.get("type")).cloned().unwrap_or(json!("consu"));
                d(vals, "detailed_type", t.clone());
                // `type` follows detailed_type; "product" is a consumable at the type level.
                d(vals, "type", if t == json!("service") { t } else { json!("consu") });
            } else {
                d(vals, "type", json!("consu"));
                d(vals, "is_storable", json!(false));
            }
            if v != OdooVersion::V19 {
                let uom = vals["uom_id"].clone();
                d(vals, "uom_po_id", uom);
            }
        }
        "product.product" => {
            d(vals, "active", json!(true));
            if !vals.contains_key("product_tmpl_id") {
                // `_inherits`: a variant created alone creates its template from the delegated values.
                let mut tvals = Map::new();
                for k in delegated(v) {
                    if let Some(x) = vals.remove(k) {
                        tvals.insert(k.to_string(), x);
                    }
                }
                if let Some(code) = vals.get("default_code") {
                    tvals.insert("default_code".into(), code.clone());
                }
                env.context.insert("create_product_product".into(), json!(false));
                let t = env.create_su("product.template", tvals);
                env.context.remove("create_product_product");
                vals.insert("product_tmpl_id".into(), json!(t?));
            }
        }
        "product.supplierinfo" => {
            let currency = json!(env.st.xmlid("base.main_currency"));
            d(vals, "currency_id", currency);
            d(vals, "delay", json!(1));
            d(vals, "min_qty", json!(0.0));
            d(vals, "sequence", json!(1));
            d(vals, "company_id", json!(1));
            d(vals, "price", json!(0.0));
            let product = vals.get("product_id").and_then(Value::as_i64);
            if let (Some(p), false) = (product, vals.contains_key("product_tmpl_id")) {
                let t = env.st.m2o("product.product", p, "product_tmpl_id");
                vals.insert("product_tmpl_id".into(), json!(t));
            }
            let tmpl = vals.get("product_tmpl_id").and_then(Value::as_i64);
            if v == OdooVersion::V19 {
                // 19 computes product_id to the single variant (§14).
                if let (None, Some(t)) = (product, tmpl) {
                    let variants = env.st.inverse("product.product", "product_tmpl_id", t);
                    if variants.len() == 1 {
                        vals.insert("product_id".into(), json!(variants[0]));
                    }
                }
                if let Some(t) = tmpl {
                    let uom = env.st.m2o("product.template", t, "uom_id");
                    d(vals, "product_uom_id", json!(uom));
                }
            }
        }
        _ => {}
    }
    Ok(())
}

pub fn after_create(env: &mut Env, model: &str, id: i64) -> Result<()> {
    if model == "product.template" && env.context.get("create_product_product") != Some(&json!(false)) {
        let code = env.st.value(model, id, "default_code");
        let mut vals = Map::new();
        vals.insert("product_tmpl_id".into(), json!(id));
        vals.insert("default_code".into(), code);
        env.create_su("product.product", vals)?;
    }
    Ok(())
}

/// Forward delegated fields of a variant to its template; keep default_code in step.
pub fn before_write(
    env: &mut Env,
    model: &str,
    ids: &[i64],
    mut vals: Map<String, Value>,
) -> Result<Map<String, Value>> {
    if model == "product.product" {
        let mut tvals = Map::new();
        for k in delegated(env.version()) {
            if let Some(x) = vals.remove(k) {
                tvals.insert(k.to_string(), x);
            }
        }
        if let Some(code) = vals.get("default_code") {
            tvals.insert("default_code".into(), code.clone());
        }
        if !tvals.is_empty() {
            let tmpls: Vec<i64> = ids.iter().filter_map(|p| env.st.m2o(model, *p, "product_tmpl_id")).collect();
            env.write_su("product.template", &tmpls, tvals)?;
        }
    }
    Ok(vals)
}
