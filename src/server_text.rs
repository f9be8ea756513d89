//! Text from a server made fit to show in an error: normalised, scrubbed of secrets, clipped.
//!
//! Realms and registries echo what they were sent (request bodies, `Authorization` values,
//! form fields) in `error_description`, `errors[].message` and `detail`, sometimes with control
//! bytes mixed in. Every piece of server text the crate keeps for an error goes through one
//! pipeline, in this order, because each step protects the next:
//!
//! 1. **Normalise**: drop control characters and invisible format characters (zero-width
//!    spaces, bidirectional overrides, soft hyphens), turn every run of whitespace into one
//!    space. A secret split by a NUL byte (`SECRE\0T`) becomes whole again here, so step 2
//!    finds it; secrets are normalised the same way before they are looked for.
//! 2. **Scrub**: cut out every secret, in every encoding it is sent in (as is, percent-encoded
//!    in a query or a form, `+` for a space, and the base64 of a Basic value), matched without
//!    regard to ASCII case (hex digits of a percent-encoding come in either case; cutting a
//!    little too much is harmless). Overlapping matches are cut as one. A secret shorter than
//!    [`MIN_SCRUB_LEN`] bytes would match ordinary words: a text holding one is dropped whole.
//! 3. **Clip**: keep at most [`MAX_TEXT`] characters and mark the cut with `...`. Whatever
//!    ends the kept text and could be the start of a secret is cut too, so no prefix of a
//!    secret survives the clip, whatever the server sent.
//!
//! The machine runs the pipeline when it makes an error, with every secret it holds and every
//! secret the failing flow put on the wire, and scrubs once more when it hands the error out
//! (another flow, or a credential change, may have added secrets since): see
//! [`Error`](crate::Error).

use alloc::string::String;
use alloc::vec::Vec;

use crate::secret::REDACTED;

/// The most characters kept of one piece of server text.
pub(crate) const MAX_TEXT: usize = 200;

/// Secrets shorter than this (after normalising) are not cut out of a text: the whole text is
/// dropped instead.
pub(crate) const MIN_SCRUB_LEN: usize = 4;

/// What marks a clipped text.
const CLIP_MARK: &str = "...";

/// Format characters that render as nothing; a server could hide a secret's parts behind them.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00ad}'
            | '\u{034f}'
            | '\u{061c}'
            | '\u{115f}'..='\u{1160}'
            | '\u{17b4}'..='\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{feff}'
            | '\u{ffa0}'
            | '\u{fff0}'..='\u{fff8}'
            | '\u{1bca0}'..='\u{1bca3}' | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0000}'..='\u{e0fff}'
    )
}

/// Step 1: controls and invisible characters out, whitespace runs to one space.
pub(crate) fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = true;
        } else if c.is_control() || is_invisible(c) {
            // Dropped without a trace, so that `SECRE\0T` reads as `SECRET`.
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

/// Server text with no secret to look for: normalised and clipped to [`MAX_TEXT`] characters.
pub(crate) fn clip(s: &str) -> String {
    clip_to(&normalise(s), MAX_TEXT)
}

/// Text clipped to `max` characters, the cut marked with `...`: the one truncation rule for
/// every piece of text an error echoes (server text after the pipeline's first two steps, or
/// the caller's own input, which errors quote as it is).
pub(crate) fn clip_to(s: &str, max: usize) -> String {
    Scrubber::default().scrub_clip(s, max, false)
}

/// The secrets to cut out of server text, in every form they may come back in.
#[derive(Default)]
pub(crate) struct Scrubber {
    /// Normalised, ASCII-lower-cased forms at least [`MIN_SCRUB_LEN`] bytes long, sorted.
    forms: Vec<String>,
    /// The same, sorted by their first four bytes, to find candidates at each position.
    by_key: Vec<(u32, usize)>,
    /// Normalised, lower-cased forms shorter than [`MIN_SCRUB_LEN`].
    short: Vec<String>,
    ready: bool,
}

impl core::fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Scrubber")
            .field("forms", &(self.forms.len() + self.short.len()))
            .finish()
    }
}

fn key(b: &[u8]) -> Option<u32> {
    match b {
        [a, b, c, d, ..] => Some(u32::from_le_bytes([*a, *b, *c, *d])),
        _ => None,
    }
}

impl Scrubber {
    /// Adds a secret in every encoding the crate sends secrets in: as is, percent-encoded as
    /// in a token request's query, and form-encoded as in an OAuth2 POST body (the encoders
    /// that build those requests make the forms looked for here).
    pub(crate) fn add(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        self.add_form(secret);
        let mut encoded = String::new();
        crate::query::encode_into(&mut encoded, secret);
        if encoded != secret {
            self.add_form(&encoded);
        }
        encoded.clear();
        encoded.extend(form_urlencoded::byte_serialize(secret.as_bytes()));
        if encoded != secret {
            self.add_form(&encoded);
        }
    }

    fn add_form(&mut self, form: &str) {
        let mut n = normalise(form);
        n.make_ascii_lowercase();
        if n.is_empty() {
            return;
        }
        self.ready = false;
        if n.len() < MIN_SCRUB_LEN {
            self.short.push(n);
        } else {
            self.forms.push(n);
        }
    }

    fn prepare(&mut self) {
        if self.ready {
            return;
        }
        self.forms.sort_unstable();
        self.forms.dedup();
        self.short.sort_unstable();
        self.short.dedup();
        self.by_key = self
            .forms
            .iter()
            .enumerate()
            .filter_map(|(i, f)| key(f.as_bytes()).map(|k| (k, i)))
            .collect();
        self.by_key.sort_unstable();
        self.ready = true;
    }

    /// Whether there is nothing to look for.
    pub(crate) fn is_empty(&self) -> bool {
        self.forms.is_empty() && self.short.is_empty()
    }

    /// The whole pipeline: normalise, scrub, clip.
    pub(crate) fn clean(&mut self, raw: &str) -> String {
        self.prepare();
        let text = normalise(raw);
        self.scrub_clip(&text, MAX_TEXT, false)
    }

    /// Scrubs a text that was cleaned before (with fewer secrets known), keeping its clip mark
    /// and cutting what could start a secret before it.
    pub(crate) fn rescrub(&mut self, shown: &mut String) {
        if self.is_empty() || shown.is_empty() {
            return;
        }
        self.prepare();
        let (body, clipped) = match shown.strip_suffix(CLIP_MARK) {
            Some(body) => (body, true),
            None => (shown.as_str(), false),
        };
        let text = normalise(body);
        *shown = self.scrub_clip(&text, usize::MAX, clipped);
    }

    /// Steps 2 and 3 over normalised text: at most `budget` characters are kept; `clipped`
    /// says the text was already cut before.
    fn scrub_clip(&self, text: &str, budget: usize, clipped: bool) -> String {
        let lower = text.to_ascii_lowercase();
        if self.short.iter().any(|s| lower.contains(s.as_str())) {
            return String::from(REDACTED);
        }
        let secrets = self.matches(lower.as_bytes());
        let mut out = String::with_capacity(text.len().min(budget.saturating_mul(4)));
        let mut chars = 0usize;
        let mut at = 0usize;
        // Where the last stretch of server text in `out` starts: only it can end in a part of
        // a secret.
        let mut tail_start = 0usize;
        let mut cut = false;
        let end_of_text = core::iter::once((text.len(), text.len()));
        'pieces: for (start, end) in secrets.into_iter().chain(end_of_text) {
            tail_start = out.len();
            for c in text.get(at..start).unwrap_or("").chars() {
                if chars == budget {
                    cut = true;
                    break 'pieces;
                }
                out.push(c);
                chars += 1;
            }
            if start == text.len() {
                break;
            }
            if chars.saturating_add(REDACTED.len()) > budget {
                // A marker cut in half reads as garbage: stop before it. The piece before it
                // stays the tail that may end in the start of a secret.
                cut = true;
                break;
            }
            out.push_str(REDACTED);
            chars += REDACTED.len();
            at = end;
        }
        if cut || clipped {
            // Cutting the start of one secret may leave text that starts another: cut until
            // nothing at the end could.
            loop {
                let keep = self.secret_start(&out, tail_start);
                if keep == out.len() {
                    break;
                }
                out.truncate(keep);
            }
            out.push_str(CLIP_MARK);
        }
        out
    }

    /// The byte ranges of `lower` that hold a secret, merged where they overlap.
    fn matches(&self, lower: &[u8]) -> Vec<(usize, usize)> {
        let mut cuts: Vec<(usize, usize)> = Vec::new();
        if self.by_key.is_empty() {
            return cuts;
        }
        for i in 0..lower.len() {
            let Some(rest) = lower.get(i..) else { break };
            let Some(k) = key(rest) else { break };
            let from = self.by_key.partition_point(|(fk, _)| *fk < k);
            let longest = self
                .by_key
                .get(from..)
                .unwrap_or(&[])
                .iter()
                .take_while(|(fk, _)| *fk == k)
                .filter_map(|(_, idx)| self.forms.get(*idx))
                .filter(|f| rest.starts_with(f.as_bytes()))
                .map(String::len)
                .max();
            if let Some(len) = longest {
                let end = i + len;
                match cuts.last_mut() {
                    Some((_, e)) if *e >= i => *e = (*e).max(end),
                    _ => cuts.push((i, end)),
                }
            }
        }
        cuts
    }

    /// Where, in `out[from..]`, the longest suffix that could begin a secret starts (or
    /// `out.len()` when none could).
    fn secret_start(&self, out: &str, from: usize) -> usize {
        let lower = out.to_ascii_lowercase();
        // In a sorted list, the entries that start with `s` follow the first one not below it.
        let begins = |list: &[String], s: &str| {
            let at = list.partition_point(|f| f.as_str() < s);
            list.get(at).is_some_and(|f| f.starts_with(s))
        };
        out.char_indices()
            .map(|(i, _)| i)
            .filter(|i| *i >= from)
            .find(|&i| {
                lower
                    .get(i..)
                    .is_some_and(|s| begins(&self.forms, s) || begins(&self.short, s))
            })
            .unwrap_or(out.len())
    }
}

#[cfg(test)]
mod tests;
