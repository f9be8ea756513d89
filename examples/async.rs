//! An async driver on tokio and hyper: many concurrent requests, one token fetch.
//!
//! ```text
//! cargo run --example async
//! ```
//!
//! The example starts a fake registry and its token endpoint (a hyper server on
//! `127.0.0.1`, plain http) in process, then fetches eight blobs of one repository at once
//! through ONE [`Authenticator`], shared as `Arc<Mutex<Authenticator>>`. Every task meets the
//! registry's 401, but the machine lets only one of them ask the token endpoint; the others
//! wait, and the machine wakes them when the token arrives. The fake endpoint counts its
//! requests, and the example checks that it saw exactly one.
//!
//! The loop is [`drive::run_async`]'s: this file is the transport (one hyper exchange, and
//! tokio's sleep) and the tasks.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::{HeaderMap, StatusCode};
use hyper_util::rt::TokioIo;
use registry_auth::drive::{self, AsyncTransport, Exchange};
use registry_auth::{AuthScheme, Authenticator, Config, Request};
use tokio::net::{TcpListener, TcpStream};

const TASKS: usize = 8;
const REPOSITORY: &str = "demo/app";
const TOKEN: &str = "demo-token-0001";

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), BoxError> {
    let registry = FakeRegistry::start().await?;
    let base = format!("http://{}", registry.addr);
    println!("# fake registry and token endpoint on {base}");

    // Plain http on loopback: the registry, its realm and the token must be allowed on it.
    let config = Config::default().allow_insecure(true);
    let auth = Arc::new(Mutex::new(Authenticator::new(config)));

    println!(
        "# {TASKS} tasks fetch {TASKS} blobs of {REPOSITORY} at once through one authenticator"
    );
    let mut tasks = Vec::new();
    for n in 0..TASKS {
        let url = format!("{base}/v2/{REPOSITORY}/blobs/sha256:{n:064x}");
        let auth = Arc::clone(&auth);
        tasks.push(tokio::spawn(async move {
            let mut hyper = Hyper::default();
            let result = drive::run_async(&auth, Request::get(&url), &mut hyper).await;
            (url, hyper.steps, result)
        }));
    }

    let mut failures = 0;
    for (n, task) in tasks.into_iter().enumerate() {
        let (url, steps, result) = task.await?;
        match result {
            Ok(answer) => {
                let status = answer.status().as_u16();
                let len = answer.body().len();
                println!(
                    "task {n}: {status} {len} bytes {url}\n    {}",
                    steps.join(" -> ")
                );
                if !(200..300).contains(&status) {
                    failures += 1;
                }
            }
            Err(e) => {
                println!("task {n}: error: {e} {url}");
                failures += 1;
            }
        }
    }

    let token_requests = registry.token_requests.load(Ordering::SeqCst);
    println!("token requests seen by the token endpoint: {token_requests}");
    let cached = auth.lock().map_or(0, |a| a.cached_tokens());
    println!("tokens cached: {cached}");
    if failures > 0 {
        return Err(format!("{failures} of {TASKS} requests failed").into());
    }
    if token_requests != 1 {
        return Err(format!("expected one shared token fetch, saw {token_requests}").into());
    }
    println!("ok: {TASKS} concurrent flows shared one token fetch");
    Ok(())
}

/// The transport: one HTTP/1 exchange per request over hyper, and tokio's timer. It keeps a
/// line per exchange for the output.
#[derive(Default)]
struct Hyper {
    steps: Vec<String>,
}

impl AsyncTransport for Hyper {
    type Response = hyper::Response<Bytes>;
    type Error = BoxError;

    async fn exchange(&mut self, x: Exchange<'_>) -> Result<hyper::Response<Bytes>, BoxError> {
        let mut headers = HeaderMap::new();
        x.apply_to(&mut headers);
        let what = if x.is_token_request() {
            "fetch token"
        } else {
            "send"
        };
        let auth = match x.authorization().map(|a| a.scheme()) {
            None => "none",
            Some(AuthScheme::Basic) => "basic",
            Some(AuthScheme::Bearer) => "bearer",
            Some(_) => "other",
        };
        let body = x.body().map(Bytes::copy_from_slice).unwrap_or_default();
        // What the machine needs of the body, or this demo's cap for the caller's answer.
        let limit = |status: u16| x.read_limit(status).unwrap_or(64 * 1024);
        let result = exchange(x.method().as_str(), x.url(), headers, body, limit).await;
        let outcome = match &result {
            Ok(r) => r.status().as_u16().to_string(),
            Err(e) => format!("failed: {e}"),
        };
        self.steps.push(format!("{what} auth={auth} < {outcome}"));
        result
    }

    async fn sleep(&mut self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// One HTTP/1 exchange on a fresh connection (plain http only): sends the request, keeps at
/// most `limit(status)` bytes of the response body.
async fn exchange(
    method: &str,
    url: &str,
    headers: HeaderMap,
    body: Bytes,
    limit: impl Fn(u16) -> usize,
) -> Result<hyper::Response<Bytes>, BoxError> {
    let uri: hyper::Uri = url.parse()?;
    if uri.scheme_str() != Some("http") {
        return Err(format!("this example speaks plain http only: {url}").into());
    }
    let authority = uri.authority().ok_or("url without a host")?.clone();
    let path = uri.path_and_query().map_or("/", |p| p.as_str());

    let work = async {
        let stream = TcpStream::connect(authority.as_str()).await?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        // The connection future does the actual reading and writing; it ends with the
        // exchange, since the sender is dropped afterwards.
        tokio::spawn(connection);
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(path)
            .body(Full::new(body))?;
        *request.headers_mut() = headers;
        request
            .headers_mut()
            .insert(header::HOST, HeaderValue::from_str(authority.as_str())?);
        let response = sender.send_request(request).await?;
        let (head, mut body) = response.into_parts();
        // Keep at most `limit` bytes and stop reading there: the machine, handed a token body
        // at its cap, answers with its own "body too large" error.
        let limit = limit(head.status.as_u16());
        let mut kept = Vec::new();
        while kept.len() < limit {
            let Some(frame) = body.frame().await else {
                break;
            };
            if let Ok(data) = frame?.into_data() {
                let room = limit - kept.len();
                kept.extend_from_slice(&data[..data.len().min(room)]);
            }
        }
        Ok::<_, BoxError>(hyper::Response::from_parts(head, Bytes::from(kept)))
    };
    tokio::time::timeout(Duration::from_secs(10), work).await?
}

// ---- the fake registry --------------------------------------------------------------------

/// A registry that wants a Bearer token for every blob of `demo/app`, and its token endpoint,
/// on one listener.
struct FakeRegistry {
    addr: SocketAddr,
    token_requests: Arc<AtomicUsize>,
}

impl FakeRegistry {
    async fn start() -> Result<Self, BoxError> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let token_requests = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&token_requests);
        // Lives until the runtime shuts down at the end of `main`.
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let counter = Arc::clone(&counter);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        answer(req, addr, Arc::clone(&counter))
                    });
                    // A client hanging up early is the client's business.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(FakeRegistry {
            addr,
            token_requests,
        })
    }
}

async fn answer(
    req: hyper::Request<Incoming>,
    addr: SocketAddr,
    token_requests: Arc<AtomicUsize>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path();
    let reply = |status: StatusCode, body: String| {
        let mut r = hyper::Response::new(Full::new(Bytes::from(body)));
        *r.status_mut() = status;
        r
    };
    if path == "/token" {
        token_requests.fetch_add(1, Ordering::SeqCst);
        let wanted = "scope=repository%3Ademo%2Fapp%3Apull";
        if !req.uri().query().is_some_and(|q| q.contains(wanted)) {
            return Ok(reply(
                StatusCode::BAD_REQUEST,
                r#"{"error":"invalid_scope"}"#.into(),
            ));
        }
        // A slow token endpoint, so that the other tasks meet the fetch in progress.
        tokio::time::sleep(Duration::from_millis(100)).await;
        return Ok(reply(
            StatusCode::OK,
            format!(r#"{{"token":"{TOKEN}","expires_in":300}}"#),
        ));
    }
    let Some(digest) = path.strip_prefix(&format!("/v2/{REPOSITORY}/blobs/")) else {
        return Ok(reply(
            StatusCode::NOT_FOUND,
            r#"{"errors":[{"code":"NAME_UNKNOWN"}]}"#.into(),
        ));
    };
    let authorized = req
        .headers()
        .get(header::AUTHORIZATION)
        .is_some_and(|v| v.as_bytes() == format!("Bearer {TOKEN}").as_bytes());
    if !authorized {
        let mut r = reply(
            StatusCode::UNAUTHORIZED,
            r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#.into(),
        );
        let challenge = format!(
            r#"Bearer realm="http://{addr}/token",service="fake-registry",scope="repository:{REPOSITORY}:pull""#
        );
        if let Ok(v) = HeaderValue::from_str(&challenge) {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        return Ok(r);
    }
    Ok(reply(StatusCode::OK, format!("blob {digest}\n")))
}
