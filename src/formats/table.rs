//! Tables in notebook outputs: pandas writes a dataframe as an HTML table
//! whose column names sit in `<thead>`, far from the cells below, or as
//! text whose column names head aligned columns. A table becomes a segment
//! of `column: value` lines, so a value under a column named `api_key` is
//! seen beside its name, and a list of its columns, so a column can be
//! classified as a whole (names, SSNs, diagnoses).

use std::sync::OnceLock;

use regex::bytes::Regex;

use super::{Builder, Segment};

/// A table's columns; cells are byte ranges of its segment's text.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Columns {
    pub names: Vec<String>,
    /// `cells[i]` holds column `i`'s cells, top to bottom.
    pub cells: Vec<Vec<(usize, usize)>>,
}

/// Appends `name: value` to a table's segment, noting where the value is.
struct TableBuilder {
    b: Builder,
    columns: Columns,
}

impl TableBuilder {
    fn new(names: Vec<String>) -> TableBuilder {
        let cells = vec![Vec::new(); names.len()];
        TableBuilder {
            b: Builder::default(),
            columns: Columns { names, cells },
        }
    }

    /// Column `i`'s name is `source.text[name]`, its cell `source.text[value]`.
    fn cell(
        &mut self,
        source: &Segment<'_>,
        i: usize,
        name: (usize, usize),
        value: (usize, usize),
    ) {
        let (from, to) = value;
        self.b.push_mapped(source, name.0, name.1);
        self.b.push_literal(b": ", source.file_offset(from));
        let start = self.b.text.len();
        self.b.push_mapped(source, from, to);
        self.columns.cells[i].push((start, self.b.text.len()));
        self.b.push_literal(b"\n", source.file_end(to));
    }

    fn finish(self, source: &Segment<'_>) -> Option<Segment<'static>> {
        if self.b.is_empty() {
            return None;
        }
        let mut segment = self.b.finish(source.location.clone());
        segment.table = Some(Box::new(self.columns));
        Some(segment)
    }
}

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
        let mut table = TableBuilder::new(
            names
                .iter()
                .map(|n| {
                    n.map_or_else(String::new, |(f, t)| {
                        String::from_utf8_lossy(&text[f..t]).into_owned()
                    })
                })
                .collect(),
        );
        let body_end = find(text, b"</table>", head_end).unwrap_or(text.len());
        let mut row_start = head_end;
        while let Some(row) = find(&text[..body_end], b"<tr", row_start) {
            let row_end = find(&text[..body_end], b"</tr>", row).unwrap_or(body_end);
            for (i, cell) in cell_regex().captures_iter(&text[row..row_end]).enumerate() {
                let value = cell.get(1).expect("group 1 always takes part");
                let (from, to) = trim(text, row + value.start(), row + value.end());
                let Some(Some(name)) = names.get(i).copied() else {
                    continue;
                };
                if from < to {
                    table.cell(html, i, name, (from, to));
                }
            }
            row_start = row_end;
        }
        out.extend(table.finish(html));
        pos = body_end;
    }
    out
}

/// The `column: value` segment of the dataframes printed as text in a
/// segment: a line of column names, then rows of an index and one value
/// per column. pandas right-aligns a column's values with its name, so a
/// value ends where its column's name ends and may hold spaces; a row that
/// does not line up ends the table.
pub fn text_column_segments(text_seg: &Segment<'_>) -> Option<Segment<'static>> {
    let text: &[u8] = &text_seg.text;
    if memchr::memmem::find(text, b"\n ").is_none() && text.first() != Some(&b' ') {
        return None;
    }
    let lines: Vec<(usize, usize)> = line_spans(text);
    let mut table: Option<TableBuilder> = None;
    let mut out: Option<Segment<'static>> = None;
    let mut i = 0;
    while i + 1 < lines.len() {
        // A printed dataframe's header starts with the index column's blank.
        if text[lines[i].0] != b' ' {
            i += 1;
            continue;
        }
        let header = words(text, lines[i]);
        let named = !header.is_empty()
            && header.iter().all(|&(s, e)| {
                text[s..e]
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
            });
        // Column ends, counted in characters from the line's start.
        let ends: Vec<usize> = header
            .iter()
            .map(|&(_, e)| chars(&text[lines[i].0..e]))
            .collect();
        let first_column = header.first().map_or(0, |h| h.0 - lines[i].0);
        let cells_of = |line: (usize, usize)| aligned(text, line, &ends, first_column);
        if !named || cells_of(lines[i + 1]).is_none() {
            i += 1;
            continue;
        }
        let builder = table.get_or_insert_with(|| TableBuilder::new(Vec::new()));
        let base = builder.columns.names.len();
        for &(s, e) in &header {
            builder
                .columns
                .names
                .push(String::from_utf8_lossy(&text[s..e]).into_owned());
            builder.columns.cells.push(Vec::new());
        }
        i += 1;
        while i < lines.len() {
            let Some(cells) = cells_of(lines[i]) else {
                break;
            };
            for (c, (&name, value)) in header.iter().zip(cells).enumerate() {
                if value.0 < value.1 {
                    builder.cell(text_seg, base + c, name, value);
                }
            }
            i += 1;
        }
    }
    if let Some(t) = table {
        out = t.finish(text_seg);
    }
    out
}

/// The cells of a printed row whose columns end at `ends` (characters from
/// the line's start), or `None` if the row does not line up: an index
/// first, then a space before each column's text, no text past the last.
fn aligned(
    text: &[u8],
    (start, end): (usize, usize),
    ends: &[usize],
    first_column: usize,
) -> Option<Vec<(usize, usize)>> {
    let line = &text[start..end];
    // Byte offset of each character, and one past the last.
    let offsets: Vec<usize> = line
        .iter()
        .enumerate()
        .filter(|&(_, &b)| (b & 0xC0) != 0x80)
        .map(|(i, _)| i)
        .chain([line.len()])
        .collect();
    let n = offsets.len() - 1;
    if n < *ends.last()? || line.first() == Some(&b' ') {
        return None;
    }
    // The index ends before the first column's text can start.
    let index_end = line.iter().position(|&b| b == b' ')?;
    if index_end > first_column {
        return None;
    }
    let mut cells = Vec::with_capacity(ends.len());
    let mut from = offsets[index_end];
    for &e in ends {
        let to = offsets[e.min(n)];
        if to < from || (to > from && line[from] != b' ' && from != offsets[index_end]) {
            return None;
        }
        let (f, t) = trim(line, from, to);
        cells.push((start + f, start + t));
        from = to;
    }
    // Nothing may follow the last column but spaces.
    line[from..].iter().all(|&b| b == b' ').then_some(cells)
}

fn chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
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
        // As pandas prints it: values right-aligned under their names.
        let text = b"    user          password      name\n0  alice  Zq8rT2vLp9wX4mQ7  Jane Doe\n1    bob  Hq7vL2xZp9Rt4mW8     Bo Li\nnot a table\n";
        let seg = Segment::whole(text);
        let table = text_column_segments(&seg).unwrap();
        assert_eq!(
            std::str::from_utf8(&table.text).unwrap(),
            "user: alice\npassword: Zq8rT2vLp9wX4mQ7\nname: Jane Doe\nuser: bob\npassword: Hq7vL2xZp9Rt4mW8\nname: Bo Li\n"
        );
        let columns = table.table.as_ref().unwrap();
        assert_eq!(columns.names, ["user", "password", "name"]);
        let (from, to) = columns.cells[2][1];
        assert_eq!(&table.text[from..to], b"Bo Li");
        let at = text.windows(4).position(|w| w == b"Hq7v").unwrap();
        let hq = table.text.windows(4).position(|w| w == b"Hq7v").unwrap();
        assert_eq!(table.file_offset(hq), at);
        assert!(text_column_segments(&Segment::whole(b"a b\nc d e\n")).is_none());
        // A row that does not line up is not a row.
        assert!(text_column_segments(&Segment::whole(b"   user\n0 alice smith\n")).is_none());
    }

    #[test]
    fn cells_are_named_by_their_column() {
        let html = b"<table>\n<thead>\n<tr><th></th><th>user</th><th>api_key</th></tr>\n</thead>\n<tbody>\n<tr><th>0</th><td>alice</td><td>Zq8rT2vLp9wX4mQ7</td></tr>\n</tbody>\n</table>";
        let seg = Segment::whole(html);
        let tables = column_segments(&seg);
        assert_eq!(tables.len(), 1);
        assert_eq!(
            &tables[0].text[..],
            b"user: alice\napi_key: Zq8rT2vLp9wX4mQ7\n"
        );
        let at = html.windows(4).position(|w| w == b"Zq8r").unwrap();
        assert_eq!(tables[0].file_offset(21), at);
        let columns = tables[0].table.as_ref().unwrap();
        assert_eq!(columns.names, ["", "user", "api_key"]);
        assert_eq!(columns.cells[1], [(6, 11)]);
        assert_eq!(tables[0].location, Location::default());
    }
}
