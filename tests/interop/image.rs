//! Small OCI images and the registry API calls that push and pull them.

use registry_auth::Method;
use serde_json::{json, Value};

use crate::driver::{Call, Client, Failure, Reply};

/// The `Accept` of a manifest request that takes every manifest and index format in use (OCI
/// image manifests and indexes, Docker schema 2 manifests and lists): a registry answers with
/// the first format it holds that the client accepts.
const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, \
application/vnd.oci.image.index.v1+json, \
application/vnd.docker.distribution.manifest.v2+json, \
application/vnd.docker.distribution.manifest.list.v2+json";

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

pub struct Blob {
    pub digest: String,
    pub bytes: Vec<u8>,
}

impl Blob {
    pub fn new(bytes: Vec<u8>) -> Blob {
        Blob {
            digest: digest(&bytes),
            bytes,
        }
    }
}

/// An image of one config blob and one layer blob.
pub struct Image {
    pub config: Blob,
    pub layer: Blob,
    pub manifest: Vec<u8>,
}

impl Image {
    /// A distinct image per `label` (its blobs differ), so that pushes to different
    /// repositories do not find each other's blobs.
    pub fn new(label: &str) -> Image {
        let config = Blob::new(
            json!({
                "architecture": "amd64",
                "os": "linux",
                "config": {"Labels": {"interop": label}},
                "rootfs": {"type": "layers", "diff_ids": []},
            })
            .to_string()
            .into_bytes(),
        );
        let layer = Blob::new(format!("layer of {label}\n").repeat(8).into_bytes());
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": config.digest,
                "size": config.bytes.len(),
            },
            "layers": [{
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                "digest": layer.digest,
                "size": layer.bytes.len(),
            }],
        })
        .to_string()
        .into_bytes();
        Image {
            config,
            layer,
            manifest,
        }
    }

    pub fn blobs(&self) -> [&Blob; 2] {
        [&self.config, &self.layer]
    }
}

pub fn digest(bytes: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, bytes);
    let hex: String = d.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// A reply with an unexpected status, as a failure message with the registry's words.
pub fn expect_status(what: &str, reply: &Reply, status: u16) -> Result<(), Failure> {
    if reply.status == status {
        return Ok(());
    }
    Err(Failure::Unexpected(format!(
        "{what}: expected {status}, got {} {}",
        reply.status,
        String::from_utf8_lossy(&reply.body)
    )))
}

/// Uploads one blob monolithically: `POST .../blobs/uploads/`, then `PUT <location>&digest=`.
pub fn push_blob(client: &mut Client, base: &str, repo: &str, blob: &Blob) -> Result<(), Failure> {
    let start = format!("{base}/v2/{repo}/blobs/uploads/");
    let reply = client.call(&Call::new(Method::Post, &start))?;
    expect_status("starting an upload", &reply, 202)?;
    let location = reply
        .header("location")
        .ok_or_else(|| Failure::Unexpected("upload without Location".into()))?;
    let mut put = absolute(base, location);
    put.push(if put.contains('?') { '&' } else { '?' });
    put.push_str("digest=");
    put.push_str(&blob.digest);
    let what = "finishing an upload";
    put_created(client, &put, "application/octet-stream", &blob.bytes, what)
}

/// `PUT url` with `body` as `content_type`, which the registry must answer with 201 Created.
fn put_created(
    client: &mut Client,
    url: &str,
    content_type: &str,
    body: &[u8],
    what: &str,
) -> Result<(), Failure> {
    let put = Call::new(Method::Put, url).header("Content-Type", content_type);
    let reply = client.call(&put.body(body))?;
    expect_status(what, &reply, 201)
}

/// Pushes both blobs, then the manifest under `tag`.
pub fn push(
    client: &mut Client,
    base: &str,
    repo: &str,
    tag: &str,
    image: &Image,
) -> Result<(), Failure> {
    for blob in image.blobs() {
        push_blob(client, base, repo, blob)?;
    }
    let url = format!("{base}/v2/{repo}/manifests/{tag}");
    let what = "putting the manifest";
    put_created(client, &url, OCI_MANIFEST, &image.manifest, what)
}

/// Pulls a manifest and every blob it names, checking each blob's digest. Returns the
/// number of blobs.
pub fn pull(
    client: &mut Client,
    base: &str,
    repo: &str,
    reference: &str,
) -> Result<usize, Failure> {
    let url = format!("{base}/v2/{repo}/manifests/{reference}");
    let reply = client.call(&Call::get(&url).header("Accept", MANIFEST_ACCEPT))?;
    expect_status("getting the manifest", &reply, 200)?;
    let manifest: Value = serde_json::from_slice(&reply.body)
        .map_err(|e| Failure::Unexpected(format!("manifest is not JSON: {e}")))?;
    let mut digests = vec![manifest["config"]["digest"]
        .as_str()
        .unwrap_or("")
        .to_string()];
    for layer in manifest["layers"].as_array().into_iter().flatten() {
        digests.push(layer["digest"].as_str().unwrap_or("").to_string());
    }
    for d in &digests {
        let body = pull_blob(client, base, repo, d)?;
        if &digest(&body) != d {
            return Err(Failure::Unexpected(format!(
                "blob {d} has the wrong content"
            )));
        }
    }
    Ok(digests.len())
}

pub fn pull_blob(
    client: &mut Client,
    base: &str,
    repo: &str,
    digest: &str,
) -> Result<Vec<u8>, Failure> {
    let url = format!("{base}/v2/{repo}/blobs/{digest}");
    let reply = client.call(&Call::get(&url))?;
    expect_status("getting a blob", &reply, 200)?;
    Ok(reply.body)
}

/// `POST /v2/<to>/blobs/uploads/?mount=<digest>&from=<from>`: the registry answers 201 when
/// it linked the blob, 202 when it fell back to starting an upload.
pub fn mount(
    client: &mut Client,
    base: &str,
    to: &str,
    from: &str,
    digest: &str,
) -> Result<Reply, Failure> {
    // No scope declared: the machine derives `pull` on the source from the query.
    let url = format!("{base}/v2/{to}/blobs/uploads/?mount={digest}&from={from}");
    client.call(&Call::new(Method::Post, &url))
}

/// distribution answers with absolute `Location`s built from the request's `Host`; a relative
/// one is resolved against the registry all the same.
fn absolute(base: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        location.to_string()
    } else {
        format!("{base}{location}")
    }
}
