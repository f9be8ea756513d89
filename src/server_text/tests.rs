use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::*;

fn scrubber(secrets: &[&str]) -> Scrubber {
    let mut s = Scrubber::default();
    for secret in secrets {
        s.add(secret);
    }
    s
}

/// Every prefix of `secret` at least `min` bytes long that `shown` holds, case-insensitively.
fn prefixes_in(shown: &str, secret: &str, min: usize) -> Vec<String> {
    let lower = shown.to_ascii_lowercase();
    (min..=secret.len())
        .filter_map(|n| secret.get(..n))
        .filter(|p| lower.contains(&p.to_ascii_lowercase()))
        .map(ToString::to_string)
        .collect()
}

#[test]
fn a_secret_straddling_the_clip_leaves_no_part_behind() {
    let password = "Aq9-Zx81-Lm27-Pp0q-Rr4t-Uu8w-Kk3e-Nn6b-X";
    assert_eq!(password.len(), 40);
    // Wherever the echo lands relative to the cut, not one of its characters is shown.
    for filler in 150..=MAX_TEXT + 5 {
        let raw = format!("{}{password} and more text after it", "f".repeat(filler));
        let shown = scrubber(&[password]).clean(&raw);
        assert!(
            prefixes_in(&shown, password, 2).is_empty(),
            "filler {filler}: {shown}"
        );
        assert!(!shown.contains("Aq9"), "filler {filler}: {shown}");
        assert!(shown.chars().count() <= MAX_TEXT + CLIP_MARK.len());
    }
}

#[test]
fn a_server_prefix_of_a_secret_is_cut_at_the_clip() {
    // The server itself echoed only the start of the secret, right where the clip falls.
    let secret = "s3cr3t-value-0123456789";
    let echoed = &secret[..secret.len() - 1];
    for keep in 1..echoed.len() {
        let raw = format!("{}{echoed} and on", "x".repeat(MAX_TEXT - keep));
        let shown = scrubber(&[secret]).clean(&raw);
        assert!(shown.ends_with("..."), "{shown}");
        assert!(prefixes_in(&shown, secret, 2).is_empty(), "{keep}: {shown}");
    }
}

#[test]
fn control_bytes_inside_a_secret_do_not_hide_it() {
    // The fuzz finding: `rg3-SECRE\0T-x` printed as `rg3-SECRET-x`.
    let shown = scrubber(&["rg3-SECRET-x"]).clean("MMMMMM\u{fffd}7\u{fffd}rg3-SECRE\0T-x-%..");
    assert_eq!(shown, "MMMMMM\u{fffd}7\u{fffd}<redacted>-%..");
    let shown = scrubber(&["rg3-SECRET-x"]).clean("a rg3-\u{200b}SEC\u{202e}RET\u{7f}-x b");
    assert_eq!(shown, "a <redacted> b");
}

#[test]
fn whitespace_inside_a_secret_is_normalised_on_both_sides() {
    let secret = "two  words\tand a tab";
    let shown = scrubber(&[secret]).clean("said: two words and\n a   tab!");
    assert_eq!(shown, "said: <redacted>!");
}

#[test]
fn every_encoding_of_a_secret_is_scrubbed() {
    let password = "p@ss w0rd!";
    let s = &mut scrubber(&[password]);
    assert_eq!(
        s.clean("password=p%40ss%20w0rd%21&x=1"),
        "password=<redacted>&x=1"
    );
    assert_eq!(
        s.clean("password=p%40ss+w0rd%21&x=1"),
        "password=<redacted>&x=1"
    );
    assert_eq!(s.clean("password=p%40ss%20w0rd%21"), "password=<redacted>");
    // Hex digits in lower case, and the plain form.
    assert_eq!(
        s.clean("pw p%40ss%20w0rd%21 / p%40ss%20w0rd%21"),
        "pw <redacted> / <redacted>"
    );
    assert_eq!(s.clean("got P@SS W0RD! back"), "got <redacted> back");
    assert_eq!(
        s.clean("lower p%40ss%20w0rd%21 and plain p@ss w0rd!"),
        "lower <redacted> and plain <redacted>"
    );
}

#[test]
fn overlapping_secrets_are_cut_as_one() {
    let s = &mut scrubber(&["abcd1234", "1234wxyz"]);
    assert_eq!(s.clean("[abcd1234wxyz]"), "[<redacted>]");
    assert_eq!(s.clean("[1234wxyz abcd1234]"), "[<redacted> <redacted>]");
}

#[test]
fn a_short_secret_drops_the_whole_text() {
    let s = &mut scrubber(&["pw1"]);
    assert_eq!(s.clean("the password pw1 is wrong"), "<redacted>");
    assert_eq!(s.clean("nothing secret here"), "nothing secret here");
}

#[test]
fn a_secret_of_the_minimum_length_is_cut_out_not_the_whole_text() {
    let secret = "x".repeat(MIN_SCRUB_LEN);
    let s = &mut scrubber(&[&secret]);
    assert_eq!(
        s.clean(&format!("the password {secret} is wrong")),
        "the password <redacted> is wrong"
    );
}

#[test]
fn a_second_pass_with_no_secret_known_leaves_the_text_alone() {
    // A clip that falls on a space leaves it before the mark; normalising again would not.
    let shown = clip(&format!("{} tail", "y".repeat(MAX_TEXT - 1)));
    assert!(shown.ends_with("y ..."), "{shown}");
    let mut again = shown.clone();
    Scrubber::default().rescrub(&mut again);
    assert_eq!(again, shown);
}

#[test]
fn debug_counts_the_forms_and_never_shows_one() {
    // `pw1` is short: it is kept apart from the others, and counted with them.
    let s = scrubber(&["hunter22", "pw1"]);
    assert_eq!(format!("{s:?}"), "Scrubber { forms: 2 }");
}

#[test]
fn text_without_secrets_is_normalised_and_clipped() {
    assert_eq!(clip("  a\r\n\tb\0c  "), "a bc");
    let long = "y".repeat(MAX_TEXT + 1);
    let shown = clip(&long);
    assert_eq!(shown, format!("{}...", "y".repeat(MAX_TEXT)));
    assert_eq!(clip(&"z".repeat(MAX_TEXT)), "z".repeat(MAX_TEXT));
    // Characters, not bytes.
    assert_eq!(clip(&"é".repeat(MAX_TEXT)), "é".repeat(MAX_TEXT));
}

#[test]
fn cutting_the_start_of_one_secret_cuts_what_starts_another() {
    // `:` may start `:_aA`; once it is cut, `%` may start `%3A_aA`.
    for filler in [MAX_TEXT - 2, MAX_TEXT - 1] {
        let raw = format!("{}%:A and more", "b".repeat(filler));
        let shown = scrubber(&[":_aA"]).clean(&raw);
        assert!(shown.ends_with("b..."), "{filler}: {shown}");
    }
}

#[test]
fn a_redaction_marker_is_never_cut_in_half() {
    let secret = "0123456789abcdef";
    for filler in MAX_TEXT - 12..MAX_TEXT {
        let raw = format!("{}{secret} tail", "q".repeat(filler));
        let shown = scrubber(&[secret]).clean(&raw);
        let body = shown.strip_suffix("...").unwrap_or(&shown);
        assert_eq!(
            body.matches('<').count(),
            body.matches(REDACTED).count(),
            "{filler}: {shown}"
        );
    }
}

#[test]
fn rescrub_finds_secrets_learned_later_and_keeps_the_clip_mark() {
    let late = "late-secret-42";
    let shown = clip(&format!("early text {late} {}", "w".repeat(300)));
    assert!(shown.contains(late) && shown.ends_with("..."));
    let mut again = shown.clone();
    scrubber(&[late]).rescrub(&mut again);
    assert!(!again.contains(late), "{again}");
    assert!(again.starts_with("early text <redacted> ww") && again.ends_with("w..."));
    // A clipped text that ends in the start of a secret learned later loses that start.
    let mut partial = format!("{}late-sec...", "v".repeat(20));
    scrubber(&[late]).rescrub(&mut partial);
    assert_eq!(partial, format!("{}...", "v".repeat(20)));
    // Without a clip mark, the end is the server's own: kept.
    let mut whole = String::from("ends with late-sec");
    scrubber(&[late]).rescrub(&mut whole);
    assert_eq!(whole, "ends with late-sec");
}

#[test]
fn many_secrets_scrub_in_one_pass() {
    let secrets: Vec<String> = (0..5_000).map(|i| format!("tok-{i:05}-zz")).collect();
    let mut s = Scrubber::default();
    for t in &secrets {
        s.add(t);
    }
    let raw = format!("a tok-04999-zz b tok-00000-zz c {}", "n".repeat(60_000));
    let shown = s.clean(&raw);
    assert!(
        shown.starts_with("a <redacted> b <redacted> c nnn"),
        "{shown}"
    );
}

fn query_encoded(s: &str) -> String {
    let mut out = String::new();
    crate::query::encode_into(&mut out, s);
    out
}

fn form_encoded(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[test]
fn the_forms_looked_for_are_those_the_crate_sends() {
    // `*` stays as is in a form and `~` is escaped there; a query does the opposite.
    let secret = "p@ss w0rd*~!";
    assert_eq!(query_encoded(secret), "p%40ss%20w0rd%2A~%21");
    assert_eq!(form_encoded(secret), "p%40ss+w0rd*%7E%21");
    let s = &mut scrubber(&[secret]);
    for echo in [secret, &query_encoded(secret), &form_encoded(secret)] {
        assert_eq!(s.clean(&format!("[{echo}]")), "[<redacted>]", "{echo}");
    }
}

mod properties {
    use super::*;
    use alloc::vec;
    use proptest::prelude::*;

    /// Secrets as users have them: visible ASCII and spaces (no `<` or `>`, which the
    /// redaction marker itself is made of).
    fn secret() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9!@#$%&*+/=:;?_~. -]{1,40}"
    }

    /// How a server may echo a secret: as is, percent- or form-encoded, in another case,
    /// with control or invisible characters pushed into it.
    fn echo(secret: String, how: u8, noise: Vec<(usize, char)>) -> String {
        let form = match how % 4 {
            0 => secret,
            1 => query_encoded(&secret),
            2 => form_encoded(&secret),
            _ => secret.to_ascii_uppercase(),
        };
        let mut chars: Vec<char> = form.chars().collect();
        for (at, c) in noise {
            chars.insert(at % (chars.len() + 1), c);
        }
        chars.into_iter().collect()
    }

    fn noise() -> impl Strategy<Value = Vec<(usize, char)>> {
        prop::collection::vec(
            (
                any::<usize>(),
                prop::sample::select(vec![
                    '\0', '\u{7}', '\u{200b}', '\u{202e}', '\u{feff}', '\u{ad}',
                ]),
            ),
            0..3,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Whatever surrounds them and wherever the clip falls, no echoed secret, and no start
        /// of one at the clip, is shown; and the shown text stays within the clip length.
        #[test]
        fn no_secret_or_start_of_one_survives(
            secrets in prop::collection::vec(secret(), 1..4),
            pieces in prop::collection::vec(
                (any::<bool>(), "\\PC{0,60}", any::<usize>(), any::<u8>(), noise()),
                1..10,
            ),
        ) {
            let mut raw = String::new();
            for (is_secret, filler, which, how, noise) in pieces {
                if is_secret {
                    let s = secrets[which % secrets.len()].clone();
                    raw.push_str(&echo(s, how, noise));
                } else {
                    raw.push_str(&filler);
                }
            }
            let mut scrubber = Scrubber::default();
            for s in &secrets {
                scrubber.add(s);
            }
            let shown = scrubber.clean(&raw);
            prop_assert!(shown.chars().count() <= MAX_TEXT + CLIP_MARK.len());
            let lower = shown.to_ascii_lowercase();
            let body = lower.strip_suffix(CLIP_MARK);
            for s in &secrets {
                for form in [s.clone(), query_encoded(s), form_encoded(s)] {
                    let form = normalise(&form).to_ascii_lowercase();
                    if form.len() < MIN_SCRUB_LEN {
                        continue;
                    }
                    prop_assert!(!lower.contains(&form), "{form:?} in {shown:?}");
                    if let Some(body) = body {
                        for n in 1..form.len() {
                            prop_assert!(
                                !body.ends_with(&form[..n]),
                                "{:?} before the clip in {shown:?}", &form[..n]
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn a_marker_that_ends_exactly_at_the_budget_is_kept_whole() {
    let filler = "x".repeat(MAX_TEXT - REDACTED.len());
    let s = &mut scrubber(&["hunter22"]);
    assert_eq!(
        s.clean(&format!("{filler}hunter22")),
        format!("{filler}{REDACTED}")
    );
    // One character more and the marker no longer fits: the text is cut before it.
    assert_eq!(
        s.clean(&format!("{filler}yhunter22")),
        format!("{filler}y{CLIP_MARK}")
    );
}
