//! Tables in notebook outputs: pandas writes a dataframe as an HTML table
//! whose column names sit in `<thead>`, far from the cells below, or as
//! text whose column names head aligned columns. Each cell is presented
//! again as `column: value` on a line of its own, so a value under a column
//! named `api_key` or `password` is seen beside its name.

use std::sync::OnceLock;

use regex::bytes::Regex;

use super::{Builder, Segment};

fn cell_regex() -> &'static Regex {
    static CELL: OnceLock<Regex> = OnceLock::new();
    CELL.get_or_init(|| Regex::new(r"(?s-u)<t[hd](?:\s[^>]*)?>(.*?)</t[hd]>").expect("valid regex"))
}

/// One `column: value` segment per table in an HTML segment, if any.
pub fn column_segments(html: &Segment<'_>) -> Vec<Segment<'static>> {
    let text: &[u8] = &html.text;
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(start) = find(text, b"<thead", pos) {
        let Some(head_end) = find(text, b"</thead>", start) else {
            break;
        };
        // The last header row names the columns (a MultiIndex has several).
        let head = &text[start..head_end];
        let last_row = rfind(head, b"<tr").map_or(0, |i| i);
        // Each column name as a range of the text, so that it maps back to
        // the file like everything else (a name with markup inside is
        // left out).
        let row = &head[last_row..];
        let names: Vec<Option<(usize, usize)>> = cell_regex()
            .captures_iter(row)
            .map(|c| {
                let m = c.get(1).expect("group 1 always takes part");
                let (from, to) = trim(row, m.start(), m.end());
                let plain = from < to && !row[from..to].contains(&b'<');
                plain.then_some((start + last_row + from, start + last_row + to))
            })
            .collect();
        let body_end = find(text, b"</table>", head_end).unwrap_or(text.len());
        let mut b = Builder::default();
        let mut row_start = head_end;
        while let Some(row) = find(&text[..body_end], b"<tr", row_start) {
            let row_end = find(&text[..body_end], b"</tr>", row).unwrap_or(body_end);
            for (i, cell) in cell_regex().captures_iter(&text[row..row_end]).enumerate() {
                let value = cell.get(1).expect("group 1 always takes part");
                let (from, to) = (row + value.start(), row + value.end());
                let Some(Some((name_from, name_to))) = names.get(i).copied() else {
                    continue;
                };
                if to - from < 8 {
                    continue;
                }
                b.push_mapped(html, name_from, name_to);
                b.push_literal(b": ", html.file_offset(from));
                b.push_mapped(html, from, to);
                b.push_literal(b"\n", html.file_end(to));
            }
            row_start = row_end;
        }
        if !b.is_empty() {
            out.push(b.finish(html.location.clone()));
        }
        pos = body_end;
    }
    out
}

/// The `column: value` segment of the dataframes printed as text in a
/// segment: a line of column names, then rows of an index and one value
/// per column. Rows whose words do not line up (a value with a space, a
/// truncated `...` column) are left out rather than guessed.
pub fn text_column_segments(text_seg: &Segment<'_>) -> Option<Segment<'static>> {
    let text: &[u8] = &text_seg.text;
    if memchr::memmem::find(text, b"\n ").is_none() && text.first() != Some(&b' ') {
        return None;
    }
    let lines: Vec<(usize, usize)> = line_spans(text);
    let mut b = Builder::default();
    let mut i = 0;
    while i + 1 < lines.len() {
        // A printed dataframe's header starts with the index column's blank.
        if text[lines[i].0] != b' ' {
            i += 1;
            continue;
        }
        let header = words(text, lines[i]);
        let fits = |row: &[(usize, usize)]| row.len() == header.len() + 1 && !header.is_empty();
        let named = header.iter().all(|&(s, e)| {
            text[s..e]
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
        });
        if !named || !fits(&words(text, lines[i + 1])) {
            i += 1;
            continue;
        }
        i += 1;
        while i < lines.len() {
            let row = words(text, lines[i]);
            if !fits(&row) {
                break;
            }
            for (&(name_from, name_to), &(from, to)) in header.iter().zip(&row[1..]) {
                if to - from >= 8 {
                    b.push_mapped(text_seg, name_from, name_to);
                    b.push_literal(b": ", text_seg.file_offset(from));
                    b.push_mapped(text_seg, from, to);
                    b.push_literal(b"\n", text_seg.file_end(to));
                }
            }
            i += 1;
        }
    }
    (!b.is_empty()).then(|| b.finish(text_seg.location.clone()))
}

fn line_spans(text: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', text).chain([text.len()]) {
        if end > start {
            spans.push((start, end));
        }
        start = end + 1;
    }
    spans
}

/// The space-separated words of a line, as byte ranges of the text.
fn words(text: &[u8], (start, end): (usize, usize)) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = start;
    while i < end {
        while i < end && text[i] == b' ' {
            i += 1;
        }
        let from = i;
        while i < end && text[i] != b' ' {
            i += 1;
        }
        if i > from {
            out.push((from, i));
        }
    }
    out
}

/// `text[from..to]` without surrounding whitespace, as offsets into `text`.
fn trim(text: &[u8], mut from: usize, mut to: usize) -> (usize, usize) {
    while from < to && text[from].is_ascii_whitespace() {
        from += 1;
    }
    while to > from && text[to - 1].is_ascii_whitespace() {
        to -= 1;
    }
    (from, to)
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    memchr::memmem::find(hay.get(from..)?, needle).map(|i| from + i)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::rfind(hay, needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Location;

    #[test]
    fn printed_dataframes_are_named_by_their_column() {
        let text = b"   user          password\n0  alice  Zq8rT2vLp9wX4mQ7\n1    bob  Hq7vL2xZp9Rt4mW8\nnot a table\n";
        let seg = Segment::whole(text);
        let table = text_column_segments(&seg).unwrap();
        assert_eq!(
            &table.text[..],
            b"password: Zq8rT2vLp9wX4mQ7\npassword: Hq7vL2xZp9Rt4mW8\n"
        );
        let at = text.windows(4).position(|w| w == b"Hq7v").unwrap();
        assert_eq!(table.file_offset(37), at);
        assert!(text_column_segments(&Segment::whole(b"a b\nc d e\n")).is_none());
    }

    #[test]
    fn cells_are_named_by_their_column() {
        let html = b"<table>\n<thead>\n<tr><th></th><th>user</th><th>api_key</th></tr>\n</thead>\n<tbody>\n<tr><th>0</th><td>alice</td><td>Zq8rT2vLp9wX4mQ7</td></tr>\n</tbody>\n</table>";
        let seg = Segment::whole(html);
        let tables = column_segments(&seg);
        assert_eq!(tables.len(), 1);
        assert_eq!(&tables[0].text[..], b"api_key: Zq8rT2vLp9wX4mQ7\n");
        let at = html.windows(4).position(|w| w == b"Zq8r").unwrap();
        assert_eq!(tables[0].file_offset(9), at);
        assert_eq!(tables[0].location, Location::default());
    }
}
