//! The new-application form: rendered from the contract's schema and the
//! values typed so far, and read back into the JSON the API takes.
//!
//! Input names are the JSON paths with dots (`registrations.0.registered_on`),
//! so an error the service reports for `application.registrations[0].registered_on`
//! lands beside its field. The console checks only what it must to build the
//! JSON (a number is a number, a required choice is chosen); every rule of
//! the application is checked by the service, as for the API.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::i18n::{Lang, t};
use crate::schema::{Field, Kind, camel};

/// What the clerk has typed: input name → text.
pub type Raw = BTreeMap<String, String>;

/// A field the clerk must correct: its input name and what is wrong.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub id: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: String) -> Self {
        FieldError { field: field.to_string(), id: id_of(field), message }
    }
}

/// The HTML id of an input.
pub fn id_of(name: &str) -> String {
    format!("f-{}", name.replace(['.', '_'], "-"))
}

/// A service field path (`application.insurance[2].from`) as an input name.
pub fn input_name(path: &str) -> String {
    let path = path.strip_prefix("application.").unwrap_or(path);
    path.replace('[', ".").replace(']', "")
}

/// One thing the template draws, in order.
#[derive(Debug, Serialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Item {
    Open {
        legend: String,
        id: String,
        level: usize,
    },
    Close,
    Input {
        name: String,
        id: String,
        label: String,
        value: String,
        hint: String,
        mode: &'static str,
        error: Option<String>,
        width: &'static str,
    },
    Select {
        name: String,
        id: String,
        label: String,
        options: Vec<Choice>,
        error: Option<String>,
    },
    Check {
        name: String,
        id: String,
        label: String,
        checked: bool,
    },
    Hidden {
        name: String,
        value: String,
    },
    Add {
        target: String,
        label: String,
    },
    Remove {
        target: String,
        label: String,
    },
}

#[derive(Debug, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() { name.to_string() } else { format!("{prefix}.{name}") }
}

fn count(raw: &Raw, path: &str) -> usize {
    raw.get(&format!("{path}.__n")).and_then(|n| n.parse().ok()).unwrap_or(0).min(50)
}

/// Is this list a checklist (every field of its record an enum, like `material`)?
fn checklist(kind: &Kind) -> Option<(&Field, &[Field])> {
    let Kind::Record { fields, .. } = kind else { return None };
    let all_enums = fields.len() >= 2 && fields.iter().all(|f| matches!(f.kind, Kind::Enum { .. }));
    all_enums.then(|| (&fields[0], &fields[1..]))
}

/// Draws the form.
pub struct Renderer<'a> {
    pub lang: Lang,
    pub raw: &'a Raw,
    pub errors: &'a [FieldError],
    /// Choices for the `jurisdiction` field: code and name.
    pub jurisdictions: &'a [(String, String)],
    pub items: Vec<Item>,
}

impl Renderer<'_> {
    fn error(&self, name: &str) -> Option<String> {
        self.errors.iter().find(|e| e.field == name).map(|e| e.message.clone())
    }

    fn value(&self, name: &str) -> String {
        self.raw.get(name).cloned().unwrap_or_default()
    }

    fn enum_choices(&self, name: &str, enum_name: &str, cases: &[String], blank: &str) -> Vec<Choice> {
        let current = self.value(name);
        std::iter::once(Choice { value: String::new(), label: t(self.lang, blank), selected: current.is_empty() })
            .chain(cases.iter().map(|c| Choice {
                value: camel(c),
                label: t(self.lang, &format!("enum.{enum_name}.{c}")),
                selected: current == camel(c),
            }))
            .collect()
    }

    /// Draws the fields of a record under `prefix`.
    pub fn record(&mut self, record: &str, fields: &[Field], prefix: &str, level: usize) {
        for f in fields {
            let label = t(self.lang, &format!("field.{record}.{}", f.wit));
            self.field(&f.kind, &join(prefix, &f.name), label, level);
        }
    }

    fn input(&mut self, name: &str, label: String, kind: &Kind) {
        let (hint, mode, width) = match kind {
            Kind::Date => (t(self.lang, "hint.date"), "numeric", "w10"),
            Kind::Month => (t(self.lang, "hint.month"), "numeric", "w10"),
            Kind::Division => (t(self.lang, "hint.division"), "numeric", "w10"),
            Kind::Int { .. } => (String::new(), "numeric", "w5"),
            Kind::Float => (String::new(), "decimal", "w5"),
            _ => (String::new(), "text", "w20"),
        };
        let error = self.error(name);
        self.items.push(Item::Input {
            name: name.into(),
            id: id_of(name),
            label,
            value: self.value(name),
            hint,
            mode,
            error,
            width,
        });
    }

    fn field(&mut self, kind: &Kind, name: &str, label: String, level: usize) {
        match kind {
            Kind::Division if name == "jurisdiction" => {
                let current = self.value(name);
                let options = self
                    .jurisdictions
                    .iter()
                    .map(|(code, n)| Choice {
                        value: code.clone(),
                        label: format!("{n} ({code})"),
                        selected: &current == code,
                    })
                    .collect();
                let error = self.error(name);
                self.items.push(Item::Select { name: name.into(), id: id_of(name), label, options, error });
            }
            Kind::Text | Kind::Date | Kind::Month | Kind::Division | Kind::Int { .. } | Kind::Float => {
                self.input(name, label, kind)
            }
            Kind::Bool => {
                let checked = self.value(name) == "true";
                self.items.push(Item::Check { name: name.into(), id: id_of(name), label, checked });
            }
            Kind::Enum { name: e, cases } => {
                let options = self.enum_choices(name, e, cases, "form.choose");
                let error = self.error(name);
                self.items.push(Item::Select { name: name.into(), id: id_of(name), label, options, error });
            }
            Kind::Optional(inner) => match inner.as_ref() {
                Kind::Bool => {
                    let current = self.value(name);
                    let options = [("", "form.unknown"), ("true", "form.yes"), ("false", "form.no")]
                        .into_iter()
                        .map(|(v, k)| Choice { value: v.into(), label: t(self.lang, k), selected: current == v })
                        .collect();
                    let error = self.error(name);
                    self.items.push(Item::Select { name: name.into(), id: id_of(name), label, options, error });
                }
                Kind::Enum { name: e, cases } => {
                    let options = self.enum_choices(name, e, cases, "form.unknown");
                    let error = self.error(name);
                    self.items.push(Item::Select { name: name.into(), id: id_of(name), label, options, error });
                }
                Kind::Record { name: r, fields } => {
                    let present = format!("{name}.__present");
                    self.items.push(Item::Open { legend: label.clone(), id: id_of(name), level });
                    let checked = self.value(&present) == "true";
                    let provide = format!("{} {label}", t(self.lang, "form.provide"));
                    self.items.push(Item::Check {
                        name: present.clone(),
                        id: id_of(&present),
                        label: provide,
                        checked,
                    });
                    self.record(r, fields, name, level + 1);
                    self.items.push(Item::Close);
                }
                other => self.field(other, name, label, level),
            },
            Kind::List(inner) => self.list(inner, name, label, level),
            Kind::Record { name: r, fields } => {
                self.items.push(Item::Open { legend: label, id: id_of(name), level });
                self.record(r, fields, name, level + 1);
                self.items.push(Item::Close);
            }
        }
    }

    fn list(&mut self, inner: &Kind, name: &str, label: String, level: usize) {
        self.items.push(Item::Open { legend: label.clone(), id: id_of(name), level });
        if let Kind::Enum { name: e, cases } = inner {
            for c in cases {
                let n = format!("{name}.{}", camel(c));
                let checked = self.value(&n) == "true";
                self.items.push(Item::Check {
                    name: n.clone(),
                    id: id_of(&n),
                    label: t(self.lang, &format!("enum.{e}.{c}")),
                    checked,
                });
            }
        } else if let Some((first, rest)) = checklist(inner) {
            let Kind::Enum { name: e, cases } = &first.kind else { unreachable!("checked") };
            for c in cases {
                let n = format!("{name}.{}", camel(c));
                let checked = self.value(&n) == "true";
                self.items.push(Item::Check {
                    name: n.clone(),
                    id: id_of(&n),
                    label: t(self.lang, &format!("enum.{e}.{c}")),
                    checked,
                });
                for f in rest {
                    if let Kind::Enum { name: fe, cases: fc } = &f.kind {
                        let sub = format!("{n}.{}", f.name);
                        let record = match inner {
                            Kind::Record { name, .. } => name.as_str(),
                            _ => "",
                        };
                        let options = self.enum_choices(&sub, fe, fc, "form.choose");
                        let label = t(self.lang, &format!("field.{record}.{}", f.wit));
                        self.items.push(Item::Select {
                            name: sub.clone(),
                            id: id_of(&sub),
                            label,
                            options,
                            error: self.error(&sub),
                        });
                    }
                }
            }
        } else if let Kind::Record { name: r, fields } = inner {
            let n = count(self.raw, name);
            self.items.push(Item::Hidden { name: format!("{name}.__n"), value: n.to_string() });
            for i in 0..n {
                let item = format!("{name}.{i}");
                self.items.push(Item::Open {
                    legend: format!("{label} {}", i + 1),
                    id: id_of(&item),
                    level: level + 1,
                });
                self.record(r, fields, &item, level + 2);
                self.items.push(Item::Remove {
                    target: item.clone(),
                    label: format!("{} {label} {}", t(self.lang, "form.remove"), i + 1),
                });
                self.items.push(Item::Close);
            }
            self.items.push(Item::Add { target: name.into(), label: format!("{} {label}", t(self.lang, "form.add")) });
        }
        self.items.push(Item::Close);
    }
}

/// Reads the typed values back into the JSON of `kind`, with an error for
/// each value that cannot be JSON of its type.
pub struct Reader<'a> {
    pub lang: Lang,
    pub raw: &'a Raw,
    pub errors: Vec<FieldError>,
}

impl Reader<'_> {
    fn text(&self, name: &str) -> String {
        self.raw.get(name).map(|v| v.trim().to_string()).unwrap_or_default()
    }

    pub fn read(&mut self, kind: &Kind, name: &str) -> Value {
        let text = self.text(name);
        match kind {
            Kind::Text | Kind::Date | Kind::Month | Kind::Division => Value::String(text),
            Kind::Bool => Value::Bool(text == "true"),
            Kind::Int { signed } => {
                let parsed = if *signed {
                    text.parse::<i64>().ok().map(Value::from)
                } else {
                    text.parse::<u64>().ok().map(Value::from)
                };
                parsed.unwrap_or_else(|| {
                    let key = if *signed { "error.whole-number" } else { "error.count" };
                    self.errors.push(FieldError::new(name, t(self.lang, key)));
                    Value::Null
                })
            }
            Kind::Float => match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Value::from(v),
                _ => {
                    self.errors.push(FieldError::new(name, t(self.lang, "error.number")));
                    Value::Null
                }
            },
            Kind::Enum { .. } => {
                if text.is_empty() {
                    self.errors.push(FieldError::new(name, t(self.lang, "error.choose")));
                    Value::Null
                } else {
                    Value::String(text)
                }
            }
            Kind::Optional(inner) => match inner.as_ref() {
                Kind::Record { .. } => {
                    if self.text(&format!("{name}.__present")) == "true" {
                        self.read(inner, name)
                    } else {
                        Value::Null
                    }
                }
                Kind::Bool => match text.as_str() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    _ => Value::Null,
                },
                // An optional list (`events`) is read as the list it holds,
                // empty or not: its items carry their own names.
                Kind::List(_) => self.read(inner, name),
                _ if text.is_empty() => Value::Null,
                other => self.read(other, name),
            },
            Kind::Record { fields, .. } => {
                let mut map = Map::new();
                for f in fields {
                    let v = self.read(&f.kind, &join(name, &f.name));
                    map.insert(f.name.clone(), v);
                }
                Value::Object(map)
            }
            Kind::List(inner) => self.list(inner, name),
        }
    }

    fn list(&mut self, inner: &Kind, name: &str) -> Value {
        let mut out = Vec::new();
        if let Kind::Enum { cases, .. } = inner {
            for c in cases {
                if self.text(&format!("{name}.{}", camel(c))) == "true" {
                    out.push(Value::String(camel(c)));
                }
            }
        } else if let Some((first, rest)) = checklist(inner) {
            let Kind::Enum { cases, .. } = &first.kind else { unreachable!("checked") };
            for c in cases {
                let n = format!("{name}.{}", camel(c));
                if self.text(&n) != "true" {
                    continue;
                }
                let mut map = Map::new();
                map.insert(first.name.clone(), Value::String(camel(c)));
                for f in rest {
                    let v = self.read(&f.kind, &format!("{n}.{}", f.name));
                    map.insert(f.name.clone(), v);
                }
                out.push(Value::Object(map));
            }
        } else {
            for i in 0..count(self.raw, name) {
                out.push(self.read(inner, &format!("{name}.{i}")));
            }
        }
        Value::Array(out)
    }
}

/// Adds an item to the repeatable group `target`.
pub fn add(raw: &mut Raw, target: &str) {
    let n = count(raw, target);
    raw.insert(format!("{target}.__n"), (n + 1).to_string());
}

/// Removes item `target` (`registrations.1`), moving later items up.
pub fn remove(raw: &mut Raw, target: &str) {
    let Some((list, index)) = target.rsplit_once('.') else { return };
    let Ok(index) = index.parse::<usize>() else { return };
    let n = count(raw, list);
    if index >= n {
        return;
    }
    let mut moved = Raw::new();
    for (k, v) in std::mem::take(raw) {
        let Some(rest) = k.strip_prefix(&format!("{list}.")) else {
            moved.insert(k, v);
            continue;
        };
        let (i, tail) = rest.split_once('.').unwrap_or((rest, ""));
        match i.parse::<usize>() {
            Ok(i) if i == index => {}
            Ok(i) if i > index => {
                moved.insert(format!("{list}.{}{}{tail}", i - 1, if tail.is_empty() { "" } else { "." }), v);
            }
            _ => {
                moved.insert(k, v);
            }
        }
    }
    moved.insert(format!("{list}.__n"), (n - 1).to_string());
    *raw = moved;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> Raw {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn typed_values_become_the_application_json() {
        let schema = crate::schema::application().unwrap();
        let r = raw(&[
            ("jurisdiction", "330105"),
            ("identity.name", "王伟"),
            ("identity.citizen_id", "340102198503150012"),
            ("identity.sex", "Male"),
            ("registrations.__n", "1"),
            ("registrations.0.registered_on", "2016-06-01"),
            ("registrations.0.division", "330105"),
            ("registrations.0.address", "拱墅区"),
            ("materials.IdCard", "true"),
            ("materials.IdCard.source", "Submitted"),
            ("special_statuses.Investor", "true"),
            ("points.patents", "2"),
        ]);
        let mut reader = Reader { lang: Lang::En, raw: &r, errors: vec![] };
        let json = reader.read(&schema, "");
        assert!(reader.errors.is_empty(), "{:?}", reader.errors);
        let app: juzhu_runtime::contract::types::Application = serde_json::from_value(json).unwrap();
        assert_eq!(app.registrations[0].registered_on, "2016-06-01");
        assert_eq!(app.materials.len(), 1);
        assert_eq!(app.points.patents, Some(2));
        assert_eq!(app.identity.birth_date, None);
    }

    #[test]
    fn a_number_that_is_not_one_is_an_error_beside_its_field() {
        let schema = crate::schema::application().unwrap();
        let r = raw(&[("points.patents", "two")]);
        let mut reader = Reader { lang: Lang::En, raw: &r, errors: vec![] };
        reader.read(&schema, "");
        assert_eq!(reader.errors[0].field, "points.patents");
        assert_eq!(reader.errors[0].id, "f-points-patents");
    }

    #[test]
    fn removing_an_item_moves_the_later_ones_up() {
        let mut r = raw(&[
            ("insurance.__n", "3"),
            ("insurance.0.from", "a"),
            ("insurance.1.from", "b"),
            ("insurance.2.from", "c"),
        ]);
        remove(&mut r, "insurance.1");
        assert_eq!(r, raw(&[("insurance.__n", "2"), ("insurance.0.from", "a"), ("insurance.1.from", "c")]));
        add(&mut r, "insurance");
        assert_eq!(r["insurance.__n"], "3");
        assert_eq!(input_name("application.registrations[0].registered_on"), "registrations.0.registered_on");
    }
}
