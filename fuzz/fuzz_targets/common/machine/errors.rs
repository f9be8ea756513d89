//! The oracle's rule for the errors a flow ends with: they name only what the policy refuses,
//! they are one line, and they never show a secret.
//!
//! The secret rule is the one `src/server_text.rs` and `src/machine/scrub.rs` state: an error
//! handed out never shows a secret the machine holds or the flow put on the wire, in any
//! encoding it sends secrets in, nor the start of one at a clip. It is checked in two shapes,
//! so that a mistake of one reading is caught by the other:
//!
//! - over each piece of server text the error holds (realms, schemes, scopes, `NotJson`'s
//!   reason, the token endpoint's and the registry's words), read as a person sees it
//!   (invisible characters removed, whitespace runs as one space, ASCII case ignored): no
//!   secret in any encoding (as is, percent-encoded as a query value or as a form, hex digits
//!   in any case); no control character; and a piece that ends in the clip mark does not end,
//!   before it, in the start of a secret, however short;
//! - over the whole `Display` and `Debug` text, byte for byte: no encoding of the world's own
//!   credential secrets (each holds `SECRET`) or of a Basic value made of them, nor one cut at
//!   a clip, whichever field of whichever error kind it hides in. Tokens a peer issued are
//!   left to the first check: the input chooses them, and one may be a word of the crate's
//!   own message (`token`, `registry.example.com`), which shows no secret.

use registry_auth::token::{ErrorBody, TokenError};
use registry_auth::{Error, PolicyError};

use super::model::{FlowInfo, World};
use super::origin::{is_internal, origin};
use super::world::NAMES;

/// What the crate writes where it cut a secret out of server text.
const REDACTED: &str = "<redacted>";

/// What the crate writes where it clipped server text.
const CLIP_MARK: &str = "...";

/// What every credential secret of the world holds.
const MARK: &str = "SECRET";

impl World {
    pub(super) fn check_error(&self, f: &FlowInfo, e: &Error) {
        assert!(
            !matches!(e, Error::UnknownFlow),
            "a live flow failed as unknown"
        );
        if let Error::Policy(PolicyError::InternalRealm {
            realm, registry, ..
        }) = e
        {
            // Refused only what the policy refuses, naming the flow's registry.
            assert_eq!(
                registry, NAMES[f.name],
                "internal realm refusal names {registry}"
            );
            if let Some(r) = origin(realm) {
                assert!(
                    is_internal(&r.host)
                        && r.host != f.origin.host
                        && !self.internal_allowed.contains(&f.name),
                    "realm {realm} refused as internal for {}",
                    f.url
                );
            }
        }
        let shown = e.to_string();
        crate::gen::assert_one_line("error", &shown);
        assert!(
            !shown.contains(char::is_control),
            "error shows a control character: {shown:?}"
        );
        let debug = format!("{e:?}");
        let secrets: Vec<String> = self
            .held_secrets()
            .into_iter()
            .chain(f.wire.iter().cloned())
            .collect();
        // The whole text, byte for byte.
        for secret in secrets.iter().filter(|s| is_the_worlds(s)) {
            for form in encodings(secret) {
                for text in [&shown, &debug] {
                    assert!(
                        !text.contains(&form),
                        "error shows {form} ({secret}): {text}"
                    );
                    for n in 4..form.len() {
                        let clipped = format!("{}{CLIP_MARK}", &form[..n]);
                        assert!(
                            !text.contains(&clipped),
                            "error shows the start of {form}: {text}"
                        );
                    }
                }
            }
        }
        // Each piece of server text, as read.
        let mut forms: Vec<String> = secrets
            .iter()
            .flat_map(|s| sent_encodings(s))
            .map(|f| read(&f).to_ascii_lowercase())
            .filter(|f| !f.is_empty())
            .collect();
        forms.sort();
        forms.dedup();
        for piece in server_texts(e) {
            check_piece(piece, &forms, &shown);
        }
    }
}

/// A credential secret of the world, or the base64 of a Basic value made of one.
fn is_the_worlds(secret: &str) -> bool {
    use base64::Engine as _;
    secret.contains(MARK)
        || base64::engine::general_purpose::STANDARD
            .decode(secret)
            .is_ok_and(|d| crate::gen::contains(&d, MARK.as_bytes()))
}

/// One piece of server text, against the read, lower-cased forms of every secret.
fn check_piece(piece: &str, forms: &[String], shown: &str) {
    assert!(
        !piece.contains(char::is_control),
        "server text keeps a control character: {piece:?} in {shown}"
    );
    let lower = piece.to_ascii_lowercase();
    // The stretches between the crate's own markers: no secret spans a marker.
    for stretch in lower.split(REDACTED) {
        let read = read(stretch);
        for form in forms {
            assert!(
                !read.contains(form.as_str()),
                "server text {piece:?} shows {form} (as read: case, whitespace and invisible \
                 characters aside) in {shown}"
            );
        }
    }
    // At a clip, the crate cuts what could start a secret from the last stretch it kept.
    let Some(kept) = lower.strip_suffix(CLIP_MARK) else {
        return;
    };
    let tail = visible(kept.rsplit(REDACTED).next().unwrap_or(kept));
    for (i, _) in tail.char_indices() {
        let end = &tail[i..];
        if let Some(form) = forms.iter().find(|f| f.starts_with(end)) {
            panic!(
                "server text {piece:?} ends in {end:?}, the start of {form}, at a clip: {shown}"
            );
        }
    }
}

/// Text as a person reads it: invisible characters (control characters, Unicode's
/// default-ignorable code points) removed, whitespace runs read as one space, none at the ends.
fn read(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
        } else if !c.is_control() && !is_default_ignorable(c) {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Text with what renders as nothing removed (control characters, default-ignorable code
/// points), whitespace kept as it is.
fn visible(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_whitespace() || (!c.is_control() && !is_default_ignorable(*c)))
        .collect()
}

/// The Default_Ignorable_Code_Point property of Unicode's DerivedCoreProperties.txt.
fn is_default_ignorable(c: char) -> bool {
    matches!(
        u32::from(c),
        0xad | 0x34f
            | 0x61c
            | 0x115f..=0x1160
            | 0x17b4..=0x17b5
            | 0x180b..=0x180f
            | 0x200b..=0x200f
            | 0x202a..=0x202e
            | 0x2060..=0x206f
            | 0x3164
            | 0xfe00..=0xfe0f
            | 0xfeff
            | 0xffa0
            | 0xfff0..=0xfff8
            | 0x1bca0..=0x1bca3
            | 0x1d173..=0x1d17a
            | 0xe0000..=0xe0fff
    )
}

/// The texts of a refusal's body.
fn body_texts<'e>(b: &'e ErrorBody, out: &mut Vec<&'e str>) {
    for entry in &b.errors {
        out.push(&entry.code);
        out.push(&entry.message);
        out.extend(entry.detail.as_deref());
    }
    out.extend(b.error.as_deref());
    out.extend(b.error_description.as_deref());
}

/// Every piece of text in an error that a server wrote or chose.
fn server_texts(e: &Error) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    match e {
        Error::NoUsableChallenge { offered } => out.extend(offered.iter().map(String::as_str)),
        Error::CredentialsRejected { by, body: b, .. } => {
            out.push(by);
            body_texts(b, &mut out);
        }
        Error::TokenEndpoint { realm, body: b, .. } => {
            out.push(realm);
            body_texts(b, &mut out);
        }
        Error::MalformedToken { realm, error } => {
            out.push(realm);
            if let TokenError::NotJson { reason } = error {
                out.push(reason);
            }
        }
        Error::TokenRejected { body: b, .. } => body_texts(b, &mut out),
        Error::InsufficientScope { scope, body: b, .. } => {
            out.push(scope);
            body_texts(b, &mut out);
        }
        Error::Policy(
            PolicyError::RealmScheme { realm }
            | PolicyError::InsecureRealm { realm }
            | PolicyError::InternalRealm { realm, .. },
        ) => out.push(realm),
        _ => {}
    }
    out
}

/// A secret as the machine sends it: as is, percent-encoded as a query value (RFC 3986: all
/// but `A-Za-z0-9-._~`, upper-case hex), and form-encoded (WHATWG
/// `application/x-www-form-urlencoded`: all but `A-Za-z0-9*-._`, a space as `+`).
fn sent_encodings(secret: &str) -> [String; 3] {
    let mut query = String::new();
    let mut form = String::new();
    for b in secret.bytes() {
        let e = format!("%{b:02X}");
        match b {
            b'-' | b'.' | b'_' | b'~' => query.push(char::from(b)),
            _ if b.is_ascii_alphanumeric() => query.push(char::from(b)),
            _ => query.push_str(&e),
        }
        match b {
            b' ' => form.push('+'),
            b'*' | b'-' | b'.' | b'_' => form.push(char::from(b)),
            _ if b.is_ascii_alphanumeric() => form.push(char::from(b)),
            _ => form.push_str(&e),
        }
    }
    [secret.to_string(), query, form]
}

/// The forms of [`sent_encodings`], the query form in lower case (which lowers the secret's
/// letters too), and the query form with `+` for a space: the byte-for-byte check's list.
fn encodings(secret: &str) -> Vec<String> {
    let [plain, query, form] = sent_encodings(secret);
    let lower = query.to_lowercase();
    let plus = query.replace("%20", "+");
    let mut out = vec![plain, query, form, lower, plus];
    out.sort();
    out.dedup();
    out
}
