//! One application decided in every jurisdiction the station serves.
//!
//! A person moving between cities asks where they would qualify and why not
//! elsewhere. Only the application's `jurisdiction` changes between columns;
//! each column is that jurisdiction's module's own answer through
//! [`Service::evaluate`], so the comparison adds no rule of its own. The
//! column of the module that serves the application's own jurisdiction (a
//! county's case goes to its city's module) decides the application exactly
//! as submitted. A
//! jurisdiction that cannot decide the case (no version in force on the
//! date, a module that cannot run, facts it refuses) says why in its column
//! rather than failing the whole comparison. Nothing is recorded.

use super::{Evaluation, Service, ServiceError};
use juzhu_runtime::contract::types::Application;

/// One jurisdiction's column: its module's decision, or why it did not decide.
#[derive(Debug)]
pub struct Column {
    pub division: String,
    pub name: String,
    /// This is the jurisdiction the application names.
    pub own: bool,
    pub result: Result<Evaluation, ServiceError>,
}

impl Service {
    /// Decides `application` in every jurisdiction served, in the order of
    /// their division codes. Its identity is checked once: a citizen ID that
    /// fails its check digit is refused for the whole comparison, as
    /// [`Service::evaluate`] would refuse it anywhere.
    pub fn compare(&self, application: &Application, legal_date: Option<String>) -> Result<Vec<Column>, ServiceError> {
        Self::check_identity(application)?;
        let serving = self.modules.snapshot().division(&application.jurisdiction).map(|(code, _)| code.to_string());
        Ok(self
            .jurisdictions()
            .into_iter()
            .map(|j| {
                let own = serving.as_deref() == Some(j.division.as_str());
                let result = if own {
                    self.evaluate(application, legal_date.clone())
                } else {
                    let case = Application { jurisdiction: j.division.clone(), ..application.clone() };
                    self.evaluate(&case, legal_date.clone())
                };
                Column { own, division: j.division, name: j.name, result }
            })
            .collect())
    }
}
