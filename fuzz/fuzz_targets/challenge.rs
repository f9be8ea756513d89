//! Any bytes, cut into header values at `\n`, parse strictly and leniently to `Ok` or an error
//! inside the input, never a panic; any parsed list renders to a header that parses strictly
//! to the same list (an empty list to an empty value, which is an empty list again).
#![no_main]

#[path = "common/dict.rs"]
mod dict;

use libfuzzer_sys::fuzz_target;
use registry_auth::challenge::{Challenges, ParseError, ParserConfig};

fuzz_target!(init: dict::use_dictionary("challenge"), |data: &[u8]| {
    let values: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    let strict = ParserConfig::strict().parse_lines(values.iter().copied());
    let lenient = ParserConfig::lenient().parse_lines(values.iter().copied());
    for result in [&strict, &lenient] {
        match result {
            Ok(list) => check_render(list),
            Err(e) => check_error(e, &values),
        }
    }
    // The leniencies only admit more: a strictly valid header means the same to both.
    if let (Ok(s), Ok(l)) = (&strict, &lenient) {
        assert_eq!(s, l, "strict and lenient disagree");
    }
    assert!(
        strict.is_err() || lenient.is_ok(),
        "lenient rejects a strictly valid header"
    );
});

fn check_render(list: &Challenges<'_>) {
    let rendered = list.to_header_bytes();
    match Challenges::parse(&rendered) {
        Ok(again) => {
            assert_eq!(
                &again,
                list,
                "render {:?}",
                String::from_utf8_lossy(&rendered)
            );
            // Rendering is canonical, so a second round is byte for byte the first.
            assert_eq!(again.to_header_bytes(), rendered);
        }
        Err(e) => panic!(
            "render {:?} of {list:?} does not parse: {e}",
            String::from_utf8_lossy(&rendered)
        ),
    }
}

fn check_error(e: &ParseError, values: &[&[u8]]) {
    let value = values
        .get(e.value_index())
        .expect("error names an existing value");
    assert!(
        e.offset() <= value.len(),
        "{e:?} beyond {} bytes",
        value.len()
    );
}
