//! A scripted peer for transcript tests: every request the machine asks for is written down
//! as one line, and answered with the next canned response.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::time::Duration;

use registry_auth::{Action, Authenticator, FlowId, Request, Response};

/// A canned HTTP response.
#[derive(Clone, Debug)]
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

pub fn resp(status: u16) -> Canned {
    Canned {
        status,
        headers: Vec::new(),
        body: Vec::new(),
    }
}

impl Canned {
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.as_bytes().to_vec()));
        self
    }

    pub fn challenge(self, value: &str) -> Self {
        self.header("WWW-Authenticate", value)
    }

    pub fn body(mut self, body: &str) -> Self {
        self.body = body.as_bytes().to_vec();
        self
    }

    pub fn token(token: &str, expires_in: u64) -> Self {
        resp(200).body(&format!(
            r#"{{"token":"{token}","expires_in":{expires_in}}}"#
        ))
    }
}

/// One line per action: `send METHOD URL auth=...`, `fetch METHOD URL auth=... [body=...]`,
/// `wait`, `done`, `failed: <message>`.
pub fn describe(action: &Action, _original_method: &str) -> String {
    match action {
        Action::Send(s) => {
            let method = s.method().as_str();
            let auth = s
                .authorization()
                .map_or("none".to_string(), |a| a.expose().to_string());
            format!("send {method} {} auth={auth}", s.url())
        }
        Action::FetchToken(f) => {
            let auth = f
                .authorization()
                .map_or("none".to_string(), |a| a.expose().to_string());
            let mut line = format!("fetch {} {} auth={auth}", f.method(), f.url());
            if let Some(b) = f.body() {
                line.push_str(&format!(" body={}", String::from_utf8_lossy(b)));
            }
            line
        }
        Action::Wait => "wait".into(),
        Action::Done => "done".into(),
        Action::Failed(e) => format!("failed: {e}"),
        other => format!("unknown action {other:?}"),
    }
}

/// Drives one flow to its end, answering each request with the next canned response; returns
/// the transcript. Panics if the machine asks for more requests than there are responses, or
/// fewer (an unused response means the script is wrong).
pub fn run(
    auth: &mut Authenticator,
    request: Request<'_>,
    url: &str,
    now: Duration,
    responses: Vec<Canned>,
) -> Vec<String> {
    let method = request.method().map_or("?", |m| m.as_str());
    let id = auth.start(request, now).expect("start");
    let mut script: VecDeque<Canned> = responses.into();
    let lines = drive(auth, id, method, now, &mut script);
    assert!(
        script.is_empty(),
        "unused responses: {script:?}\ntranscript: {lines:#?}"
    );
    // The first request goes where the caller asked (the URLs of these tests are written in
    // normal form: no default port, no fragment).
    if let Some(first) = lines.first().filter(|l| l.starts_with("send ")) {
        assert!(first.contains(&format!(" {url} ")), "{first} is not {url}");
    }
    lines
}

pub fn drive(
    auth: &mut Authenticator,
    id: FlowId,
    method: &str,
    now: Duration,
    script: &mut VecDeque<Canned>,
) -> Vec<String> {
    let mut lines = Vec::new();
    for _ in 0..64 {
        let action = auth.poll(id);
        lines.push(describe(&action, method));
        match action {
            Action::Send(_) | Action::FetchToken(_) => {
                let r = script
                    .pop_front()
                    .unwrap_or_else(|| panic!("script ran out; transcript: {lines:#?}"));
                let headers: Vec<(&str, &[u8])> = r
                    .headers
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.as_slice()))
                    .collect();
                let response = Response::new(r.status).headers(&headers).body(&r.body);
                if matches!(lines.last(), Some(l) if l.starts_with("send")) {
                    auth.handle_response(id, response, now)
                        .expect("handle_response");
                } else {
                    auth.handle_token_response(id, response, now)
                        .expect("handle_token_response");
                }
            }
            Action::Wait => return lines,
            _ => return lines,
        }
    }
    panic!("flow did not end: {lines:#?}");
}

pub fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}
