//! The storage host a blob redirect points at: serves the registry's storage directory, as
//! distribution's `redirect` middleware lays it out (`/docker/registry/v2/blobs/...`), and
//! notes whether each request carried an `Authorization` header.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::http::{HttpRequest, HttpResponse, Server};

#[derive(Clone, Debug)]
pub struct FileHit {
    pub method: String,
    pub path: String,
    /// The `Authorization` header's scheme, if one was sent (never its value).
    pub authorization: Option<String>,
    pub status: u16,
}

pub struct FileServer {
    hits: Arc<Mutex<Vec<FileHit>>>,
    server: Server,
}

impl FileServer {
    pub fn start(root: PathBuf) -> FileServer {
        let hits = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&hits);
        let server = Server::start(Arc::new(move |r: &HttpRequest| {
            let response = serve(&root, r);
            log.lock().expect("file hits").push(FileHit {
                method: r.method.clone(),
                path: r.path().to_string(),
                authorization: r
                    .header("authorization")
                    .map(|v| v.split(' ').next().unwrap_or("").to_string()),
                status: response.status,
            });
            response
        }))
        .expect("start the file server");
        FileServer { hits, server }
    }

    /// The redirect base under the host name `host`: the server listens on `127.0.0.1`, so
    /// `localhost` (another host name and port than the registry's, another origin on both
    /// counts) and `127.0.0.1` (the registry's host, another port: still another origin) both
    /// reach it.
    pub fn base_url_on(&self, host: &str) -> String {
        format!("http://{host}:{}", self.server.port())
    }

    pub fn hits(&self) -> Vec<FileHit> {
        self.hits.lock().expect("file hits").clone()
    }
}

fn serve(root: &Path, r: &HttpRequest) -> HttpResponse {
    if r.method != "GET" && r.method != "HEAD" {
        return HttpResponse::new(405);
    }
    // Only plain path components: nothing outside the storage directory is served.
    let relative = Path::new(r.path().trim_start_matches('/'));
    if !relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
    {
        return HttpResponse::new(404);
    }
    match std::fs::read(root.join(relative)) {
        Ok(bytes) if r.method == "GET" => HttpResponse::new(200)
            .header("Content-Type", "application/octet-stream")
            .body(bytes),
        // A HEAD answer would need the length without the body; no scenario sends one here.
        Ok(_) => HttpResponse::new(200),
        Err(_) => HttpResponse::new(404),
    }
}
