//! An async driver on tokio and hyper: many concurrent requests, one token fetch.
//!
//! ```text
//! cargo run --example async
//! ```
//!
//! The example starts a fake registry and its token endpoint (a hyper server on
//! `127.0.0.1`, plain http) in process, then fetches eight blobs of one repository at once
//! through ONE [`Authenticator`]. Every task meets the registry's 401, but the machine lets
//! only one of them ask the token endpoint; the others get [`Action::Wait`] and continue with
//! the shared token once it arrives. The fake endpoint counts its requests, and the example
//! checks that it saw exactly one.
//!
//! The authenticator is shared as `Arc<Mutex<Authenticator>>`. The machine does no I/O, so
//! every call on it is short: the lock is taken for one call at a time and never held across
//! an `.await` (a helper takes a closure, which cannot await).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::pin;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::{HeaderMap, StatusCode};
use hyper_util::rt::TokioIo;
use registry_auth::{Action, AuthScheme, Authenticator, Config, FlowId, Method, Request, Response};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

const TASKS: usize = 8;
const REPOSITORY: &str = "demo/app";
const TOKEN: &str = "demo-token-0001";

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Shared = Arc<Mutex<Authenticator>>;

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
    let auth: Shared = Arc::new(Mutex::new(Authenticator::new(
        Config::default().allow_insecure(true),
    )));
    let notify = Arc::new(Notify::new());

    println!(
        "# {TASKS} tasks fetch {TASKS} blobs of {REPOSITORY} at once through one authenticator"
    );
    let mut tasks = Vec::new();
    for n in 0..TASKS {
        let url = format!("{base}/v2/{REPOSITORY}/blobs/sha256:{n:064x}");
        let (auth, notify) = (Arc::clone(&auth), Arc::clone(&notify));
        tasks.push(tokio::spawn(async move {
            let result = fetch(&auth, &notify, &url).await;
            (url, result)
        }));
    }

    let mut failures = 0;
    for (n, task) in tasks.into_iter().enumerate() {
        let (url, result) = task.await?;
        match result {
            Ok(done) => {
                println!(
                    "task {n}: {} {} bytes {url}\n    {}",
                    done.status,
                    done.body_len,
                    done.steps.join(" -> ")
                );
                if !(200..300).contains(&done.status) {
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
    println!("tokens cached: {}", with_auth(&auth, |a| a.cached_tokens()));
    if failures > 0 {
        return Err(format!("{failures} of {TASKS} requests failed").into());
    }
    if token_requests != 1 {
        return Err(format!("expected one shared token fetch, saw {token_requests}").into());
    }
    println!("ok: {TASKS} concurrent flows shared one token fetch");
    Ok(())
}

/// Runs `f` on the authenticator under the lock. Taking a closure (which cannot `.await`)
/// keeps the guard from living across a suspension point.
fn with_auth<R>(auth: &Shared, f: impl FnOnce(&mut Authenticator) -> R) -> R {
    // A panic in another task cannot leave the machine half-updated (every call is one
    // synchronous step), so a poisoned lock is still safe to use.
    let mut guard = auth.lock().unwrap_or_else(PoisonError::into_inner);
    f(&mut guard)
}

/// Cancels the flow when the task ends early (an error, a panic, the task dropped), so that a
/// token fetch it was making is released and the flows waiting for it are woken to make their
/// own. Cancelling a flow that already ended is a no-op.
struct FlowGuard<'a> {
    auth: &'a Shared,
    notify: &'a Notify,
    id: FlowId,
}

impl Drop for FlowGuard<'_> {
    fn drop(&mut self) {
        with_auth(self.auth, |a| a.cancel(self.id));
        self.notify.notify_waiters();
    }
}

struct Done {
    status: u16,
    body_len: usize,
    steps: Vec<String>,
}

/// Drives one request's flow to its end.
async fn fetch(auth: &Shared, notify: &Notify, url: &str) -> Result<Done, BoxError> {
    let id = with_auth(auth, |a| a.start(Request::get(url), Instant::now()))?;
    let _guard = FlowGuard { auth, notify, id };
    let mut steps = Vec::new();
    let mut last: Option<(u16, usize)> = None;
    loop {
        // Register for a wake-up BEFORE polling. `notify_waiters` wakes only futures that
        // already exist, so a future made after `poll` said `Wait` could miss a fetch that
        // completes in between and sleep forever. A `Notified` receives `notify_waiters` from
        // the moment it is created; `enable` also makes it take a `notify_one` permit, should
        // anyone ever use one.
        let mut notified = pin!(notify.notified());
        notified.as_mut().enable();

        let action = with_auth(auth, |a| a.poll(id));
        match action {
            Action::Send(send) => {
                let target = send.url();
                let mut headers = HeaderMap::new();
                send.apply_to(&mut headers);
                let label = auth_label(send.authorization().map(|a| a.scheme()));
                let answer = exchange(send.method(), target, headers, None, SEND_BODY_LIMIT + 1)
                    .await
                    .and_then(|(head, body)| {
                        if body.len() > SEND_BODY_LIMIT {
                            Err(format!("body larger than {SEND_BODY_LIMIT} bytes").into())
                        } else {
                            Ok((head, body))
                        }
                    });
                match answer {
                    Ok((head, body)) => {
                        steps.push(format!("send auth={label} < {}", head.status.as_u16()));
                        let status = head.status.as_u16();
                        let response = Response::from(&head).body(&body);
                        with_auth(auth, |a| a.handle_response(id, response, Instant::now()))?;
                        last = Some((status, body.len()));
                    }
                    Err(e) => {
                        steps.push(format!("send auth={label} failed: {e}"));
                        with_auth(auth, |a| a.handle_send_failed(id, Instant::now()))?;
                        // The flow may have held a token fetch that others wait for.
                        notify.notify_waiters();
                    }
                }
            }
            Action::FetchToken(req) => {
                let mut headers = HeaderMap::new();
                if let Some(a) = req.authorization() {
                    headers.insert(header::AUTHORIZATION, a.to_header_value());
                }
                if let Some(ct) = req.content_type() {
                    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
                }
                let body = req.body().map(Bytes::copy_from_slice);
                let limit = with_auth(auth, |a| a.config().get_token_limits().get_max_body());
                let label = auth_label(req.authorization().map(|a| a.scheme()));
                match exchange(req.method(), req.url(), headers, body, limit + 1).await {
                    Ok((head, body)) => {
                        steps.push(format!(
                            "fetch token auth={label} < {}",
                            head.status.as_u16()
                        ));
                        let response = Response::from(&head).body(&body);
                        with_auth(auth, |a| {
                            a.handle_token_response(id, response, Instant::now())
                        })?;
                    }
                    Err(e) => {
                        steps.push(format!("fetch token failed: {e}"));
                        with_auth(auth, |a| a.handle_send_failed(id, Instant::now()))?;
                    }
                }
                // Success or failure, the flows waiting for this fetch can move on now.
                notify.notify_waiters();
            }
            Action::Wait => {
                steps.push("wait".into());
                // Woken by whichever flow reports the fetch's end. The timeout is only a
                // safety net: polling is cheap and always correct, so a missed wake-up would
                // cost a second, never a hang.
                let _ = tokio::time::timeout(Duration::from_secs(1), notified).await;
            }
            Action::Done => {
                steps.push("done".into());
                let (status, body_len) = last.ok_or("done before any response")?;
                return Ok(Done {
                    status,
                    body_len,
                    steps,
                });
            }
            Action::Failed(e) => return Err(e.into()),
            other => return Err(format!("unsupported action {other:?}").into()),
        }
    }
}

fn auth_label(scheme: Option<AuthScheme>) -> &'static str {
    match scheme {
        None => "none",
        Some(AuthScheme::Basic) => "basic",
        Some(AuthScheme::Bearer) => "bearer",
        Some(_) => "other",
    }
}

/// The most of a registry's answer this demo reads: its blobs are a few bytes.
const SEND_BODY_LIMIT: usize = 64 * 1024;

/// One HTTP/1 exchange on a fresh connection (plain http only): sends the request, keeps at
/// most `limit` bytes of the response body.
async fn exchange(
    method: Method,
    url: &str,
    headers: HeaderMap,
    body: Option<Bytes>,
    limit: usize,
) -> Result<(hyper::http::response::Parts, Bytes), BoxError> {
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
            .method(method.as_str())
            .uri(path)
            .body(Full::new(body.unwrap_or_default()))?;
        *request.headers_mut() = headers;
        request
            .headers_mut()
            .insert(header::HOST, HeaderValue::from_str(authority.as_str())?);
        let response = sender.send_request(request).await?;
        let (head, mut body) = response.into_parts();
        // Keep at most `limit` bytes and stop reading there: the machine, handed a body at its
        // cap, answers with its own "body too large" error, which says more than a transport
        // failure would.
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
        Ok::<_, BoxError>((head, Bytes::from(kept)))
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
