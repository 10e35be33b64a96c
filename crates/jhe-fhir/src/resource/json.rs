//! JSON written straight to bytes, for the one response that carries many resources: a page of observations.
//!
//! Serializing the resource types through serde builds about twenty strings per observation and escapes every key
//! and value byte by byte, the base64 data point included, which can never need it. The writers here give the same
//! bytes at about a quarter of the cost. The resource types stay the definition: each writer's tests compare its
//! output with serde_json's for the type it stands for, on generated input.

/// Appends `text` as a JSON string, escaped exactly as serde_json escapes it.
pub(crate) fn push_string(out: &mut Vec<u8>, text: &str) {
    let plain = text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\');
    if plain {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        // Rare (a quote or a control character in an identifier, say): serde_json's own escaping. Writing a string
        // into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, text);
    }
}

/// Appends `n` in decimal.
pub(crate) fn push_decimal(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    push_unsigned(out, n.unsigned_abs());
}

/// Appends `n` in decimal.
pub(crate) fn push_unsigned(out: &mut Vec<u8>, n: u64) {
    let mut rest = n;
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn strings_are_escaped_as_serde_json_escapes_them(text in any::<String>()) {
            let mut ours = Vec::new();
            push_string(&mut ours, &text);
            prop_assert_eq!(ours, serde_json::to_vec(&text).unwrap());
        }

        #[test]
        fn integers_are_written_as_serde_json_writes_them(n in any::<i64>(), u in any::<u64>()) {
            let mut ours = Vec::new();
            push_decimal(&mut ours, n);
            prop_assert_eq!(ours, serde_json::to_vec(&n).unwrap());
            let mut ours = Vec::new();
            push_unsigned(&mut ours, u);
            prop_assert_eq!(ours, serde_json::to_vec(&u).unwrap());
        }
    }

    #[test]
    fn the_edges_of_both() {
        for text in [
            "",
            "\"",
            "\\",
            "\u{0}",
            "\u{1f}",
            "\u{7f}",
            "é\n\t\r\u{8}\u{c}",
            "a\"b",
        ] {
            let mut ours = Vec::new();
            push_string(&mut ours, text);
            assert_eq!(ours, serde_json::to_vec(text).unwrap(), "{text:?}");
        }
        for n in [0, 9, 10, -1, i64::MIN, i64::MAX] {
            let mut ours = Vec::new();
            push_decimal(&mut ours, n);
            assert_eq!(ours, serde_json::to_vec(&n).unwrap(), "{n}");
        }
    }
}
