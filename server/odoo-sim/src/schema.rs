//! Field and model definitions: what `fields_get` reports and what the ORM accepts.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Char,
    Text,
    Html,
    Integer,
    Float,
    Monetary,
    Boolean,
    Date,
    Datetime,
    Selection(Vec<(&'static str, &'static str)>),
    Many2one(&'static str),
    /// (comodel, inverse many2one field)
    One2many(&'static str, &'static str),
    Many2many(&'static str),
    Reference,
}

impl Kind {
    pub fn type_name(&self) -> &'static str {
        match self {
            Kind::Char => "char",
            Kind::Text => "text",
            Kind::Html => "html",
            Kind::Integer => "integer",
            Kind::Float => "float",
            Kind::Monetary => "monetary",
            Kind::Boolean => "boolean",
            Kind::Date => "date",
            Kind::Datetime => "datetime",
            Kind::Selection(_) => "selection",
            Kind::Many2one(_) => "many2one",
            Kind::One2many(..) => "one2many",
            Kind::Many2many(_) => "many2many",
            Kind::Reference => "reference",
        }
    }

    pub fn relation(&self) -> Option<&'static str> {
        match self {
            Kind::Many2one(m) | Kind::One2many(m, _) | Kind::Many2many(m) => Some(m),
            _ => None,
        }
    }

    pub fn is_x2many(&self) -> bool {
        matches!(self, Kind::One2many(..) | Kind::Many2many(_))
    }

    /// The value an unset field reads as (§2.1: unset → `false`, numbers → 0).
    pub fn empty(&self) -> Value {
        match self {
            Kind::Integer => json!(0),
            Kind::Float | Kind::Monetary => json!(0.0),
            Kind::One2many(..) | Kind::Many2many(_) => json!([]),
            _ => Value::Bool(false),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Compute {
    /// `related=` path, read through many2one fields.
    Related(&'static str),
    /// Computed in `models::compute`.
    Custom,
}

#[derive(Clone, Debug)]
pub struct FieldDef {
    pub name: &'static str,
    pub string: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub readonly: bool,
    /// Non-stored computed fields; stored computed fields are plain stored fields kept up to date by side effects.
    pub compute: Option<Compute>,
}

pub fn field(name: &'static str, string: &'static str, kind: Kind) -> FieldDef {
    FieldDef { name, string, kind, required: false, readonly: false, compute: None }
}

impl FieldDef {
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn readonly(mut self) -> Self {
        self.readonly = true;
        self
    }

    pub fn related(mut self, path: &'static str) -> Self {
        self.compute = Some(Compute::Related(path));
        self.readonly = true;
        self
    }

    pub fn computed(mut self) -> Self {
        self.compute = Some(Compute::Custom);
        self.readonly = true;
        self
    }

    pub fn is_stored(&self) -> bool {
        self.compute.is_none() && !matches!(self.kind, Kind::One2many(..))
    }

    /// One entry of `fields_get`.
    pub fn describe(&self, attributes: Option<&[String]>) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), json!(self.kind.type_name()));
        m.insert("string".into(), json!(self.string));
        m.insert("required".into(), json!(self.required));
        m.insert("readonly".into(), json!(self.readonly));
        m.insert("store".into(), json!(self.is_stored()));
        m.insert("searchable".into(), json!(true));
        m.insert("sortable".into(), json!(self.is_stored()));
        m.insert("name".into(), json!(self.name));
        if let Some(rel) = self.kind.relation() {
            m.insert("relation".into(), json!(rel));
        }
        if let Kind::One2many(_, inverse) = &self.kind {
            m.insert("relation_field".into(), json!(inverse));
        }
        if let Kind::Selection(opts) = &self.kind {
            m.insert("selection".into(), json!(opts.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>()));
        }
        if let Some(Compute::Related(path)) = self.compute {
            m.insert("related".into(), json!(path));
        }
        if let Some(attrs) = attributes.filter(|a| !a.is_empty()) {
            m.retain(|k, _| attrs.iter().any(|a| a == k));
        }
        Value::Object(m)
    }
}

#[derive(Clone, Debug)]
pub struct ModelDef {
    pub name: &'static str,
    pub description: &'static str,
    pub fields: Vec<FieldDef>,
    /// Default `_order`.
    pub order: &'static str,
}

impl ModelDef {
    /// A model with Odoo's magic fields (`id`, `display_name`, `create_*`, `write_*`).
    pub fn new(name: &'static str, description: &'static str) -> Self {
        let fields = vec![
            field("id", "ID", Kind::Integer).readonly(),
            field("display_name", "Display Name", Kind::Char).computed(),
            field("create_date", "Created on", Kind::Datetime).readonly(),
            field("create_uid", "Created by", Kind::Many2one("res.users")).readonly(),
            field("write_date", "Last Updated on", Kind::Datetime).readonly(),
            field("write_uid", "Last Updated by", Kind::Many2one("res.users")).readonly(),
        ];
        ModelDef { name, description, fields, order: "id" }
    }

    pub fn order(mut self, order: &'static str) -> Self {
        self.order = order;
        self
    }

    pub fn add(&mut self, f: FieldDef) {
        self.fields.push(f);
    }

    pub fn with(mut self, fields: Vec<FieldDef>) -> Self {
        self.fields.extend(fields);
        self
    }

    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Schema {
    pub models: BTreeMap<&'static str, ModelDef>,
}

impl Schema {
    pub fn add(&mut self, m: ModelDef) {
        self.models.insert(m.name, m);
    }

    pub fn model(&self, name: &str) -> Option<&ModelDef> {
        self.models.get(name)
    }

    pub fn field(&self, model: &str, field: &str) -> Option<&FieldDef> {
        self.model(model).and_then(|m| m.field(field))
    }

    pub fn description(&self, model: &str) -> String {
        self.model(model).map(|m| m.description.to_string()).unwrap_or_else(|| model.to_string())
    }
}

/// Selection helper.
pub fn sel(opts: &[(&'static str, &'static str)]) -> Kind {
    Kind::Selection(opts.to_vec())
}
