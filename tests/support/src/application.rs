//! The sample applicant the station's tests submit.
//!
//! Most tests need "a Gongshu applicant who qualifies through employment"
//! and differ only in a field or two (insured longer, no materials, a photo
//! reference). One builder keeps that applicant in one place; each test says
//! only what it changes.

use juzhu_runtime::contract::types::Application;
use serde_json::{Value, json};

/// The materials a Gongshu employment application submits.
pub const GONGSHU_EMPLOYMENT_MATERIALS: [&str; 5] =
    ["ApplicationForm", "IdCard", "Photo", "InsuranceCertificate", "LabourContract"];

/// Builds an application, held as the JSON the API takes.
///
/// ```
/// use juzhu_test_support::ApplicationBuilder;
///
/// let app = ApplicationBuilder::gongshu_employed().insured_until("2018-06").no_materials().typed();
/// assert_eq!(app.insurance[0].to, "2018-06");
/// assert!(app.materials.is_empty());
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct ApplicationBuilder(Value);

impl ApplicationBuilder {
    /// 王伟 (340102198503150012), registered in Gongshu (330105) since
    /// 2016-06-01, insured there from 2016-06 to 2017-06 and employed on a
    /// labour contract since 2016-06-01, with the five materials submitted:
    /// eligible (Standard tier) on 2017-06-15 through employment.
    pub fn gongshu_employed() -> Self {
        let builder = ApplicationBuilder(json!({
            "jurisdiction": "330105",
            "identity": { "name": "王伟", "citizen_id": "340102198503150012" },
            "registrations": [{ "registered_on": "2016-06-01", "division": "330105", "address": "拱墅区湖墅南路1号", "changes": [] }],
            "insurance": [{ "from": "2016-06", "to": "2017-06", "division": "330105", "scope": "Full", "back_paid": false }],
            "employment": [{ "kind": "LabourContract", "division": "330105", "started_on": "2016-06-01" }],
            "housing": [], "schooling": [], "guardians": [], "special_statuses": [],
            "materials": [],
            "points": { "awards": [], "violations": [], "assigned": [] }
        }));
        builder.materials(&GONGSHU_EMPLOYMENT_MATERIALS)
    }

    /// The division the application is made in (only the top-level
    /// `jurisdiction`; registrations, insurance and employment keep theirs).
    pub fn jurisdiction(mut self, code: &str) -> Self {
        self.0["jurisdiction"] = json!(code);
        self
    }

    pub fn name(mut self, name: &str) -> Self {
        self.0["identity"]["name"] = json!(name);
        self
    }

    pub fn citizen_id(mut self, id: &str) -> Self {
        self.0["identity"]["citizen_id"] = json!(id);
        self
    }

    pub fn current_address(mut self, address: &str) -> Self {
        self.0["identity"]["current_address"] = json!(address);
        self
    }

    /// What the station's photo directory holds the holder's photo as.
    pub fn photo_ref(mut self, photo_ref: &str) -> Self {
        self.0["identity"]["photo_ref"] = json!(photo_ref);
        self
    }

    /// The registration's date (`YYYY-MM-DD`).
    pub fn registered_on(mut self, date: &str) -> Self {
        self.0["registrations"][0]["registered_on"] = json!(date);
        self
    }

    /// The registration's address.
    pub fn address(mut self, address: &str) -> Self {
        self.0["registrations"][0]["address"] = json!(address);
        self
    }

    /// The last month (`YYYY-MM`) of the insurance period.
    pub fn insured_until(mut self, month: &str) -> Self {
        self.0["insurance"][0]["to"] = json!(month);
        self
    }

    /// The labour contract's start (`YYYY-MM-DD`).
    pub fn employed_since(mut self, date: &str) -> Self {
        self.0["employment"][0]["started_on"] = json!(date);
        self
    }

    /// The materials submitted, by kind (replacing the five).
    pub fn materials(mut self, kinds: &[&str]) -> Self {
        self.0["materials"] = kinds.iter().map(|k| json!({ "kind": k, "source": "Submitted" })).collect();
        self
    }

    /// No materials at all.
    pub fn no_materials(self) -> Self {
        self.materials(&[])
    }

    /// The application as the API's JSON.
    pub fn json(self) -> Value {
        self.0
    }

    /// The application as the contract's type.
    pub fn typed(self) -> Application {
        serde_json::from_value(self.0).expect("the builder makes a valid application")
    }
}
