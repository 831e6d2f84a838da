//! A station on a free port with the console mounted, and headless Chromium
//! driven through chromedriver (started here, stopped on drop).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use juzhu_runtime::contract::types::Application;
use juzhu_runtime::module_set::ModuleSet;
use juzhu_runtime::{Runtime, SandboxLimits};
use juzhu_station::auth::{self, Role};
use juzhu_station::service::Service;
use juzhu_store::Store;
use serde_json::json;

pub const WAIT: Duration = Duration::from_secs(30);

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub struct Station {
    pub service: Arc<Service>,
    pub url: String,
    pub clerk: String,
    pub supervisor: String,
    pub admin: String,
    _dir: tempfile::TempDir,
}

/// A Gongshu applicant (the card test's), with `materials` handed in.
pub fn application(materials: &[&str]) -> Application {
    let materials: Vec<_> = materials.iter().map(|k| json!({ "kind": k, "source": "Submitted" })).collect();
    serde_json::from_value(json!({
        "jurisdiction": "330105",
        "identity": { "name": "王伟", "citizen_id": "340102198503150012", "current_address": "拱墅区湖墅南路1号" },
        "registrations": [{ "registered_on": "2016-06-01", "division": "330105", "address": "拱墅区湖墅南路1号", "changes": [] }],
        "insurance": [{ "from": "2016-06", "to": "2018-06", "division": "330105", "scope": "Full", "back_paid": false }],
        "employment": [{ "kind": "LabourContract", "division": "330105", "started_on": "2016-06-01" }],
        "housing": [], "schooling": [], "guardians": [], "special_statuses": [],
        "materials": materials,
        "points": { "awards": [], "violations": [], "assigned": [] }
    }))
    .unwrap()
}

pub const ALL_MATERIALS: [&str; 5] = ["ApplicationForm", "IdCard", "Photo", "InsuranceCertificate", "LabourContract"];

impl Station {
    /// The Gongshu module, a memory encoder `desk-1` (`[[encoders]] driver = "memory"`),
    /// one token per role, the API and the console on a free port.
    pub async fn start() -> Station {
        Station::start_with_retry_delay(10).await
    }

    /// [`Station::start`] with the card desk waiting `retry_delay_ms` between
    /// attempts, slow enough for a person (and a test) to watch a retry.
    pub async fn start_with_retry_delay(retry_delay_ms: u64) -> Station {
        Station::start_with(&["hangzhou-gongshu"], retry_delay_ms).await
    }

    /// A station serving the modules `names` (component names under
    /// target/modules), with the card desk's `retry_delay_ms`.
    pub async fn start_with(names: &[&str], retry_delay_ms: u64) -> Station {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("authority.key");
        std::fs::write(&key, juzhu_card::Authority::generate().seed_hex()).unwrap();
        let config: juzhu_station::config::StationConfig = toml_config(&format!(
            "[card]\nauthority_key = {:?}\nretry_delay_ms = {retry_delay_ms}\n\n[[encoders]]\nname = \"desk-1\"\ndriver = \"memory\"\n",
            key.display().to_string()
        ));
        let desk = juzhu_station::issuance::Desk::from_config(&config.card, &config.encoders).unwrap();
        let mut store = Store::open(dir.path().join("juzhu.db")).unwrap();
        let clerk = auth::create(&mut store, "test", "clerk-1", Role::Clerk).unwrap();
        let supervisor = auth::create(&mut store, "test", "supervisor-1", Role::Supervisor).unwrap();
        let admin = auth::create(&mut store, "test", "admin-1", Role::Admin).unwrap();
        let runtime = Runtime::new(SandboxLimits::default(), None).unwrap();
        let mut set = ModuleSet::default();
        for name in names {
            let path = juzhu_test_support::component(name);
            set.insert(runtime.load(&path.display().to_string(), &std::fs::read(&path).unwrap()).unwrap()).unwrap();
        }
        let service = Arc::new(Service::new(runtime, set, store).unwrap().with_cards(desk));
        let figment = rocket::Config::figment().merge(("log_level", rocket::config::LogLevel::Off));
        let limits = juzhu_station::http::Limits { max_body_bytes: 1 << 20 };
        // Served as `juzhu serve` serves it: through the station's listener.
        let rocket = juzhu_console::mount(juzhu_station::http::app(service.clone(), limits, figment));
        let client = rocket::local::asynchronous::Client::untracked(rocket).await.expect("the routes start");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let front = juzhu_station::front::FrontLimits::from_config(&Default::default());
        tokio::spawn(juzhu_station::front::serve(listener, client, front, std::future::pending()));
        Station { service, url: format!("http://127.0.0.1:{port}"), clerk, supervisor, admin, _dir: dir }
    }

    /// Records `application` as decided on 2017-06-15; returns the decision id.
    pub fn submit(&self, materials: &[&str]) -> i64 {
        self.service.submit("seed", &application(materials), Some("2017-06-15".into())).unwrap().decision_id
    }

    /// An eligible decision issued as a permit on 2017-06-20.
    pub fn permit(&self) -> (i64, String) {
        let id = self.submit(&ALL_MATERIALS);
        (id, self.service.issue("seed", id, Some("2017-06-20".into())).unwrap().number)
    }

    pub fn audit_len(&self) -> usize {
        self.service.audit(0, 1000).unwrap().len()
    }
}

fn toml_config(text: &str) -> juzhu_station::config::StationConfig {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("station.toml");
    std::fs::write(&path, text).unwrap();
    juzhu_station::config::StationConfig::load(&path).unwrap()
}

/// Headless Chromium through chromedriver, both stopped on drop.
pub struct Browser {
    pub c: Client,
    pub base: String,
    driver: Child,
    _profile: tempfile::TempDir,
}

fn find_binary(names: &[&str]) -> PathBuf {
    for name in names {
        for dir in ["/usr/bin", "/usr/lib/chromium", "/usr/local/bin"] {
            let p = PathBuf::from(dir).join(name);
            if p.exists() {
                return p;
            }
        }
    }
    panic!("{names:?} not found: run scripts/setup.sh (it installs Debian's chromium and chromium-driver)")
}

impl Browser {
    pub async fn open(base: &str) -> Browser {
        let chromium = find_binary(&["chromium"]);
        let chromedriver = find_binary(&["chromedriver"]);
        let port = free_port();
        use std::os::unix::process::CommandExt;
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                    "--disable-crash-reporter", "--disable-breakpad",
                    "--window-size=1280,1000", format!("--user-data-dir={}", profile.path().display())],
            }
        });
        let caps: fantoccini::wd::Capabilities = caps.as_object().unwrap().clone();
        let deadline = std::time::Instant::now() + WAIT;
        let c = loop {
            let mut builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
            builder.capabilities(caps.clone());
            match builder.connect(&format!("http://127.0.0.1:{port}")).await {
                Ok(c) => break c,
                Err(e) if std::time::Instant::now() > deadline => panic!("chromedriver: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        Browser { c, base: base.to_string(), driver, _profile: profile }
    }

    /// Ends the session: chromedriver and Chromium are stopped (see `Drop`).
    /// (`Client::close` would wait for every clone of the client to go.)
    pub async fn close(self) {
        drop(self);
    }

    pub async fn goto(&self, path: &str) {
        self.c.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    pub async fn wait(&self, css: &str) -> fantoccini::elements::Element {
        self.c
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("waiting for {css}: {e}"))
    }

    pub async fn exists(&self, css: &str) -> bool {
        !self.c.find_all(Locator::Css(css)).await.unwrap().is_empty()
    }

    pub async fn text(&self, css: &str) -> String {
        self.wait(css).await.text().await.unwrap()
    }

    /// Waits until the text of `css` satisfies `ok`; returns it.
    pub async fn wait_text(&self, css: &str, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let text = self.text(css).await;
            if ok(&text) {
                return text;
            }
            assert!(std::time::Instant::now() < deadline, "{css} never showed {what}; last: {text:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Runs `script` in the page (WebDriver's own channel: the page's CSP,
    /// which forbids inline script, does not apply to it).
    pub async fn execute(&self, script: &str) -> serde_json::Value {
        self.c.execute(script, vec![]).await.unwrap()
    }

    pub async fn fill(&self, css: &str, value: &str) {
        let e = self.wait(css).await;
        e.clear().await.unwrap();
        e.send_keys(value).await.unwrap();
    }

    pub async fn select(&self, css: &str, value: &str) {
        self.wait(css).await.select_by_value(value).await.unwrap();
    }

    /// Clicks `css` and waits for the page it loads to show `then`.
    pub async fn click_to(&self, css: &str, then: &str) {
        let old = self.c.find(Locator::Css("html")).await.unwrap();
        self.wait(css).await.click().await.unwrap();
        // The old page goes stale once the new one has loaded.
        let deadline = std::time::Instant::now() + WAIT;
        while old.tag_name().await.is_ok() {
            assert!(std::time::Instant::now() < deadline, "clicking {css} loaded no page");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.wait(then).await;
    }

    pub async fn sign_in(&self, token: &str) {
        self.goto("/sign-in").await;
        self.fill("#f-token", token).await;
        self.click_to("#sign-in", "#who").await;
    }

    /// Saves a screenshot as `target/screenshots/<name>.png`.
    pub async fn shot(&self, name: &str) {
        let dir = juzhu_test_support::workspace().join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), self.c.screenshot().await.unwrap()).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver and the Chromium it started share a process group.
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", self.driver.id())]).status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
