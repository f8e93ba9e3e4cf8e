//! Bare `NaN`, `Inf`, `Infinity` (optionally negative) in the JSON, which correctionlib's
//! parser accepts (CMS files write `-Infinity` bin edges) but JSON and serde do not.

use serde_json::Value as Json;
use std::borrow::Cow;

/// What a bare token becomes: a string no real file holds, read back by [`number`].
const MARK: char = '\u{1}';

/// Rewrites bare non-finite tokens outside strings as marked strings.
pub(crate) fn quote_nonfinite(text: &[u8]) -> Cow<'_, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    let (mut i, mut in_string, mut copied) = (0, false, 0);
    while i < text.len() {
        let c = text[i];
        if in_string {
            match c {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        if c == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        let neg = c == b'-';
        let rest = &text[i + usize::from(neg)..];
        let token = ["Infinity", "Inf", "NaN"]
            .into_iter()
            .find(|t| rest.starts_with(t.as_bytes()));
        if let Some(t) = token {
            let buf = out.get_or_insert_with(|| Vec::with_capacity(text.len() + 64));
            buf.extend_from_slice(&text[copied..i]);
            let word = if t == "NaN" {
                "nan"
            } else if neg {
                "-inf"
            } else {
                "inf"
            };
            buf.extend_from_slice(format!("\"\\u0001{word}\"").as_bytes());
            i += usize::from(neg) + t.len();
            copied = i;
            continue;
        }
        i += 1;
    }
    match out {
        Some(mut buf) => {
            buf.extend_from_slice(&text[copied..]);
            Cow::Owned(buf)
        }
        None => Cow::Borrowed(text),
    }
}

/// A JSON number, or a non-finite token rewritten by [`quote_nonfinite`].
pub(crate) fn number(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => match s.strip_prefix(MARK)? {
            "inf" => Some(f64::INFINITY),
            "-inf" => Some(f64::NEG_INFINITY),
            "nan" => Some(f64::NAN),
            _ => None,
        },
        _ => None,
    }
}
