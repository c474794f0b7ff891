//! A notebook's JSON as segments: each string (a list of lines joined into
//! one text) decoded, located by cell, output and MIME type. Base64 image
//! payloads and attachments are not text and are left out.

use super::{Allow, Builder, Location, Segment, table};
use crate::notebook::json::{self, Node, Str, SyntaxError, Value};

/// The segments of a notebook, or why its JSON cannot be read.
/// A notebook as detection sees it: its text segments, and the cells whose
/// metadata allows findings to go unreported.
pub struct Scanned {
    pub segments: Vec<Segment<'static>>,
    pub allowed: Vec<(usize, Allow)>,
}

pub fn segments(text: &str) -> Result<Scanned, SyntaxError> {
    let mut root = json::parse(text)?;
    let mut out = Vec::new();
    let mut allowed = Vec::new();
    let Value::Object(members) = &mut root.value else {
        walk(&mut root, &Location::default(), &mut out);
        return Ok(Scanned {
            segments: out,
            allowed,
        });
    };
    let mut cell_index = 0;
    for member in members.iter_mut() {
        match member.key.decode().as_ref() {
            // nbformat 4 (and 1).
            "cells" => cells(&mut member.node, &mut cell_index, &mut out, &mut allowed),
            // nbformat 2 and 3: cells numbered across worksheets.
            "worksheets" => match &mut member.node.value {
                Value::Array(sheets) => {
                    for sheet in sheets {
                        match sheet.value.as_object_mut() {
                            Some(fields) => {
                                for f in fields.iter_mut() {
                                    if f.key.eq_str("cells") {
                                        cells(&mut f.node, &mut cell_index, &mut out, &mut allowed);
                                    } else {
                                        walk(&mut f.node, &Location::default(), &mut out);
                                    }
                                }
                            }
                            None => walk(sheet, &Location::default(), &mut out),
                        }
                    }
                }
                _ => walk(&mut member.node, &Location::default(), &mut out),
            },
            _ => walk(&mut member.node, &Location::default(), &mut out),
        }
    }
    Ok(Scanned {
        segments: out,
        allowed,
    })
}

/// A cell's `nbscrub-allow` tag, or its `nbscrub.allow` list of rules.
fn cell_allow(cell: &Node<'_>) -> Option<Allow> {
    let metadata = &cell.value.get("metadata")?.value;
    let tagged = metadata
        .get("tags")
        .and_then(|t| t.value.as_array())
        .is_some_and(|tags| tags.iter().any(|t| t.value.is_str("nbscrub-allow")));
    if tagged {
        return Some(Allow::All);
    }
    let rules: Vec<String> = metadata
        .get("nbscrub")?
        .value
        .get("allow")?
        .value
        .as_array()?
        .iter()
        .filter_map(|r| r.value.as_str().map(|s| s.decode().into_owned()))
        .collect();
    Some(Allow::Rules(rules))
}

fn cells(
    node: &mut Node<'_>,
    index: &mut usize,
    out: &mut Vec<Segment<'static>>,
    allowed: &mut Vec<(usize, Allow)>,
) {
    let Value::Array(cells) = &mut node.value else {
        walk(node, &Location::default(), out);
        return;
    };
    for cell in cells {
        let here = Location {
            cell: Some(*index),
            ..Location::default()
        };
        *index += 1;
        if let Some(allow) = cell_allow(cell) {
            allowed.push((*index - 1, allow));
        }
        let Some(fields) = cell.value.as_object_mut() else {
            walk(cell, &here, out);
            continue;
        };
        for f in fields.iter_mut() {
            match f.key.decode().as_ref() {
                "attachments" => {}
                "outputs" => match &mut f.node.value {
                    Value::Array(outputs) => {
                        for (j, output) in outputs.iter_mut().enumerate() {
                            let at = Location {
                                output: Some(j),
                                ..here.clone()
                            };
                            one_output(output, &at, out);
                        }
                    }
                    _ => walk(&mut f.node, &here, out),
                },
                _ => walk(&mut f.node, &here, out),
            }
        }
    }
}

fn one_output(output: &mut Node<'_>, at: &Location, out: &mut Vec<Segment<'static>>) {
    output.materialize();
    let first = out.len();
    one_output_fields(output, at, out);
    // `print(df)` and a dataframe's text/plain: columns named in a header line.
    let tables: Vec<_> = out[first..]
        .iter()
        .filter(|s| s.location.mime.as_deref() != Some("text/html"))
        .filter_map(table::text_column_segments)
        .collect();
    out.extend(tables);
}

fn one_output_fields(output: &mut Node<'_>, at: &Location, out: &mut Vec<Segment<'static>>) {
    let Some(fields) = output.value.as_object_mut() else {
        walk(output, at, out);
        return;
    };
    for f in fields.iter_mut() {
        let key = f.key.decode();
        match key.as_ref() {
            "data" => match f.node.value.as_object_mut() {
                Some(bundle) => {
                    for entry in bundle.iter_mut() {
                        let mime = entry.key.decode();
                        if is_binary_mime(&mime) {
                            continue;
                        }
                        let html = mime == "text/html";
                        let loc = Location {
                            mime: Some(mime.into_owned()),
                            ..at.clone()
                        };
                        let first = out.len();
                        walk(&mut entry.node, &loc, out);
                        if html {
                            let tables: Vec<_> = out[first..]
                                .iter()
                                .flat_map(table::column_segments)
                                .collect();
                            out.extend(tables);
                        }
                    }
                }
                None => walk(&mut f.node, at, out),
            },
            // nbformat 3 kept the bundle's entries on the output itself.
            "png" | "jpeg" | "gif" | "pdf" => {}
            _ => walk(&mut f.node, at, out),
        }
    }
}

/// Base64 payloads: never text, and where detect-secrets finds hundreds
/// of "high-entropy strings".
fn is_binary_mime(mime: &str) -> bool {
    (mime.starts_with("image/") && mime != "image/svg+xml")
        || mime == "application/pdf"
        || mime == "application/octet-stream"
}

/// Every string under `node` becomes a segment; a list of strings (a
/// multi-line source or output) becomes one, so a key split across lines
/// is still one text.
fn walk(node: &mut Node<'_>, at: &Location, out: &mut Vec<Segment<'static>>) {
    node.materialize();
    match &mut node.value {
        Value::String(s) => {
            let mut b = Builder::default();
            push(&mut b, s, node.start);
            out.push(b.finish(at.clone()));
        }
        Value::Array(items) if !items.is_empty() && items.iter().all(is_string) => {
            let mut b = Builder::default();
            for item in items.iter() {
                if !b.ends_with_newline() {
                    b.push_literal(b"\n", item.start);
                }
                if let Value::String(s) = &item.value {
                    push(&mut b, s, item.start);
                }
            }
            out.push(b.finish(at.clone()));
        }
        Value::Array(items) => {
            for item in items {
                walk(item, at, out);
            }
        }
        Value::Object(members) => {
            for m in members {
                match (&m.key, &m.node.value) {
                    // `"key": "value"` keeps the key beside its value, as
                    // rules expect (`"aws_secret_access_key": "…"` in
                    // metadata or an application/json output).
                    (
                        Str::Plain(key) | Str::Escaped(key),
                        Value::String(value @ (Str::Plain(raw_value) | Str::Escaped(raw_value))),
                    ) => {
                        // Both slices borrow the document: the key's offset
                        // is the value's, less the distance between them.
                        let gap = (raw_value.as_ptr() as usize).wrapping_sub(key.as_ptr() as usize);
                        let key_at = (m.node.start + 1).saturating_sub(gap);
                        let mut b = Builder::default();
                        b.push_literal(b"\"", key_at.saturating_sub(1));
                        b.push_json_str(key.as_bytes(), key_at);
                        b.push_literal(b"\": \"", m.node.start);
                        push(&mut b, value, m.node.start);
                        b.push_literal(b"\"", m.node.end.saturating_sub(1));
                        out.push(b.finish(at.clone()));
                    }
                    _ => walk(&mut m.node, at, out),
                }
            }
        }
        _ => {}
    }
}

fn is_string(node: &Node<'_>) -> bool {
    matches!(node.value, Value::String(_))
}

/// `start` is the offset of the string's opening quote.
fn push(b: &mut Builder, s: &Str<'_>, start: usize) {
    match s {
        Str::Plain(text) | Str::Escaped(text) => b.push_json_str(text.as_bytes(), start + 1),
        // Only rewrites make owned strings; a parsed file has none.
        Str::Owned(text) => b.push_json_str(text.as_bytes(), start),
        Str::OwnedEscaped(text) => b.push_json_str(text.as_bytes(), start),
    }
}
