//! What every page shares: the templates, the HTML response with its
//! headers, the form body, the Content-Security-Policy and the assets.

use std::sync::OnceLock;

use minijinja::{Environment, State, Value as Jv};
use rocket::data::{Data, FromData, Outcome as DataOutcome, ToByteUnit};
use rocket::http::{ContentType, Header, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use serde_json::{Value, json};

use juzhu_station::auth::Role;

use crate::i18n::{self, Lang};
use crate::session::Visitor;

/// Forbids inline script and every origin but the station's own.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name)))),*]
    };
}

/// Every template, compiled into the binary.
pub const TEMPLATES: &[(&str, &str)] = templates!(
    "layout.html",
    "sign_in.html",
    "home.html",
    "apply.html",
    "decision.html",
    "record.html",
    "notice.html",
    "find.html",
    "permit.html",
    "confirm.html",
    "card.html",
    "modules.html",
    "tokens.html",
    "message.html",
    "outcome.html",
    "status.html",
    "compare.html",
    "queues.html",
    "dashboard.html",
);

fn lang_of(state: &State) -> Lang {
    state.lookup("lang").and_then(|l| l.as_str().and_then(Lang::parse)).unwrap_or_default()
}

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source).unwrap_or_else(|e| panic!("template {name}: {e}"));
        }
        env.add_function("t", |state: &State, key: &str| i18n::t(lang_of(state), key));
        env.add_function("t_or", |state: &State, key: &str, fallback: &str| {
            i18n::catalogue(lang_of(state)).get(key).cloned().unwrap_or_else(|| fallback.to_string())
        });
        env.add_filter("date", |state: &State, iso: Jv| match iso.as_str() {
            Some(s) => i18n::date(lang_of(state), s),
            None => String::new(),
        });
        env.add_filter("mask", |id: &str| i18n::mask_id(id));
        env.add_filter("enum", |state: &State, value: Jv, name: &str| {
            let text = value.as_str().map(str::to_string).unwrap_or_else(|| value.to_string());
            i18n::t(lang_of(state), &format!("enum.{name}.{}", kebab(&text)))
        });
        env
    })
}

/// `WorkInjuryOnly` → `work-injury-only`: an enum value as its contract name.
pub fn kebab(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// An HTML page.
pub struct Page {
    pub status: Status,
    pub html: String,
}

impl<'r> Responder<'r, 'static> for Page {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        Response::build_from(self.html.respond_to(req)?)
            .status(self.status)
            .header(ContentType::HTML)
            .header(Header::new("Cache-Control", "no-store"))
            .ok()
    }
}

/// Renders `template` for `visitor` on `path`, with `data` beside what every page has.
pub fn render(visitor: &Visitor, status: Status, template: &str, path: &str, data: Value) -> Page {
    let lang = visitor.lang();
    let mut ctx = json!({
        "lang": lang.code(),
        "html_lang": lang.html(),
        "other_lang": lang.other().code(),
        "path": path,
        "csrf": visitor.session.csrf,
        "who": visitor.who.as_ref().map(|p| json!({ "name": p.name, "role": p.role.as_str() })),
        "is_clerk": visitor.can(Role::Clerk),
        "is_supervisor": visitor.can(Role::Supervisor),
        "is_admin": visitor.can(Role::Admin),
    });
    if let (Some(ctx), Value::Object(extra)) = (ctx.as_object_mut(), data) {
        ctx.extend(extra);
    }
    let rendered = env().get_template(template).and_then(|t| t.render(Jv::from_serialize(&ctx)));
    match rendered {
        Ok(html) => Page { status, html },
        Err(e) => {
            tracing::error!("console template {template}: {e:#}");
            Page {
                status: Status::InternalServerError,
                html: format!("<!doctype html><title>500</title><p>{}</p>", i18n::t(lang, "error.internal")),
            }
        }
    }
}

/// A page with one message (refusals, not-found).
pub fn message(visitor: &Visitor, status: Status, title_key: &str, detail: String) -> Page {
    render(visitor, status, "message.html", "/", json!({ "title_key": title_key, "detail": detail }))
}

/// A form body (`application/x-www-form-urlencoded`), read as name → value.
/// Names may contain dots: the console's inputs are JSON paths.
pub struct FormBody(pub crate::form::Raw);

impl FormBody {
    pub fn get(&self, name: &str) -> Option<&String> {
        self.0.get(name)
    }
}

/// The largest form body the console reads.
const FORM_LIMIT: u64 = 512 * 1024;

#[rocket::async_trait]
impl<'r> FromData<'r> for FormBody {
    type Error = String;

    async fn from_data(_req: &'r Request<'_>, data: Data<'r>) -> DataOutcome<'r, Self> {
        let text = match data.open(FORM_LIMIT.bytes()).into_string().await {
            Ok(s) if s.is_complete() => s.into_inner(),
            Ok(_) => return DataOutcome::Error((Status::PayloadTooLarge, "form too large".into())),
            Err(e) => return DataOutcome::Error((Status::BadRequest, e.to_string())),
        };
        let mut raw = crate::form::Raw::new();
        for pair in text.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| rocket::http::RawStr::new(&s.replace('+', " ")).url_decode_lossy().into_owned();
            raw.insert(decode(k), decode(v));
        }
        DataOutcome::Success(FormBody(raw))
    }
}

/// Adds the Content-Security-Policy to every response that has none;
/// Rocket's own security headers (Shield) stay as they are.
pub struct Csp;

#[rocket::async_trait]
impl rocket::fairing::Fairing for Csp {
    fn info(&self) -> rocket::fairing::Info {
        rocket::fairing::Info { name: "console content security policy", kind: rocket::fairing::Kind::Response }
    }

    async fn on_response<'r>(&self, _req: &'r Request<'_>, res: &mut Response<'r>) {
        if !res.headers().contains("Content-Security-Policy") {
            res.set_header(Header::new("Content-Security-Policy", CSP));
        }
    }
}

/// The console's stylesheets and script, served by the station itself.
pub const ASSETS: &[(&str, &str, &str)] = &[
    ("console.css", "text/css", include_str!("../assets/console.css")),
    ("print.css", "text/css", include_str!("../assets/print.css")),
    ("console.js", "text/javascript", include_str!("../assets/console.js")),
];

#[rocket::get("/assets/<name>")]
pub fn asset(name: &str) -> Option<(ContentType, &'static str)> {
    let (_, mime, body) = ASSETS.iter().find(|(n, _, _)| *n == name)?;
    Some((ContentType::parse_flexible(mime).unwrap_or(ContentType::Plain), *body))
}

/// A local path to return to (never another site).
pub fn local(back: Option<&str>) -> String {
    match back {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.to_string(),
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(local(Some("/permits")), "/permits");
        assert_eq!(local(Some("//evil.example")), "/");
        assert_eq!(local(Some("https://evil.example")), "/");
        assert_eq!(local(None), "/");
        assert_eq!(kebab("WorkInjuryOnly"), "work-injury-only");
        assert_eq!(kebab("Grade5"), "grade5");
    }
}
