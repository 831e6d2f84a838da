//! Server-side sessions. The browser holds only a random session id in an
//! HttpOnly, SameSite=Strict cookie; the token a person signed in with stays
//! on the server and is checked again on every request, so a revoked token
//! ends its sessions at once. Every form carries the session's CSRF token.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rocket::http::{Cookie, CookieJar, SameSite};
use rocket::request::{FromRequest, Outcome, Request};

use juzhu_station::auth::{Principal, Role};
use juzhu_station::service::Service;

use crate::i18n::Lang;

pub const COOKIE: &str = "juzhu_session";
/// A session unused this long is forgotten.
const IDLE: Duration = Duration::from_secs(8 * 3600);
/// At most this many sessions are kept; the least recently used goes first.
const MAX_SESSIONS: usize = 10_000;

/// What the station remembers of one browser.
#[derive(Clone)]
pub struct Session {
    pub csrf: String,
    pub lang: Lang,
    /// The token signed in with, never sent to the browser.
    token: Option<String>,
    /// The application being prepared: what was typed, and its decision.
    pub draft: Option<crate::pages::apply::Draft>,
    last_seen: Instant,
}

#[derive(Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
}

fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the system's random number generator works");
    hex::encode(bytes)
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn cookie(id: String) -> Cookie<'static> {
    Cookie::build((COOKIE, id)).http_only(true).same_site(SameSite::Strict).path("/").build()
}

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new session id, holding `session`; older idle ones are dropped.
    fn insert(&self, session: Session) -> String {
        let id = random_hex();
        let mut map = self.lock();
        map.retain(|_, s| s.last_seen.elapsed() < IDLE);
        if map.len() >= MAX_SESSIONS
            && let Some(oldest) = map.iter().min_by_key(|(_, s)| s.last_seen).map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
        map.insert(id.clone(), session);
        id
    }

    fn get(&self, id: &str) -> Option<Session> {
        let mut map = self.lock();
        let s = map.get_mut(id)?;
        if s.last_seen.elapsed() >= IDLE {
            map.remove(id);
            return None;
        }
        s.last_seen = Instant::now();
        Some(s.clone())
    }

    /// Changes the stored session `id`.
    pub fn update(&self, id: &str, f: impl FnOnce(&mut Session)) {
        if let Some(s) = self.lock().get_mut(id) {
            f(s);
        }
    }

    /// Signs in: a new session id (the old one is dropped, so an id planted
    /// before sign-in is worth nothing) with a new CSRF token.
    pub fn sign_in(&self, jar: &CookieJar<'_>, old: &str, lang: Lang, token: String) {
        self.lock().remove(old);
        let id = self.insert(Session {
            csrf: random_hex(),
            lang,
            token: Some(token),
            draft: None,
            last_seen: Instant::now(),
        });
        jar.add(cookie(id));
    }

    /// Signs out: the session is dropped and a fresh anonymous one started.
    pub fn sign_out(&self, jar: &CookieJar<'_>, old: &str, lang: Lang) {
        self.lock().remove(old);
        let id = self.insert(Session { csrf: random_hex(), lang, token: None, draft: None, last_seen: Instant::now() });
        jar.add(cookie(id));
    }
}

/// Whoever is asking: their session (one is started if they had none) and,
/// if signed in with a token that is still valid, who they are.
pub struct Visitor {
    pub id: String,
    pub session: Session,
    pub who: Option<Principal>,
    pub sessions: Arc<Sessions>,
    pub service: Arc<Service>,
}

impl Visitor {
    pub fn lang(&self) -> Lang {
        self.session.lang
    }

    pub fn role(&self) -> Option<Role> {
        self.who.as_ref().map(|p| p.role)
    }

    /// Whether the visitor may do what `role` may.
    pub fn can(&self, role: Role) -> bool {
        self.role().is_some_and(|r| r.covers(role))
    }

    /// Whether `sent` is this session's CSRF token.
    pub fn csrf_ok(&self, sent: Option<&String>) -> bool {
        sent.is_some_and(|s| same(s, &self.session.csrf))
    }

    pub fn update(&self, f: impl FnOnce(&mut Session)) {
        self.sessions.update(&self.id, f)
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Visitor {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        let (Some(sessions), Some(service)) =
            (req.rocket().state::<Arc<Sessions>>(), req.rocket().state::<Arc<Service>>())
        else {
            return Outcome::Error((rocket::http::Status::InternalServerError, ()));
        };
        let jar = req.cookies();
        let existing = jar.get(COOKIE).and_then(|c| sessions.get(c.value()).map(|s| (c.value().to_string(), s)));
        let (id, session) = match existing {
            Some(found) => found,
            None => {
                let session = Session {
                    csrf: random_hex(),
                    lang: Lang::default(),
                    token: None,
                    draft: None,
                    last_seen: Instant::now(),
                };
                let id = sessions.insert(session.clone());
                jar.add(cookie(id.clone()));
                (id, session)
            }
        };
        let who = match &session.token {
            Some(token) => match service.authenticate(token) {
                Ok(Some(p)) => {
                    juzhu_station::http::access_log::actor(req, &p.name);
                    Some(p)
                }
                _ => None,
            },
            None => None,
        };
        Outcome::Success(Visitor { id, session, who, sessions: sessions.clone(), service: service.clone() })
    }
}

#[cfg(test)]
mod tests {
    use super::same;

    #[test]
    fn secrets_compare_exactly() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
    }
}
