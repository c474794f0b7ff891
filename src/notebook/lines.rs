//! nbformat's multi-line text: which fields it joins on read and splits into
//! lists of lines on write, and how each format version splits.

use super::Generation;
use super::json::{Node, Str, Value};

/// Output keys nbformat 2 and 3 treat as multi-line text.
pub const V3_MULTILINE_OUTPUTS: [&str; 6] = ["text", "html", "svg", "latex", "javascript", "json"];

/// What happens to a multi-line field on write.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// Joined, then split into lines.
    Split,
    /// Joined into one string and left that way (nbformat 4 joins the
    /// `text` of every output but splits only a stream's).
    Join,
}

/// `application/json` and `application/*+json`: nbformat never joins or
/// splits these, whatever their shape.
fn is_json_mime(key: &str) -> bool {
    key == "application/json" || (key.starts_with("application/") && key.ends_with("+json"))
}

/// nbformat 4 splits these MIME types' values into lines; others (base64
/// images, JSON) are written as one string.
fn is_text_mime(key: &str) -> bool {
    key.starts_with("text/") || key == "application/javascript" || key == "image/svg+xml"
}

/// Calls `f` with every multi-line field of a cell, in the places nbformat's
/// `rejoin_lines`/`split_lines` look for them.
///
/// Lazily parsed outputs are skipped unless `materialize` builds them first.
fn visit_fields<'a>(
    cell: &mut Node<'a>,
    generation: Generation,
    materialize: bool,
    f: &mut dyn FnMut(&mut Node<'a>, Fate, &str) -> Result<(), String>,
) -> Result<(), String> {
    let is_code = cell
        .value
        .get("cell_type")
        .is_some_and(|t| t.value.is_str("code"));
    match generation {
        Generation::V1 => Ok(()),
        Generation::V4 => {
            if let Some(source) = cell.value.get_mut("source") {
                f(source, Fate::Split, "source")?;
            }
            if let Some(Value::Object(attachments)) =
                cell.value.get_mut("attachments").map(|n| &mut n.value)
            {
                for attachment in attachments.iter_mut() {
                    mime_bundle(&mut attachment.node, f)?;
                }
            }
            if !is_code {
                return Ok(());
            }
            let Some(Value::Array(outputs)) = cell.value.get_mut("outputs").map(|n| &mut n.value)
            else {
                return Ok(());
            };
            for output in outputs.iter_mut() {
                if materialize {
                    output.materialize();
                }
                let kind = output.value.get("output_type").map(|t| {
                    (
                        t.value.is_str("execute_result") || t.value.is_str("display_data"),
                        t.value.is_str("stream"),
                        t.value.truthy(),
                    )
                });
                match kind {
                    Some((true, _, _)) => {
                        if let Some(data) = output.value.get_mut("data") {
                            mime_bundle(data, f)?;
                        }
                    }
                    Some((false, stream, true)) => {
                        if let Some(text) = output.value.get_mut("text") {
                            f(
                                text,
                                if stream { Fate::Split } else { Fate::Join },
                                "output text",
                            )?;
                        }
                    }
                    _ => {}
                }
            }
            Ok(())
        }
        Generation::V2 | Generation::V3 => {
            if is_code {
                if let Some(input) = cell.value.get_mut("input") {
                    f(input, Fate::Split, "input")?;
                }
                if let Some(Value::Array(outputs)) =
                    cell.value.get_mut("outputs").map(|n| &mut n.value)
                {
                    for output in outputs.iter_mut() {
                        if materialize {
                            output.materialize();
                        }
                        for key in V3_MULTILINE_OUTPUTS {
                            if let Some(node) = output.value.get_mut(key) {
                                f(node, Fate::Split, key)?;
                            }
                        }
                    }
                }
            } else {
                for key in ["source", "rendered"] {
                    if let Some(node) = cell.value.get_mut(key) {
                        f(node, Fate::Split, key)?;
                    }
                }
            }
            Ok(())
        }
    }
}

fn mime_bundle<'a>(
    bundle: &mut Node<'a>,
    f: &mut dyn FnMut(&mut Node<'a>, Fate, &str) -> Result<(), String>,
) -> Result<(), String> {
    if let Value::Object(members) = &mut bundle.value {
        for m in members.iter_mut() {
            let key = m.key.decode().into_owned();
            // nbformat leaves JSON values alone, and lists that are not all
            // strings (it joins only what it split).
            let all_strings = match &m.node.value {
                Value::Array(items) => items.iter().all(|i| matches!(i.value, Value::String(_))),
                _ => true,
            };
            if is_json_mime(&key) || !all_strings {
                continue;
            }
            let fate = if is_text_mime(&key) {
                Fate::Split
            } else {
                Fate::Join
            };
            f(&mut m.node, fate, &key)?;
        }
    }
    Ok(())
}

/// Fails where nbformat's reader would: a multi-line field given as a list
/// that holds something other than strings.
pub fn check_cell(cell: &mut Node<'_>, generation: Generation) -> Result<(), String> {
    visit_fields(
        cell,
        generation,
        false,
        &mut |node, _, name| match &node.value {
            Value::Array(items) if items.iter().any(|i| !matches!(i.value, Value::String(_))) => {
                Err(format!(
                    "`{name}` is a list holding something other than strings"
                ))
            }
            _ => Ok(()),
        },
    )
}

/// Rewrites a cell's multi-line fields the way nbformat writes them. Fails
/// on a lone surrogate in an nbformat 4 field that must be re-split:
/// nbformat 4 writes UTF-8, which cannot hold one. nbformat 2 and 3 write
/// ASCII and escape it.
pub fn split_cell(cell: &mut Node<'_>, generation: Generation) -> Result<(), String> {
    visit_fields(cell, generation, true, &mut |node, fate, name| {
        let lone = match &node.value {
            Value::String(s) => s.has_lone_surrogate(),
            Value::Array(items) => items
                .iter()
                .any(|i| i.value.as_str().is_some_and(Str::has_lone_surrogate)),
            _ => false,
        };
        match (lone, generation) {
            (false, _) => resplit(node, fate, generation),
            (true, Generation::V4) => return Err(format!("`{name}` holds a lone surrogate")),
            (true, _) => resplit_code_points(node, generation),
        }
        Ok(())
    })
}

/// [`resplit`] for an nbformat 2/3 field holding a lone surrogate: joined
/// and split by code points, each line kept as escaped text.
fn resplit_code_points(node: &mut Node<'_>, generation: Generation) {
    let points: Vec<u32> = match &node.value {
        Value::Array(items) => {
            let newline = joins_with_newline(items, generation);
            let mut points = Vec::new();
            for (i, s) in items.iter().filter_map(|i| i.value.as_str()).enumerate() {
                if newline && i > 0 {
                    points.push(u32::from(b'\n'));
                }
                points.extend(s.code_points());
            }
            points
        }
        Value::String(s) => s.code_points().collect(),
        _ => return,
    };
    let mut lines = Vec::new();
    split_at_breaks(
        points.iter().enumerate().map(|(i, &c)| (i, c, 1)),
        points.len(),
        generation != Generation::V2,
        |start, end| lines.push(&points[start..end]),
    );
    node.value = Value::Array(
        lines
            .into_iter()
            .map(|line| {
                let text = super::write::ascii_escaped(line).into_boxed_str();
                Node::new(Value::String(Str::OwnedEscaped(text)))
            })
            .collect(),
    );
}

fn resplit(node: &mut Node<'_>, fate: Fate, generation: Generation) {
    if fate == Fate::Split
        && generation == Generation::V4
        && let Value::Array(items) = &node.value
        && already_split(items)
    {
        return;
    }
    let joined = match &node.value {
        Value::Array(items) => join(items, generation),
        Value::String(s) if fate == Fate::Split => s.decode().into_owned(),
        _ => return,
    };
    node.value = match fate {
        Fate::Join => Value::String(Str::Owned(joined)),
        Fate::Split => Value::Array(
            splitlines(&joined, generation != Generation::V2)
                .into_iter()
                .map(|line| Node::new(Value::String(Str::Owned(line.to_owned()))))
                .collect(),
        ),
    };
}

/// The joined value of a multi-line list, as nbformat's reader makes it.
pub fn join(items: &[Node<'_>], generation: Generation) -> String {
    let parts: Vec<_> = items
        .iter()
        .filter_map(|i| i.value.as_str().map(Str::decode))
        .collect();
    parts.join(if joins_with_newline(items, generation) {
        "\n"
    } else {
        ""
    })
}

/// Whether nbformat's reader joins a multi-line list's strings with
/// newlines rather than as they are.
fn joins_with_newline(items: &[Node<'_>], generation: Generation) -> bool {
    match generation {
        Generation::V2 => true,
        // nbformat 3 guards against files written with `splitlines()`
        // (without line ends): it joins those with newlines.
        Generation::V3 => items
            .iter()
            .find_map(|i| i.value.as_str())
            .is_some_and(|first| !first.decode().ends_with(['\n', '\r'])),
        _ => false,
    }
}

/// Length in code points of a multi-line list once joined, as nbstripout's
/// `--max-size` measures it.
pub fn joined_len(items: &[Node<'_>], generation: Generation) -> usize {
    join(items, generation).chars().count()
}

/// Whether a list of lines is already what splitting its join would give,
/// checked on the stored text so the common case allocates nothing.
fn already_split(items: &[Node<'_>]) -> bool {
    let last = items.len().saturating_sub(1);
    items.iter().enumerate().all(|(i, item)| {
        let Value::String(Str::Plain(text) | Str::Escaped(text)) = &item.value else {
            return false;
        };
        let body = match text.strip_suffix("\\n") {
            // `\\n` at the end is an escaped backslash then `n`.
            Some(body) if body.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 0 => body,
            _ if i == last => text,
            _ => return false,
        };
        !text.is_empty() && !has_line_break(body)
    })
}

/// Whether stored string text holds a line break Python's `splitlines`
/// would split at, raw or escaped.
fn has_line_break(body: &str) -> bool {
    const ESCAPED: [&[u8]; 10] = [
        b"000a", b"000b", b"000c", b"000d", b"001c", b"001d", b"001e", b"0085", b"2028", b"2029",
    ];
    let bytes = body.as_bytes();
    let mut i = 0;
    // One pass for an escape and for the first byte of U+0085 (C2 85) and
    // U+2028/U+2029 (E2 80 A8/A9) written raw.
    while let Some(p) = memchr::memchr3(b'\\', 0xc2, 0xe2, bytes.get(i..).unwrap_or_default()) {
        let at = i + p;
        let rest = &bytes[at + 1..];
        match bytes[at] {
            0xc2 if rest.starts_with(b"\x85") => return true,
            0xe2 if rest.starts_with(b"\x80\xa8") || rest.starts_with(b"\x80\xa9") => return true,
            b'\\' => match rest.first() {
                // `\f` is form feed, at which `str.splitlines` breaks too.
                Some(b'n' | b'r' | b'f') => return true,
                Some(b'u') => {
                    let hex = rest.get(1..5).unwrap_or_default();
                    if ESCAPED.iter().any(|e| e.eq_ignore_ascii_case(hex)) {
                        return true;
                    }
                    i = at + 6;
                    continue;
                }
                _ => {
                    i = at + 2;
                    continue;
                }
            },
            _ => {}
        }
        i = at + 1;
    }
    false
}

/// Python's `str.splitlines(keepends)`.
pub fn splitlines(s: &str, keepends: bool) -> Vec<&str> {
    let mut lines = Vec::new();
    split_at_breaks(
        s.char_indices()
            .map(|(i, c)| (i, u32::from(c), c.len_utf8())),
        s.len(),
        keepends,
        |start, end| lines.push(&s[start..end]),
    );
    lines
}

/// Where `str.splitlines` splits text given as (offset, code point, width)
/// for each code point, `len` in all: calls `line(start, end)` for each
/// line, its end past the break when `keepends`. Shared by `&str` and by
/// code points that may be lone surrogates.
fn split_at_breaks(
    points: impl Iterator<Item = (usize, u32, usize)>,
    len: usize,
    keepends: bool,
    mut line: impl FnMut(usize, usize),
) {
    let mut start = 0;
    let mut points = points.peekable();
    while let Some((i, c, width)) = points.next() {
        let brk_end = match c {
            0x0d => match points.peek() {
                Some(&(j, 0x0a, lf)) => {
                    points.next();
                    j + lf
                }
                _ => i + width,
            },
            // `\n`, vertical tab, form feed, the separators U+001C..U+001E,
            // NEL, and the Unicode line and paragraph separators.
            0x0a | 0x0b | 0x0c | 0x1c | 0x1d | 0x1e | 0x85 | 0x2028 | 0x2029 => i + width,
            _ => continue,
        };
        line(start, if keepends { brk_end } else { i });
        start = brk_end;
    }
    if start < len {
        line(start, len);
    }
}

/// Python's `str.isspace` for one character, which `str.strip()` uses; it
/// counts the information separators U+001C..U+001F that Rust does not.
pub fn python_is_space(c: char) -> bool {
    matches!(c, '\u{1c}'..='\u{1f}') || c.is_whitespace()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notebook::json::parse;

    /// The stored text of each line a field is split into.
    fn split_stored(cell: &str, generation: Generation) -> Result<Vec<String>, String> {
        let mut node = parse(cell).unwrap();
        split_cell(&mut node, generation)?;
        let lines = node.value.get("source").unwrap().value.as_array().unwrap();
        Ok(lines
            .iter()
            .map(|l| match l.value.as_str().unwrap() {
                Str::Owned(text) => format!("owned {text:?}"),
                other => format!("stored {}", other.stored().unwrap()),
            })
            .collect())
    }

    #[test]
    fn lone_surrogates_split_by_code_point_where_nbformat_writes_ascii() {
        // nbformat 3 joins `["a\ud800\n", "\udc00b\rc"]` into four code
        // points before `b` (the two surrogates stay apart in Python), then
        // splits at `\n` and at the lone `\r`.
        let cell =
            r#"{"cell_type": "markdown", "source": ["a\ud800\n", "\udc00b\rc", "\"\u00e9"]}"#;
        assert_eq!(
            split_stored(cell, Generation::V3).unwrap(),
            [
                r"stored a\ud800\n",
                r"stored \udc00b\r",
                r#"stored c\"\u00e9"#
            ]
        );
        // nbformat 4 writes UTF-8, which cannot hold one.
        assert!(split_stored(cell, Generation::V4).is_err());
        // Without a lone surrogate, lines are plain strings.
        let plain = r#"{"cell_type": "markdown", "source": ["a\n", "b"]}"#;
        assert_eq!(
            split_stored(plain, Generation::V3).unwrap(),
            [r#"owned "a\n""#, r#"owned "b""#]
        );
    }

    #[test]
    fn splitlines_matches_python() {
        assert_eq!(
            splitlines(
                "a\r\nb\rc\nd\u{b}e\u{c}f\u{1c}g\u{85}h\u{2028}i\u{2029}j",
                true
            ),
            [
                "a\r\n",
                "b\r",
                "c\n",
                "d\u{b}",
                "e\u{c}",
                "f\u{1c}",
                "g\u{85}",
                "h\u{2028}",
                "i\u{2029}",
                "j"
            ]
        );
        assert_eq!(splitlines("a\n\nb\n", false), ["a", "", "b"]);
        assert!(splitlines("", true).is_empty());
        assert_eq!(splitlines("\n", true), ["\n"]);
    }

    #[test]
    fn finds_escaped_and_raw_line_breaks() {
        assert!(!has_line_break(r#"print(\"a\\nb\")\t\u001b"#));
        for text in ["é", "\u{a0}", "€ \u{2027}\u{202a}", r"\u0086", "\\"] {
            assert!(!has_line_break(text), "{text}");
        }
        for text in [
            "a\u{85}b",
            "\u{2028}",
            r"a\nb",
            r"a\rb",
            r"a\u000Bb",
            r"a\fb",
            r"\u2028",
            "a\u{2029}b",
            r"\u001c",
        ] {
            assert!(has_line_break(text), "{text}");
        }
    }

    #[test]
    fn python_whitespace_includes_separators() {
        assert!(python_is_space('\u{1f}'));
        assert!(python_is_space('\u{3000}'));
        assert!(!python_is_space('\u{200b}'));
    }
}
