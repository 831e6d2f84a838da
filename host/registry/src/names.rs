//! Names that metadata may use for targets and roles, and delegation paths.
//!
//! Names become paths inside the registry directory, so they are held to a
//! small alphabet: no `..`, no leading `/` or `.`, no backslash, no `%`
//! escapes, nothing outside `[A-Za-z0-9._-]` in a segment. cap-std would stop
//! an escape anyway; these checks make the refusal say why.

use crate::Error;

const MAX_NAME: usize = 200;

/// Checks a target name such as `districts/330105/hangzhou-gongshu-1.0.0.wasm`.
pub fn check_target(name: &str) -> Result<(), Error> {
    let bad = |detail: &str| Error::UnsafeName { what: "target", name: name.into(), detail: detail.into() };
    if name.is_empty() || name.len() > MAX_NAME {
        return Err(bad("a target name has 1 to 200 characters"));
    }
    if name.starts_with('/') {
        return Err(bad("an absolute path; target names are relative, like districts/330105/m-1.0.0.wasm"));
    }
    for segment in name.split('/') {
        if segment.is_empty() || segment == "." || segment == ".." || segment.starts_with('.') {
            return Err(bad("a segment is empty, `.`, `..` or starts with `.`"));
        }
        if let Some(c) = segment.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))) {
            return Err(bad(&format!(
                "character {c:?} is not allowed; segments use only A-Z a-z 0-9 . _ - (no %-escapes, no backslash)"
            )));
        }
    }
    Ok(())
}

/// Checks a role name: lowercase letters, digits and `-`.
pub fn check_role(name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-');
    if !ok {
        return Err(Error::UnsafeName {
            what: "role",
            name: name.into(),
            detail: "role names use only a-z, 0-9 and -, like district-330105".into(),
        });
    }
    if matches!(name, "root" | "targets" | "snapshot" | "timestamp") {
        return Err(Error::UnsafeName {
            what: "role",
            name: name.into(),
            detail: "a delegated role may not take a top-level role's name".into(),
        });
    }
    Ok(())
}

/// Checks a six-digit administrative division code such as `330105`.
pub fn check_district(code: &str) -> Result<(), Error> {
    if juzhu_domain::Division::parse(code).is_err() {
        return Err(Error::UnsafeName {
            what: "district",
            name: code.into(),
            detail: "a district is a six-digit division code, like 330105".into(),
        });
    }
    Ok(())
}

pub fn district_role(code: &str) -> String {
    format!("district-{code}")
}

pub fn district_pattern(code: &str) -> String {
    format!("districts/{code}/*")
}

pub const ATTESTATION_PATTERN: &str = "attestations/*/*";

/// Where a target's bytes are stored: `targets/<dir>/<sha256>.<file>`.
pub fn stored_path(target: &str, sha256: &str) -> String {
    match target.rsplit_once('/') {
        Some((dir, file)) => format!("targets/{dir}/{sha256}.{file}"),
        None => format!("targets/{sha256}.{target}"),
    }
}

/// TUF path matching: the same number of `/` segments, `*` matching any run
/// of characters within one segment.
pub fn matches(pattern: &str, target: &str) -> bool {
    let p: Vec<&str> = pattern.split('/').collect();
    let t: Vec<&str> = target.split('/').collect();
    p.len() == t.len() && p.iter().zip(&t).all(|(p, t)| glob(p.as_bytes(), t.as_bytes()))
}

fn glob(p: &[u8], t: &[u8]) -> bool {
    match p.split_first() {
        None => t.is_empty(),
        Some((b'*', rest)) => (0..=t.len()).any(|i| glob(rest, &t[i..])),
        Some((c, rest)) => t.first() == Some(c) && glob(rest, &t[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_one_segment_per_star() {
        assert!(matches("districts/330105/*", "districts/330105/m-1.0.0.wasm"));
        assert!(!matches("districts/330105/*", "districts/330400/m-1.0.0.wasm"));
        assert!(!matches("districts/330105/*", "districts/330105/x/m.wasm"));
        assert!(matches("attestations/*/*", "attestations/330105/m-1.0.0.json"));
    }

    #[test]
    fn unsafe_target_names_are_refused() {
        for name in [
            "../x",
            "/etc/passwd",
            "districts/330105/../330400/m.wasm",
            "districts/%2e%2e/m.wasm",
            "a\\b",
            "a//b",
            ".hidden/x",
        ] {
            assert!(check_target(name).is_err(), "{name}");
        }
        check_target("districts/330105/hangzhou-gongshu-1.0.0.wasm").unwrap();
    }
}
