//! One test's servers (registry, token issuer, file server) and the counting of what they
//! received.

use std::fmt::Write as _;
use std::io::Write as _;

use registry_auth::{Config, Credentials};

use crate::driver::{Client, Exchange, Purpose};
use crate::files::FileServer;
use crate::image::{self, Image};
use crate::issuer::{self, Issuer, TokenHit};
use crate::registry::{self, AuthMode, Hit, Options, Registry, Scratch};

/// htpasswd entries for alice (`alice-pw`) and bob (`bob-pw`), made once with
/// `htpasswd -Bbn -C 4`: bcrypt checks a fixed hash the same way every time, so CI needs no
/// htpasswd tool, and cost 4 keeps each Basic request cheap for the registry.
const HTPASSWD: [&str; 2] = [
    "alice:$2y$04$3tBZyuQnjEXkI95KrcUW2.ddFxmDdsCM1CQCn5UnfJWiwXF3jACD6",
    "bob:$2y$04$eY8GBvqTbw8FZPzUIRkpdeoYmFTB6fBgyfx1ozRuSht39FmU0AjAe",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `auth: token` with the test's issuer.
    Token,
    /// `auth: token`, and blob downloads redirected to the file server as `localhost`:
    /// another host name and another port than the registry's.
    TokenRedirect,
    /// The same, with the file server as `127.0.0.1`: the registry's own host, another port.
    TokenRedirectSameHost,
    /// `auth: htpasswd`: Basic only.
    Htpasswd,
    /// `auth: silly`: Bearer challenges, any `Authorization` accepted.
    Silly,
}

impl Mode {
    /// The host name the `redirect` middleware's `baseurl` gives the file server, in the modes
    /// that run one.
    pub fn storage_host(self) -> Option<&'static str> {
        match self {
            Mode::TokenRedirect => Some("localhost"),
            Mode::TokenRedirectSameHost => Some("127.0.0.1"),
            Mode::Token | Mode::Htpasswd | Mode::Silly => None,
        }
    }
}

/// The path of `url` if it is on `base` (`http://host:port`), port digits included: `base`
/// must be followed by the path, so `http://127.0.0.1:4000` is not on `http://127.0.0.1:400`.
pub fn path_on<'a>(url: &'a str, base: &str) -> Option<&'a str> {
    url.strip_prefix(base).filter(|rest| rest.starts_with('/'))
}

/// The servers of one test. Fields drop in order: the registry is stopped before the scratch
/// directory it writes to is removed.
pub struct Env {
    pub registry: Registry,
    issuer: Option<Issuer>,
    files: Option<FileServer>,
    mode: Mode,
    _scratch: Scratch,
}

/// Starts the servers for `mode`, or says why the test is skipped and returns `None`.
///
/// Without the registry binary a test prints one line and passes, unless `CI` is set: CI
/// must never pass by skipping.
pub fn start(mode: Mode) -> Option<Env> {
    let Some(binary) = registry::binary() else {
        let why = "docker-registry not installed (apt-get install docker-registry)";
        if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
            panic!("{why}, and CI is set: interop tests must run");
        }
        // Straight to the process's stderr: the test harness captures `eprintln!` of passing
        // tests, and a skip must be seen.
        // One write, so the line does not interleave with the harness's own.
        let _ = std::io::stderr().write_all(format!("skipped: {why}\n").as_bytes());
        return None;
    };
    let scratch = Scratch::new(&format!("{mode:?}").to_lowercase());
    let issuer = (mode != Mode::Htpasswd).then(Issuer::start);
    let files = mode
        .storage_host()
        .map(|_| FileServer::start(registry::storage_dir(scratch.path())));
    let auth = match (mode, &issuer) {
        (Mode::Htpasswd, _) => AuthMode::Htpasswd {
            lines: HTPASSWD.iter().map(|l| l.to_string()).collect(),
        },
        (Mode::Silly, Some(i)) => AuthMode::Silly {
            realm: i.realm(),
            service: issuer::SERVICE.into(),
        },
        (_, Some(i)) => AuthMode::Token {
            realm: i.realm(),
            service: issuer::SERVICE.into(),
            issuer: issuer::ISSUER.into(),
            cert_pem: i.cert_pem().into(),
        },
        (_, None) => unreachable!("every mode but htpasswd has an issuer"),
    };
    let options = Options {
        auth,
        redirect_to: files
            .as_ref()
            .zip(mode.storage_host())
            .map(|(f, host)| f.base_url_on(host)),
    };
    let registry = Registry::start(&binary, &scratch, &options);
    Some(Env {
        registry,
        issuer,
        files,
        mode,
        _scratch: scratch,
    })
}

/// What the servers had received when [`Env::mark`] was called.
pub struct Mark {
    registry: usize,
    tokens: usize,
}

/// What the servers received between a [`Mark`] and now.
#[derive(Debug)]
pub struct Counts {
    pub registry: Vec<Hit>,
    pub tokens: Vec<TokenHit>,
}

impl Counts {
    pub fn unauthorized(&self) -> usize {
        self.registry.iter().filter(|h| h.status == 401).count()
    }

    pub fn token_gets(&self) -> usize {
        self.tokens.iter().filter(|t| t.method == "GET").count()
    }

    pub fn token_posts(&self) -> usize {
        self.tokens.iter().filter(|t| t.method == "POST").count()
    }

    pub fn row(&self, scenario: &str, outcome: &str) -> Row {
        Row {
            scenario: scenario.into(),
            registry: self.registry.len(),
            unauthorized: self.unauthorized(),
            tokens: self.tokens.len(),
            outcome: outcome.into(),
        }
    }
}

/// One line of the round-trip table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub scenario: String,
    pub registry: usize,
    pub unauthorized: usize,
    pub tokens: usize,
    pub outcome: String,
}

pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| Scenario | Registry requests | of which 401 | Token requests | Outcome |\n\
         |---|---:|---:|---:|---|\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            r.scenario, r.registry, r.unauthorized, r.tokens, r.outcome
        );
    }
    out
}

impl Env {
    pub fn url(&self) -> String {
        self.registry.url()
    }

    /// `127.0.0.1:PORT`, the registry's name for credentials.
    pub fn host(&self) -> String {
        self.registry.host()
    }

    pub fn issuer(&self) -> &Issuer {
        self.issuer.as_ref().expect("this mode runs a token issuer")
    }

    pub fn files(&self) -> &FileServer {
        self.files.as_ref().expect("this mode runs a file server")
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// `http://HOST:PORT`, where the registry redirects blob downloads (the `redirect`
    /// middleware's `baseurl`): the file server under the mode's host name.
    pub fn storage_url(&self) -> String {
        let host = self
            .mode
            .storage_host()
            .expect("this mode runs a file server");
        self.files().base_url_on(host)
    }

    /// A client allowed to use the plain-http servers, with these credentials.
    pub fn client(&self, creds: Credentials) -> Client {
        Client::insecure(&self.host(), creds)
    }

    pub fn client_with(&self, config: Config, creds: Credentials) -> Client {
        let mut c = Client::new(config);
        c.auth.set_credentials(&self.host(), creds);
        c
    }

    /// Pushes `image` to `repo:tag` with a user who may (admin on a token registry).
    pub fn seed(&self, repo: &str, tag: &str, image: &Image) {
        let creds = match self.issuer {
            Some(_) => Credentials::basic(issuer::ADMIN.0, issuer::ADMIN.1),
            None => Credentials::basic(issuer::ALICE.0, issuer::ALICE.1),
        };
        let mut c = self.client(creds);
        if let Err(e) = image::push(&mut c, &self.url(), repo, tag, image) {
            panic!(
                "seeding {repo}:{tag} failed: {e}\n{}",
                self.registry.log_tail()
            );
        }
    }

    pub fn mark(&self) -> Mark {
        Mark {
            registry: self.registry.access_log().len(),
            tokens: self.issuer.as_ref().map_or(0, Issuer::hit_count),
        }
    }

    /// What the servers received since `mark`, checked against the `exchanges` the drivers
    /// made since then: the registry's log, the issuer's record and the driver must tell the
    /// same story, request by request.
    pub fn since(&self, mark: &Mark, exchanges: &[Exchange]) -> Counts {
        let registry: Vec<Hit> = self
            .registry
            .access_log()
            .into_iter()
            .skip(mark.registry)
            .collect();
        let tokens: Vec<TokenHit> = self
            .issuer
            .as_ref()
            .map(|i| i.hits().into_iter().skip(mark.tokens).collect())
            .unwrap_or_default();
        let base = self.url();
        let sent: Vec<(String, String, u16)> = exchanges
            .iter()
            .filter(|e| e.purpose == Purpose::Caller)
            .filter_map(|e| {
                let uri = path_on(&e.url, &base)?.to_string();
                Some((e.method.clone(), uri, e.status))
            })
            .collect();
        let logged: Vec<(String, String, u16)> = registry
            .iter()
            .map(|h| (h.method.clone(), h.uri.clone(), h.status))
            .collect();
        assert_eq!(
            logged,
            sent,
            "the registry's access log and the driver disagree\n{}",
            self.registry.log_tail()
        );
        let fetched: Vec<(String, u16)> = exchanges
            .iter()
            .filter(|e| e.purpose == Purpose::Token)
            .map(|e| (e.method.clone(), e.status))
            .collect();
        let received: Vec<(String, u16)> = tokens
            .iter()
            .map(|t| (t.method.clone(), t.status))
            .collect();
        assert_eq!(received, fetched, "the issuer and the driver disagree");
        Counts { registry, tokens }
    }
}
