//! The host's bindings to the contract, one module per 1.x world it loads.
//!
//! [`v1_1`] is generated from `wit/policy.wit` (the current contract) and
//! [`v1_0`] from the frozen `wit/1.0/policy.wit`. A component-model record
//! cannot gain a field compatibly, so each minor version is its own package;
//! [`LoadedModule`](crate::LoadedModule) picks the world by the version of the
//! package a component exports, and [`upgrade`] maps a 1.0 module's answers
//! into 1.1's shape. Everything above the runtime (store, station, console)
//! sees only 1.1's types, re-exported here as [`types`].
//!
//! Both are generated with the same serde derives as the SDK's, so a JSON
//! request or YAML vector reads into either the same way.

/// Contract 1.1.0: the domain shape of every answer the host hands on.
pub mod v1_1 {
    wasmtime::component::bindgen!({
        path: "../../wit/policy.wit",
        world: "policy-module",
        additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
    });
}

/// Contract 1.0.0, frozen: only to call modules built against it.
pub mod v1_0 {
    wasmtime::component::bindgen!({
        path: "../../wit/1.0/policy.wit",
        world: "policy-module",
        additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
    });
}

pub use v1_1::exports::juzhu::policy::types;
pub use v1_1::{PolicyModule, PolicyModulePre};

/// The contract versions this host loads, newest first, as a component's
/// exported package names them (`juzhu:policy/metadata@<version>`).
pub const KNOWN_VERSIONS: [&str; 2] = ["1.1.0", "1.0.0"];

/// What a 1.0 module did not state, in the 1.1 shape.
///
/// 1.0 carried the same facts, decisions and answers as 1.1 but for the
/// additions: 1.1's new fields are either `option` (a reason's `effect` and
/// `decisive`, a document's issuer, window end, basis and source: `none`
/// means "not stated by a 1.0 module") or lists (a document's `clauses`:
/// empty, the module has no clause table). So a 1.0 value maps to 1.1
/// through its JSON form, adding only the empty clause lists; a stored 1.0
/// decision (JSON without `effect`) reads into 1.1's `Decision` the same way.
/// The JSON round trip costs microseconds per call, paid only by 1.0 modules.
///
/// Dated events (1.1's `application.events`) reach a 1.0 module as the
/// undated flags it had, read on the legal date of the call: a flag is
/// `true` only when an event of its kind is dated on or before that date,
/// and otherwise `none` (not known) — never `false`, which no event list can
/// show. A 1.0 module's `to-be-cancelled(reason)` carries no date; it
/// becomes 1.1's cancellation dated the legal date asked about (the ground
/// held that day, not necessarily from it).
pub mod upgrade {
    use serde::Serialize;
    use serde::de::DeserializeOwned;

    use super::types as t;
    use super::v1_0::exports::juzhu::policy::types as old;

    /// Moves a value whose shape is the same in both versions (and a 1.0
    /// answer, whose missing 1.1 fields are all `option`).
    pub fn same<A: Serialize, B: DeserializeOwned>(value: &A) -> B {
        let json = serde_json::to_value(value).expect("contract types serialize");
        serde_json::from_value(json).expect("1.1 only adds optional fields to what 1.0 answers")
    }

    /// An application (or a holder's facts) as a 1.0 module takes it. 1.1
    /// splits 1.0's `fishery` employment kind in two (a state licence, a
    /// collective contract): both are `fishery` to 1.0, and the contract
    /// material is 1.0's `fishery-licence` ("渔业养殖证或养殖承包合同" there).
    /// 1.1's `hukou-division` is new: 1.0 never sees it. A rental checklist
    /// is counted by person in 1.1 and may leave items unrecorded; 1.0 takes
    /// a head count, one "all family" flag, and every item known, so an
    /// unrecorded item reaches it as the answer that fails its condition
    /// (an unknown never satisfies one).
    ///
    /// 1.1's dated `events` become 1.0's undated flags as of `legal_date`
    /// (see [`event_flag`]): `converted-to-local-hukou` and the points'
    /// `false-materials`. 1.1 has no address change `in-time` flag (a module
    /// decides timeliness from the dates and its text): a 1.0 module gets
    /// `none`, not known, and computes from the dates where it can.
    pub fn application(app: &t::Application, legal_date: &str) -> old::Application {
        let mut json = serde_json::to_value(app).expect("contract types serialize");
        if let Some(map) = json.as_object_mut() {
            map.remove("events");
            map.insert(
                "converted_to_local_hukou".into(),
                event_flag(app, t::HolderEventKind::ConvertedToLocalHukou, legal_date).into(),
            );
        }
        if let Some(points) = json.get_mut("points").and_then(|p| p.as_object_mut()) {
            points.insert(
                "false_materials".into(),
                event_flag(app, t::HolderEventKind::FalseMaterials, legal_date).into(),
            );
        }
        if let Some(homes) = json.get_mut("housing").and_then(|h| h.as_array_mut()) {
            for safety in homes.iter_mut().filter_map(|h| h.pointer_mut("/rental/safety")).filter(|s| s.is_object()) {
                let occupants = safety["occupants"].as_array().cloned().unwrap_or_default();
                let family = occupants.iter().all(|o| o["duty_of_support"] == true);
                safety["occupants"] = occupants.len().into();
                safety["occupants_are_family"] = family.into();
                for (item, failing) in [
                    ("non_residential_space", true),
                    ("partitioned", true),
                    ("safety_kit_complete", false),
                    ("other_serious_hazard", true),
                    ("structural_hazard", true),
                ] {
                    if safety[item].is_null() {
                        safety[item] = failing.into();
                    }
                }
                if safety["living_area_m2"].is_null() {
                    safety["living_area_m2"] = 0.0.into();
                }
            }
        }
        if let Some(jobs) = json.get_mut("employment").and_then(|e| e.as_array_mut()) {
            for job in jobs {
                if matches!(job["kind"].as_str(), Some("FisheryLicence" | "FisheryContract")) {
                    job["kind"] = "Fishery".into();
                }
            }
        }
        if let Some(materials) = json.get_mut("materials").and_then(|m| m.as_array_mut()) {
            for m in materials {
                if m["kind"] == "FisheryContract" {
                    m["kind"] = "FisheryLicence".into();
                }
            }
        }
        serde_json::from_value(json).expect("a 1.1 application, its new kinds mapped, reads as 1.0's")
    }

    /// 1.0's undated flag for an event kind, read on `legal_date`:
    /// `Some(true)` when an event of `kind` is dated on or before it,
    /// otherwise `None` (not known: an event list never shows that something
    /// did not happen). An event date or legal date that is not a calendar
    /// date counts for nothing here (a 1.1 module refuses it by name).
    pub fn event_flag(app: &t::Application, kind: t::HolderEventKind, legal_date: &str) -> Option<bool> {
        let on: jiff::civil::Date = legal_date.parse().ok()?;
        app.events
            .iter()
            .flatten()
            .filter(|e| e.kind == kind)
            .any(|e| e.on.parse::<jiff::civil::Date>().is_ok_and(|d| d <= on))
            .then_some(true)
    }

    /// A 1.0 endorsement answer in 1.1's shape: its `to-be-cancelled(reason)`
    /// becomes a cancellation dated `legal_date`, the day the module was asked
    /// about (1.0 stated no date: the ground held that day, not necessarily
    /// from it).
    pub fn endorsement(
        answer: Result<old::EndorsementAnswer, old::InputError>,
        legal_date: &str,
    ) -> Result<t::EndorsementAnswer, t::Refusal> {
        let dated = answer.map(|a| {
            let mut json = serde_json::to_value(&a).expect("contract types serialize");
            if let Some(ground) = json.get_mut("status").and_then(|s| s.get_mut("ToBeCancelled")) {
                *ground = serde_json::json!({ "ground": ground.take(), "since": legal_date });
            }
            json
        });
        self::answer::<serde_json::Value, t::EndorsementAnswer>(dated)
    }

    /// A 1.0 module's metadata: documents without a clause table.
    pub fn info(info: &old::ModuleInfo) -> t::ModuleInfo {
        let mut json = serde_json::to_value(info).expect("contract types serialize");
        if let Some(docs) = json.get_mut("documents").and_then(|d| d.as_array_mut()) {
            for doc in docs {
                doc["clauses"] = serde_json::Value::Array(Vec::new());
            }
        }
        serde_json::from_value(json).expect("1.1's documents add optional fields and the clause list")
    }

    /// A 1.0 answer: its input error becomes 1.1's `refusal::input`.
    pub fn answer<A: Serialize, B: DeserializeOwned>(answer: Result<A, old::InputError>) -> Result<B, t::Refusal> {
        match answer {
            Ok(value) => Ok(same(&value)),
            Err(e) => Err(t::Refusal::Input(t::InputError { field: e.field, message: e.message })),
        }
    }
}
