//! The certification report on disk: `report.json` for machines and a
//! self-contained `report.html` for the tester (no script, no network, one
//! file), with the verdict at the top and every failing case given with what
//! reproduces it.

use std::path::{Path, PathBuf};

use super::CertifyReport;

/// The files a report was written to, and the digest `juzhu attest` signs.
pub struct Written {
    pub json: PathBuf,
    pub html: PathBuf,
    /// The sha256 of `report.json`, hex.
    pub sha256: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write the report to {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error("cannot render the HTML report: {0}")]
    Render(#[from] minijinja::Error),
}

const TEMPLATE: &str = include_str!("report.html");

/// The report as HTML.
pub fn html(report: &CertifyReport) -> Result<String, minijinja::Error> {
    let mut env = minijinja::Environment::new();
    // `.html` templates are escaped: module-supplied text cannot inject markup.
    env.add_template("report.html", TEMPLATE)?;
    let value = serde_json::to_value(report).expect("reports serialize");
    env.get_template("report.html")?.render(minijinja::context! {
        r => value,
        passed => report.passed(),
        failures => report.failures(),
    })
}

/// Writes `report.json` and `report.html` into `dir` (created if missing),
/// each through a temporary file renamed into place.
pub fn write(report: &CertifyReport, dir: &Path) -> Result<Written, ReportError> {
    let fail = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ReportError::Write { path, source }
    };
    std::fs::create_dir_all(dir).map_err(fail(dir))?;
    let json = serde_json::to_vec_pretty(report).expect("reports serialize");
    let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&json));
    let html = html(report)?;
    let (json_path, html_path) = (dir.join("report.json"), dir.join("report.html"));
    for (path, bytes) in [(&json_path, json.as_slice()), (&html_path, html.as_bytes())] {
        let tmp = path.with_extension("partial");
        std::fs::write(&tmp, bytes).map_err(fail(&tmp))?;
        std::fs::rename(&tmp, path).map_err(fail(path))?;
    }
    Ok(Written { json: json_path, html: html_path, sha256 })
}
