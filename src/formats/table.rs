//! Tables in notebook outputs: pandas writes a dataframe as an HTML table
//! whose column names sit in `<thead>`, far from the cells below. Each cell
//! is presented again as `column: value` on a line of its own, so a value
//! under a column named `api_key` or `password` is seen beside its name.

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
        let names: Vec<String> = cell_regex()
            .captures_iter(&head[last_row..])
            .map(|c| plain(&c[1]))
            .collect();
        let body_end = find(text, b"</table>", head_end).unwrap_or(text.len());
        let mut b = Builder::default();
        let mut row_start = head_end;
        while let Some(row) = find(&text[..body_end], b"<tr", row_start) {
            let row_end = find(&text[..body_end], b"</tr>", row).unwrap_or(body_end);
            for (i, cell) in cell_regex().captures_iter(&text[row..row_end]).enumerate() {
                let value = cell.get(1).expect("group 1 always takes part");
                let (from, to) = (row + value.start(), row + value.end());
                let name = names.get(i).map(String::as_str).unwrap_or("");
                if name.is_empty() || to - from < 8 {
                    continue;
                }
                b.push_literal(format!("{name}: ").as_bytes(), html.file_offset(from));
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

/// A header cell's text without inner tags or surrounding space.
fn plain(cell: &[u8]) -> String {
    let mut s = String::new();
    let mut in_tag = false;
    for &b in cell {
        match b {
            b'<' => in_tag = true,
            b'>' => in_tag = false,
            _ if !in_tag => s.push(char::from(b)),
            _ => {}
        }
    }
    s.trim().to_owned()
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
