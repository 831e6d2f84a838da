//! The new-application form's shape, read from the contract itself
//! (`wit/policy.wit`, the same file the host's bindings are generated from),
//! so the form never falls behind the `application` record.

use wit_parser::{Resolve, Type, TypeDefKind};

/// The contract the station's bindings are generated from.
const CONTRACT: &str = include_str!("../../../wit/policy.wit");

/// What kind of value a field holds, as the form renders it.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Text,
    /// `types.date`: `YYYY-MM-DD`.
    Date,
    /// `types.year-month`: `YYYY-MM`.
    Month,
    /// `types.division`: a six-digit code.
    Division,
    Bool,
    /// A whole number; `signed` for `s32`.
    Int {
        signed: bool,
    },
    Float,
    Enum {
        name: String,
        cases: Vec<String>,
    },
    Record {
        name: String,
        fields: Vec<Field>,
    },
    List(Box<Kind>),
    Optional(Box<Kind>),
}

/// One field of a record: its serde name (snake_case, as JSON reads it),
/// its contract name (kebab-case, for catalogue keys) and its kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub wit: String,
    pub kind: Kind,
}

/// Why the contract could not be read (a broken build, never user input).
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("wit/policy.wit does not parse: {0}")]
    Parse(String),
    #[error("wit/policy.wit has no `{0}` type in interface `types`")]
    Missing(&'static str),
    #[error("wit/policy.wit: field type {0} is not one the console can render")]
    Unsupported(String),
}

/// `labour-contract` → `LabourContract`, as the bindings' serde names enum cases.
pub fn camel(kebab: &str) -> String {
    kebab
        .split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

fn snake(kebab: &str) -> String {
    kebab.replace('-', "_")
}

fn kind(resolve: &Resolve, ty: &Type) -> Result<Kind, SchemaError> {
    Ok(match ty {
        Type::String => Kind::Text,
        Type::Bool => Kind::Bool,
        Type::U8 | Type::U16 | Type::U32 | Type::U64 => Kind::Int { signed: false },
        Type::S8 | Type::S16 | Type::S32 | Type::S64 => Kind::Int { signed: true },
        Type::F32 | Type::F64 => Kind::Float,
        Type::Id(id) => {
            let def = &resolve.types[*id];
            let name = def.name.clone().unwrap_or_default();
            match &def.kind {
                TypeDefKind::Type(inner) => match name.as_str() {
                    "date" => Kind::Date,
                    "year-month" => Kind::Month,
                    "division" => Kind::Division,
                    _ => kind(resolve, inner)?,
                },
                TypeDefKind::Record(r) => Kind::Record {
                    name,
                    fields: r
                        .fields
                        .iter()
                        .map(|f| Ok(Field { name: snake(&f.name), wit: f.name.clone(), kind: kind(resolve, &f.ty)? }))
                        .collect::<Result<_, SchemaError>>()?,
                },
                TypeDefKind::Enum(e) => Kind::Enum { name, cases: e.cases.iter().map(|c| c.name.clone()).collect() },
                TypeDefKind::Option(t) => Kind::Optional(Box::new(kind(resolve, t)?)),
                TypeDefKind::List(t) => Kind::List(Box::new(kind(resolve, t)?)),
                other => return Err(SchemaError::Unsupported(format!("{name} ({other:?})"))),
            }
        }
        other => return Err(SchemaError::Unsupported(format!("{other:?}"))),
    })
}

fn types() -> Result<(Resolve, Vec<(String, wit_parser::TypeId)>), SchemaError> {
    let mut resolve = Resolve::new();
    resolve.push_str("policy.wit", CONTRACT).map_err(|e| SchemaError::Parse(format!("{e:#}")))?;
    let types = resolve
        .interfaces
        .iter()
        .find(|(_, i)| i.name.as_deref() == Some("types"))
        .map(|(_, i)| i.types.iter().map(|(n, id)| (n.clone(), *id)).collect())
        .ok_or(SchemaError::Missing("types"))?;
    Ok((resolve, types))
}

/// The contract's `application` record.
pub fn application() -> Result<Kind, SchemaError> {
    let (resolve, types) = types()?;
    let id = types.iter().find(|(n, _)| n == "application").ok_or(SchemaError::Missing("application"))?.1;
    kind(&resolve, &Type::Id(id))
}

/// Every enum of the contract's `types` (the console names outcomes,
/// routes and tiers in answers as well as in the form).
pub fn enums() -> Result<Vec<Kind>, SchemaError> {
    let (resolve, types) = types()?;
    let mut out = Vec::new();
    for (_, id) in types {
        if let TypeDefKind::Enum(_) = resolve.types[id].kind {
            out.push(kind(&resolve, &Type::Id(id))?);
        }
    }
    Ok(out)
}

/// Every catalogue key the contract's form needs: a label for each field of
/// each record (`field.<record>.<field>`) and each enum case
/// (`enum.<enum>.<case>`).
pub fn catalogue_keys(kind: &Kind, out: &mut std::collections::BTreeSet<String>) {
    match kind {
        Kind::Record { name, fields } => {
            for f in fields {
                out.insert(format!("field.{name}.{}", f.wit));
                catalogue_keys(&f.kind, out);
            }
        }
        Kind::Enum { name, cases } => {
            for c in cases {
                out.insert(format!("enum.{name}.{c}"));
            }
        }
        Kind::List(k) | Kind::Optional(k) => catalogue_keys(k, out),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_application_record_is_read_from_the_contract() {
        let Kind::Record { name, fields } = application().unwrap() else { panic!("a record") };
        assert_eq!(name, "application");
        let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        assert!(names.starts_with(&["jurisdiction", "identity", "registrations", "insurance"]), "{names:?}");
        assert_eq!(fields[0].kind, Kind::Division);
        let Kind::List(reg) = &fields[2].kind else { panic!("registrations is a list") };
        let Kind::Record { fields: reg, .. } = reg.as_ref() else { panic!("of records") };
        assert_eq!(reg[0].name, "registered_on");
        assert_eq!(reg[0].kind, Kind::Date);
        assert_eq!(camel("work-injury-only"), "WorkInjuryOnly");
        assert_eq!(camel("grade5"), "Grade5");
    }
}
