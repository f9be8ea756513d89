//! A blocking driver for the machine over `ureq`, as a registry client would write one: it
//! sends request bodies (uploads), follows only the redirects the machine asks for, and keeps
//! a record of every HTTP exchange for the round-trip assertions.

use std::fmt;
use std::io::Read;
use std::time::{Duration, Instant};

use registry_auth::{
    Action, Authenticator, Config, Credentials, Error, FlowId, Method, Request, Response, Scope,
};
use ureq::http;

/// The largest body a scenario reads.
const BODY_LIMIT: u64 = 16 * 1024 * 1024;

/// Who a request was for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// The caller's own request ([`Action::Send`]), to the registry or where it redirected.
    Caller,
    /// A token request of the machine ([`Action::FetchToken`]).
    Token,
}

/// One HTTP exchange as the driver saw it.
#[derive(Clone, Debug)]
pub struct Exchange {
    pub purpose: Purpose,
    pub method: String,
    pub url: String,
    /// The scheme of the `Authorization` sent: `none`, `basic` or `bearer`.
    pub auth: &'static str,
    pub status: u16,
    /// The `WWW-Authenticate` of a 401.
    pub challenge: Option<String>,
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

#[derive(Debug)]
pub enum Failure {
    /// The machine ended the flow.
    Auth(Error),
    /// The network did (connection refused, timeout).
    Transport(String),
    /// The flow ended well but the answer is not what the scenario needs (a status, a body).
    Unexpected(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Auth(e) => write!(f, "{e}"),
            Failure::Transport(e) => write!(f, "transport: {e}"),
            Failure::Unexpected(e) => f.write_str(e),
        }
    }
}

/// A request to send through the machine.
pub struct Call<'a> {
    pub method: Method,
    pub url: &'a str,
    pub headers: Vec<(&'a str, String)>,
    pub body: Option<&'a [u8]>,
    pub scopes: &'a [Scope],
}

impl<'a> Call<'a> {
    pub fn new(method: Method, url: &'a str) -> Self {
        Call {
            method,
            url,
            headers: Vec::new(),
            body: None,
            scopes: &[],
        }
    }

    pub fn get(url: &'a str) -> Self {
        Call::new(Method::Get, url)
    }

    pub fn header(mut self, name: &'a str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn body(mut self, body: &'a [u8]) -> Self {
        self.body = Some(body);
        self
    }
}

pub struct Client {
    agent: ureq::Agent,
    pub auth: Authenticator,
    pub exchanges: Vec<Exchange>,
}

impl Client {
    pub fn new(config: Config) -> Client {
        let agent = ureq::Agent::config_builder()
            // Redirects are the machine's decision: it chooses what each hop may carry.
            .max_redirects(0)
            // Every 401 must reach the machine as a response, not as an error.
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .new_agent();
        Client {
            agent,
            auth: Authenticator::new(config),
            exchanges: Vec::new(),
        }
    }

    /// A client for the plain-http test servers, with credentials for `registry`.
    pub fn insecure(registry: &str, creds: Credentials) -> Client {
        let mut c = Client::new(Config::default().allow_insecure(true));
        c.auth.set_credentials(registry, creds);
        c
    }

    /// Sends one request through the machine until it is done.
    pub fn call(&mut self, call: &Call<'_>) -> Result<Reply, Failure> {
        let request = Request::new(call.method, call.url).scopes(call.scopes);
        let id = self
            .auth
            .start(request, Instant::now())
            .map_err(Failure::Auth)?;
        let mut last = None;
        loop {
            match self.auth.poll(id) {
                Action::Send(send) => {
                    let url = send.url().to_string();
                    let mut headers = call.headers.clone();
                    if let Some(a) = send.authorization() {
                        headers.push(("Authorization", a.expose().to_string()));
                    }
                    let body = match send.method() {
                        Method::Post | Method::Put | Method::Patch => {
                            Some(call.body.unwrap_or(&[]))
                        }
                        _ => None,
                    };
                    let method = send.method();
                    let r = self.exchange_for(id, Purpose::Caller, method, &url, &headers, body)?;
                    let head = pairs(&r.headers);
                    let response = Response::new(r.status).headers(&head).body(&r.body);
                    self.auth
                        .handle_response(id, response, Instant::now())
                        .expect("the machine asked for this send");
                    last = Some(r);
                }
                Action::FetchToken(req) => {
                    let mut headers = Vec::new();
                    if let Some(a) = req.authorization() {
                        headers.push(("Authorization", a.expose().to_string()));
                    }
                    if let Some(ct) = req.content_type() {
                        headers.push(("Content-Type", ct.to_string()));
                    }
                    let (method, url, body) = (req.method(), req.url(), req.body());
                    let r = self.exchange_for(id, Purpose::Token, method, url, &headers, body)?;
                    let head = pairs(&r.headers);
                    let response = Response::new(r.status).headers(&head).body(&r.body);
                    self.auth
                        .handle_token_response(id, response, Instant::now())
                        .expect("the machine asked for this fetch");
                }
                Action::Done => {
                    return last.ok_or_else(|| {
                        Failure::Unexpected("the machine finished before any response".into())
                    })
                }
                Action::Failed(e) => return Err(Failure::Auth(e)),
                Action::Wait => {
                    self.auth.cancel(id);
                    return Err(Failure::Unexpected(
                        "one flow at a time never waits for another".into(),
                    ));
                }
                other => panic!("an action this driver does not know: {other:?}"),
            }
        }
    }

    /// One exchange of flow `id`; a transport failure cancels the flow and ends the call.
    fn exchange_for(
        &mut self,
        id: FlowId,
        purpose: Purpose,
        method: Method,
        url: &str,
        headers: &[(&str, String)],
        body: Option<&[u8]>,
    ) -> Result<Reply, Failure> {
        self.exchange(purpose, method, url, headers, body)
            .map_err(|e| {
                self.auth.cancel(id);
                Failure::Transport(e)
            })
    }

    fn exchange(
        &mut self,
        purpose: Purpose,
        method: Method,
        url: &str,
        headers: &[(&str, String)],
        body: Option<&[u8]>,
    ) -> Result<Reply, String> {
        let mut builder = http::Request::builder().method(method.as_str()).uri(url);
        let mut auth = "none";
        for (name, value) in headers {
            if name.eq_ignore_ascii_case("authorization") {
                auth = if value.starts_with("Bearer ") {
                    "bearer"
                } else if value.starts_with("Basic ") {
                    "basic"
                } else {
                    "other"
                };
            }
            builder = builder.header(*name, value.as_str());
        }
        let result = match body {
            Some(b) => builder.body(b).map(|r| self.agent.run(r)),
            None => builder.body(()).map(|r| self.agent.run(r)),
        };
        let response = result
            .map_err(|e| format!("building {method} {url}: {e}"))?
            .map_err(|e| format!("{method} {url}: {e}"))?;
        let (head, body) = response.into_parts();
        let mut bytes = Vec::new();
        body.into_reader()
            .take(BODY_LIMIT)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("reading {method} {url}: {e}"))?;
        let status = head.status.as_u16();
        let challenge = (status == 401)
            .then(|| head.headers.get("www-authenticate"))
            .flatten()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        self.exchanges.push(Exchange {
            purpose,
            method: method.as_str().to_string(),
            url: url.to_string(),
            auth,
            status,
            challenge,
        });
        Ok(Reply {
            status,
            headers: head.headers,
            body: bytes,
        })
    }
}

fn pairs(headers: &http::HeaderMap) -> Vec<(&str, &[u8])> {
    headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()))
        .collect()
}
