//! Writes JSON the way Python's `json.dumps` does, or in a file's own style.
//!
//! nbformat (and so nbstripout) writes with `indent=1, sort_keys=True,
//! separators=(",", ": ")`, Python's float `repr`, and either raw non-ASCII
//! (nbformat 4) or `\uXXXX` escapes (older formats). Matching that byte for
//! byte is what keeps a team's diffs quiet when they switch tools.

use super::json::{Member, Node, Number, Str, Value, code_points, parse_number};

/// How to lay out and spell the JSON text.
#[derive(Debug, Clone)]
pub struct Style {
    /// One level of indentation; `None` writes everything on one line.
    pub indent: Option<String>,
    /// Between items of a container, before the newline (`","`), or on one
    /// line (`", "`).
    pub item_sep: String,
    /// Between a key and its value (`": "`).
    pub key_sep: String,
    pub sort_keys: bool,
    /// Escape every non-ASCII character as `\uXXXX` (Python's `ensure_ascii`).
    pub ascii: bool,
    /// Copy strings and numbers read from the file exactly as they were
    /// written instead of re-spelling them the way Python would.
    pub verbatim: bool,
    pub newline: &'static str,
}

impl Style {
    /// What nbformat's writer for a major version uses.
    pub fn nbformat(major: i64) -> Style {
        let (indent, sort_keys) = if major == 1 { (4, false) } else { (1, true) };
        Style {
            indent: Some(" ".repeat(indent)),
            item_sep: ",".into(),
            key_sep: ": ".into(),
            sort_keys,
            ascii: major != 4,
            verbatim: false,
            newline: "\n",
        }
    }
}

/// A string held a surrogate escape without its pair: Python reads it, but
/// cannot write it as UTF-8 (nbformat 4 writes non-ASCII raw).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoneSurrogate;

pub fn to_string(node: &Node<'_>, style: &Style) -> Result<String, LoneSurrogate> {
    let mut w = Writer {
        out: String::with_capacity(node.end.saturating_sub(node.start) + 64),
        style,
        breaks: String::new(),
        level: 0,
        failed: false,
    };
    w.value(node);
    if w.failed {
        Err(LoneSurrogate)
    } else {
        Ok(w.out)
    }
}

struct Writer<'s> {
    out: String,
    style: &'s Style,
    /// The style's newline followed by its indentation, repeated.
    breaks: String,
    level: usize,
    failed: bool,
}

impl Writer<'_> {
    /// A newline and the indentation of the current level, sliced from a
    /// run of them built once per document rather than pushed a level at
    /// a time.
    fn line_break(&mut self) {
        let style = self.style;
        let Some(indent) = &style.indent else {
            return;
        };
        let want = style.newline.len() + indent.len() * self.level;
        if self.breaks.is_empty() {
            self.breaks.push_str(style.newline);
        }
        while self.breaks.len() < want {
            self.breaks.push_str(indent);
        }
        self.out.push_str(&self.breaks[..want]);
    }

    fn value(&mut self, node: &Node<'_>) {
        match &node.value {
            Value::Null => self.out.push_str("null"),
            Value::Bool(true) => self.out.push_str("true"),
            Value::Bool(false) => self.out.push_str("false"),
            Value::Number(text) => self.number(text),
            Value::String(s) => self.string(s),
            Value::Lazy(lazy) if self.style.verbatim => {
                let text = std::str::from_utf8(&lazy.document[node.start..node.end]);
                self.out.push_str(text.expect("a parsed document is UTF-8"));
            }
            Value::Lazy(_) => {
                let mut built = node.clone();
                built.materialize();
                self.value(&built);
            }
            Value::Array(items) => {
                if items.is_empty() {
                    self.out.push_str("[]");
                    return;
                }
                self.out.push('[');
                self.level += 1;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(&self.style.item_sep);
                    }
                    self.line_break();
                    self.value(item);
                }
                self.level -= 1;
                self.line_break();
                self.out.push(']');
            }
            Value::Object(members) => {
                if members.is_empty() {
                    self.out.push_str("{}");
                    return;
                }
                self.out.push('{');
                self.level += 1;
                let in_order = || {
                    members
                        .windows(2)
                        .all(|w| w[0].key.cmp_value(&w[1].key).is_le())
                };
                if self.style.sort_keys && !in_order() {
                    let mut order: Vec<&Member<'_>> = members.iter().collect();
                    order.sort_by(|a, b| a.key.cmp_value(&b.key));
                    self.members(order.into_iter());
                } else {
                    self.members(members.iter());
                }
                self.level -= 1;
                self.line_break();
                self.out.push('}');
            }
        }
    }

    fn members<'m, 'a: 'm>(&mut self, members: impl Iterator<Item = &'m Member<'a>>) {
        for (i, member) in members.enumerate() {
            if i > 0 {
                self.out.push_str(&self.style.item_sep);
            }
            self.line_break();
            self.string(&member.key);
            self.out.push_str(&self.style.key_sep);
            self.value(&member.node);
        }
    }

    fn number(&mut self, text: &str) {
        if self.style.verbatim {
            self.out.push_str(text);
            return;
        }
        match parse_number(text) {
            Number::Int("-0") => self.out.push('0'),
            Number::Int(digits) => self.out.push_str(digits),
            Number::Float(f) => python_float_repr(f, &mut self.out),
        }
    }

    fn string(&mut self, s: &Str<'_>) {
        let Some(text) = s.stored() else {
            python_escape(&s.decode(), self.style.ascii, &mut self.out);
            return;
        };
        self.out.push('"');
        if self.style.verbatim
            || ((!self.style.ascii || printable_ascii(text))
                && (matches!(s, Str::Plain(_)) || python_spelling(text)))
        {
            self.out.push_str(text);
        } else {
            // Re-read the stored text: decoding would lose a lone surrogate.
            for code in code_points(text) {
                if push_python_code(code, self.style.ascii, &mut self.out).is_err() {
                    self.failed = true;
                }
            }
        }
        self.out.push('"');
    }
}

/// Whether stored text is all printable ASCII (control characters cannot
/// be stored raw), which Python's `ensure_ascii` writes unchanged.
fn printable_ascii(text: &str) -> bool {
    text.bytes().all(|b| b < 0x7f)
}

/// Whether a stored string's escapes are the ones Python's encoder writes
/// (`\n`, `\"`, `\u001b` …), so the stored text can be copied as it is;
/// true for nearly every string Jupyter wrote.
fn python_spelling(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'\\', &bytes[i..]) {
        let at = i + p;
        match bytes[at + 1] {
            b'"' | b'\\' | b'n' | b'r' | b't' | b'b' | b'f' => i = at + 2,
            b'u' => {
                let hex = &bytes[at + 2..at + 6];
                let lower = hex
                    .iter()
                    .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c));
                let short = matches!(hex, b"0008" | b"0009" | b"000a" | b"000c" | b"000d");
                if !(lower && hex.starts_with(b"00") && hex[2] <= b'1' && !short) {
                    return false;
                }
                i = at + 6;
            }
            _ => return false,
        }
    }
    true
}

/// Python's `json` string encoder (`py_encode_basestring[_ascii]`).
pub fn python_escape(s: &str, ascii: bool, out: &mut String) {
    out.push('"');
    let mut rest = s;
    // Runs that need no escape are copied whole: source lines are mostly that.
    while let Some(at) = rest
        .bytes()
        .position(|b| b < 0x20 || b == b'"' || b == b'\\' || (ascii && b >= 0x7f))
    {
        out.push_str(&rest[..at]);
        let c = rest[at..].chars().next().unwrap_or_default();
        // A `char` is never a surrogate, so this cannot fail.
        let _ = push_python_code(c as u32, ascii, out);
        rest = &rest[at + c.len_utf8()..];
    }
    out.push_str(rest);
    out.push('"');
}

/// Code points as Python's `ensure_ascii` encoder writes them between
/// quotes; lone surrogates included, which it escapes.
pub(crate) fn ascii_escaped(points: &[u32]) -> String {
    let mut out = String::with_capacity(points.len());
    for &code in points {
        // With `ascii`, every code point has an escape, so this cannot fail.
        let _ = push_python_code(code, true, &mut out);
    }
    out
}

/// One code point as Python's encoder writes it inside a string.
fn push_python_code(code: u32, ascii: bool, out: &mut String) -> Result<(), LoneSurrogate> {
    match code {
        0x22 => out.push_str("\\\""),
        0x5c => out.push_str("\\\\"),
        0x0a => out.push_str("\\n"),
        0x0d => out.push_str("\\r"),
        0x09 => out.push_str("\\t"),
        0x08 => out.push_str("\\b"),
        0x0c => out.push_str("\\f"),
        0..0x20 => push_u_escape(code, out),
        0xD800..0xE000 if ascii => push_u_escape(code, out),
        0xD800..0xE000 => return Err(LoneSurrogate),
        // `ensure_ascii` escapes all but printable ASCII, DEL included.
        _ if ascii && !(0x20..0x7f).contains(&code) => {
            let c = char::from_u32(code).unwrap_or('\u{fffd}');
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                push_u_escape(u32::from(*unit), out);
            }
        }
        _ => out.push(char::from_u32(code).unwrap_or('\u{fffd}')),
    }
    Ok(())
}

fn push_u_escape(unit: u32, out: &mut String) {
    use std::fmt::Write;
    let _ = write!(out, "\\u{unit:04x}");
}

/// Python's `repr(float)` as `json.dumps` writes it: the shortest text that
/// reads back to the same float, positional for exponents -5 < e < 16 and
/// scientific (`1e-05`, `1e+16`) outside, with bare `NaN`/`Infinity`.
pub fn python_float_repr(f: f64, out: &mut String) {
    if f.is_nan() {
        out.push_str("NaN");
        return;
    }
    if f.is_infinite() {
        out.push_str(if f > 0.0 { "Infinity" } else { "-Infinity" });
        return;
    }
    // Rust's `{:e}` gives the shortest round-trip digits, e.g. `-1.2345e-7`.
    // When two spellings of that length are equally close (the value is
    // 777729289043345.25), it takes the upper and Python the even one; the
    // exact formatting at that length rounds half to even, like Python.
    let shortest = format!("{f:e}");
    let digits = shortest.split_once('e').map_or(shortest.len(), |(m, _)| {
        m.bytes().filter(u8::is_ascii_digit).count()
    });
    let sci = format!("{:.*e}", digits.saturating_sub(1), f);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if negative {
        out.push('-');
    }
    if (-5 < exp) && (exp < 16) {
        let point = exp + 1;
        if point <= 0 {
            out.push_str("0.");
            for _ in 0..(-point) {
                out.push('0');
            }
            out.push_str(&digits);
        } else if point as usize >= digits.len() {
            out.push_str(&digits);
            for _ in 0..(point as usize - digits.len()) {
                out.push('0');
            }
            out.push_str(".0");
        } else {
            out.push_str(&digits[..point as usize]);
            out.push('.');
            out.push_str(&digits[point as usize..]);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        use std::fmt::Write;
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notebook::json::parse;

    fn repr(f: f64) -> String {
        let mut s = String::new();
        python_float_repr(f, &mut s);
        s
    }

    #[test]
    fn float_repr_matches_python() {
        let cases = [
            (1e-5, "1e-05"),
            (100000.0, "100000.0"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (0.1, "0.1"),
            (1.5e300, "1.5e+300"),
            (123.456, "123.456"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (f64::NAN, "NaN"),
            (-2.5e-7, "-2.5e-07"),
            (12345678901234567.0, "1.2345678901234568e+16"),
            // Ties between two shortest spellings go to the even digit.
            (777729289043345.0 + 0.25, "777729289043345.2"),
            (777729289043345.0 + 0.75, "777729289043345.8"),
            (2.5, "2.5"),
            (0.3, "0.3"),
        ];
        for (f, want) in cases {
            assert_eq!(repr(f), want, "repr of {f:?}");
        }
    }

    #[test]
    fn lone_surrogates_are_escaped_in_ascii_and_refused_in_utf8() {
        let node = parse(r#"["a\uD800", "\ud83d\ude00"]"#).unwrap();
        assert_eq!(
            to_string(&node, &Style::nbformat(3)).unwrap(),
            "[\n \"a\\ud800\",\n \"\\ud83d\\ude00\"\n]"
        );
        assert_eq!(to_string(&node, &Style::nbformat(4)), Err(LoneSurrogate));
    }

    #[test]
    fn writes_like_nbformat() {
        let node =
            parse(r#"{"b": [], "a": {"x": 1E5, "y": "é\u001b", "z": [1, -0, {}]}}"#).unwrap();
        let text = to_string(&node, &Style::nbformat(4)).unwrap();
        assert_eq!(
            text,
            "{\n \"a\": {\n  \"x\": 100000.0,\n  \"y\": \"é\\u001b\",\n  \"z\": [\n   1,\n   0,\n   {}\n  ]\n },\n \"b\": []\n}"
        );
        let ascii = to_string(&parse("[\"é😀\u{7f}\"]").unwrap(), &Style::nbformat(3)).unwrap();
        assert_eq!(ascii, "[\n \"\\u00e9\\ud83d\\ude00\\u007f\"\n]");
        // Escapes Python would not write are re-spelled; its own are copied.
        let respelled = to_string(
            &parse(r#"["\/\u001B\u0041\u000a\t\u001b\"\\"]"#).unwrap(),
            &Style::nbformat(4),
        )
        .unwrap();
        assert_eq!(
            respelled,
            r#"[
 "/\u001bA\n\t\u001b\"\\"
]"#
        );
    }
}
