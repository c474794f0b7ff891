//! Turning a file's bytes into *segments*: the text detection should see
//! (JSON strings decoded, terminal colour codes removed) with a map back to
//! byte offsets in the file as stored, and where in the file it came from.

pub mod dataset;
pub mod notebook;
pub mod table;

use std::borrow::Cow;

/// Where in a file a segment came from, beyond its line and column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// 0-based cell index (notebooks).
    pub cell: Option<usize>,
    /// 0-based output index within the cell.
    pub output: Option<usize>,
    /// MIME type of an `execute_result` / `display_data` entry.
    pub mime: Option<String>,
}

/// What a notebook cell's metadata allows to go unreported: everything (a
/// `nbscrub-allow` tag) or the rules it names
/// (`{"nbscrub": {"allow": ["rule-id"]}}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allow {
    All,
    Rules(Vec<String>),
}

impl Allow {
    pub fn allows(&self, rule: &str) -> bool {
        match self {
            Allow::All => true,
            Allow::Rules(rules) => rules.iter().any(|r| r == rule),
        }
    }
}

/// Whether a line of a file says a finding on it is acknowledged:
/// `nbscrub: allow` for any rule, `nbscrub: allow(rule-a, rule-b)` for
/// those.
pub fn line_allows(line: &[u8], rule: &str) -> bool {
    const MARK: &[u8] = b"nbscrub: allow";
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&line[from..], MARK) {
        let rest = &line[from + i + MARK.len()..];
        match rest.first() {
            Some(b'(') => {
                let ids = &rest[1..];
                let end = ids.iter().position(|&b| b == b')').unwrap_or(ids.len());
                if ids[..end]
                    .split(|&b| b == b',')
                    .any(|id| id.trim_ascii() == rule.as_bytes())
                {
                    return true;
                }
            }
            Some(b) if b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_' => {}
            _ => return true,
        }
        from += i + MARK.len();
    }
    false
}

/// Text to scan and how its offsets map back to the file.
#[derive(Debug)]
pub struct Segment<'a> {
    pub text: Cow<'a, [u8]>,
    /// `(text offset, file offset)` checkpoints, ascending: between two
    /// checkpoints text and file advance together. Empty means the text is
    /// the file itself.
    map: Vec<(usize, usize)>,
    pub location: Location,
    /// Set for a table's `column: value` segment: its columns.
    pub table: Option<Box<table::Columns>>,
}

impl<'a> Segment<'a> {
    /// The file's own bytes as one segment.
    pub fn whole(bytes: &'a [u8]) -> Segment<'a> {
        Segment {
            text: Cow::Borrowed(bytes),
            map: Vec::new(),
            location: Location::default(),
            table: None,
        }
        .without_ansi()
    }

    /// The byte offset in the file of the text's byte at `pos`.
    pub fn file_offset(&self, pos: usize) -> usize {
        if self.map.is_empty() {
            return pos;
        }
        let i = self.map.partition_point(|&(t, _)| t <= pos);
        let (t, f) = self.map[i.saturating_sub(1)];
        f + pos.saturating_sub(t)
    }

    /// The file offset just past the text's bytes before `end`: where a
    /// match ending at `end` ends in the file, even when removed bytes
    /// (a colour code) follow it.
    pub fn file_end(&self, end: usize) -> usize {
        match end {
            0 => self.file_offset(0),
            _ => self.file_offset(end - 1) + 1,
        }
    }

    /// Removes terminal escape sequences (colour codes in tracebacks and
    /// logs split tokens from their neighbours only by bytes no one sees).
    fn without_ansi(self) -> Segment<'a> {
        if memchr::memchr(0x1b, &self.text).is_none() {
            return self;
        }
        let text = &self.text;
        let mut out = Vec::with_capacity(text.len());
        let mut map = Vec::new();
        let mut pos = 0;
        while let Some(i) = memchr::memchr(0x1b, &text[pos..]) {
            let esc = pos + i;
            self.copy_run(pos, esc, &mut out, &mut map);
            pos = escape_end(text, esc);
        }
        self.copy_run(pos, text.len(), &mut out, &mut map);
        Segment {
            text: Cow::Owned(out),
            map,
            location: self.location,
            table: self.table,
        }
    }

    /// Appends `text[from..to]` to `out`, with checkpoints so that offsets
    /// in `out` still map to the file.
    fn copy_run(&self, from: usize, to: usize, out: &mut Vec<u8>, map: &mut Vec<(usize, usize)>) {
        if from >= to {
            return;
        }
        let base = out.len();
        map.push((base, self.file_offset(from)));
        let inner = self.map.partition_point(|&(t, _)| t <= from);
        for &(t, f) in self.map[inner..].iter().take_while(|(t, _)| *t < to) {
            map.push((base + t - from, f));
        }
        out.extend_from_slice(&self.text[from..to]);
    }
}

/// The end of the escape sequence starting at `text[esc]` (an ESC byte):
/// CSI (`ESC [ … final`), OSC (`ESC ] … BEL` or `ESC \`), or a two-byte one.
fn escape_end(text: &[u8], esc: usize) -> usize {
    let n = text.len();
    match text.get(esc + 1) {
        Some(b'[') => {
            let mut i = esc + 2;
            while i < n && (0x20..0x40).contains(&text[i]) {
                i += 1;
            }
            if i < n && (0x40..0x7f).contains(&text[i]) {
                i + 1
            } else {
                i
            }
        }
        Some(b']') => {
            let mut i = esc + 2;
            while i < n && text[i] != 0x07 && text[i] != 0x1b && text[i] != b'\n' {
                i += 1;
            }
            match text.get(i) {
                Some(0x07) => i + 1,
                Some(0x1b) if text.get(i + 1) == Some(&b'\\') => i + 2,
                _ => i,
            }
        }
        Some(_) => esc + 2,
        None => esc + 1,
    }
}

/// Builds a segment from pieces of JSON string text: decoded text plus the
/// checkpoints that map it back to the raw JSON.
#[derive(Default)]
pub struct Builder {
    text: Vec<u8>,
    map: Vec<(usize, usize)>,
}

impl Builder {
    /// Appends the value of the JSON string whose raw text (between the
    /// quotes) is `raw`, found at `file_offset` in the file.
    pub fn push_json_str(&mut self, raw: &[u8], file_offset: usize) {
        self.map.push((self.text.len(), file_offset));
        let mut pos = 0;
        while let Some(i) = memchr::memchr(b'\\', &raw[pos..]) {
            let at = pos + i;
            self.text.extend_from_slice(&raw[pos..at]);
            let (decoded, len) = unescape_one(raw, at);
            let mut buf = [0u8; 4];
            self.text
                .extend_from_slice(decoded.encode_utf8(&mut buf).as_bytes());
            pos = at + len;
            self.map.push((self.text.len(), file_offset + pos));
        }
        self.text.extend_from_slice(&raw[pos..]);
    }

    /// Appends bytes that stand for something in the file but are not
    /// written there as they are (a line break between list elements, the
    /// `": "` between a key and its value), mapped to `file_offset`.
    pub fn push_literal(&mut self, bytes: &[u8], file_offset: usize) {
        self.map.push((self.text.len(), file_offset));
        self.text.extend_from_slice(bytes);
    }

    /// Appends `segment.text[from..to]`, still mapped to the file.
    pub fn push_mapped(&mut self, segment: &Segment<'_>, from: usize, to: usize) {
        segment.copy_run(from, to, &mut self.text, &mut self.map);
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub fn ends_with_newline(&self) -> bool {
        matches!(self.text.last(), None | Some(b'\n' | b'\r'))
    }

    pub fn finish(self, location: Location) -> Segment<'static> {
        Segment {
            text: Cow::Owned(self.text),
            map: self.map,
            location,
            table: None,
        }
        .without_ansi()
    }
}

/// Decodes the escape at `raw[at]` (a backslash): the character and the
/// number of raw bytes it took. A surrogate pair is one character; a lone
/// surrogate becomes U+FFFD.
fn unescape_one(raw: &[u8], at: usize) -> (char, usize) {
    let c = match raw.get(at + 1) {
        Some(b'n') => '\n',
        Some(b't') => '\t',
        Some(b'r') => '\r',
        Some(b'b') => '\u{8}',
        Some(b'f') => '\u{c}',
        Some(b'u') => {
            let Some(hi) = hex4(raw, at + 2) else {
                return ('\u{fffd}', 2);
            };
            if (0xD800..0xDC00).contains(&hi)
                && raw.get(at + 6) == Some(&b'\\')
                && raw.get(at + 7) == Some(&b'u')
                && let Some(lo) = hex4(raw, at + 8)
                && (0xDC00..0xE000).contains(&lo)
            {
                let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                return (char::from_u32(c).unwrap_or('\u{fffd}'), 12);
            }
            return (char::from_u32(hi).unwrap_or('\u{fffd}'), 6);
        }
        Some(&other) => char::from(other),
        None => return ('\\', 1),
    };
    (c, 2)
}

fn hex4(raw: &[u8], at: usize) -> Option<u32> {
    let digits = raw.get(at..at + 4)?;
    let text = std::str::from_utf8(digits).ok()?;
    u32::from_str_radix(text, 16).ok()
}

/// Line starts of a file, to turn byte offsets into 1-based lines and
/// columns (columns count characters, as editors do).
pub struct Lines<'a> {
    bytes: &'a [u8],
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub fn new(bytes: &'a [u8]) -> Lines<'a> {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1));
        Lines { bytes, starts }
    }

    /// The text of 1-based line `line`, without its line break.
    pub fn line(&self, line: usize) -> &'a [u8] {
        let Some(&start) = self.starts.get(line.wrapping_sub(1)) else {
            return &[];
        };
        let end = self.starts.get(line).map_or(self.bytes.len(), |&s| s - 1);
        &self.bytes[start..end.max(start)]
    }

    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.bytes.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let column = self.bytes[start..offset]
            .iter()
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count();
        (line + 1, column + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_string_maps_back() {
        let file = br#"["a\"b\u00e9 \\n TOKEN", "x"]"#;
        let raw = &file[2..22];
        let mut b = Builder::default();
        b.push_json_str(raw, 2);
        let seg = b.finish(Location::default());
        let text = std::str::from_utf8(&seg.text).unwrap();
        assert_eq!(text, "a\"b\u{e9} \\n TOKEN");
        let at = text.find("TOKEN").unwrap();
        assert_eq!(
            &file[seg.file_offset(at)..seg.file_offset(at) + 5],
            b"TOKEN"
        );
    }

    #[test]
    fn ansi_codes_removed_and_mapped() {
        let file = b"x \x1b[38;5;124mghp_TOKEN\x1b[39m y";
        let seg = Segment::whole(file);
        assert_eq!(&seg.text[..], b"x ghp_TOKEN y");
        assert_eq!(seg.file_offset(2), 13);
        assert_eq!(seg.file_offset(12), file.len() - 1);
    }

    #[test]
    fn json_escaped_ansi() {
        let file = br#""\u001b[31mAKIA\u001b[0m""#;
        let mut b = Builder::default();
        b.push_json_str(&file[1..file.len() - 1], 1);
        let seg = b.finish(Location::default());
        assert_eq!(&seg.text[..], b"AKIA");
        assert_eq!(seg.file_offset(0), 11);
        assert_eq!(seg.file_offset(4), 15);
    }

    #[test]
    fn pragmas_name_rules_or_allow_all() {
        assert!(line_allows(
            b"key = 'x'  # nbscrub: allow",
            "aws-access-key-id"
        ));
        assert!(line_allows(b"# nbscrub: allow(email, us-ssn)", "us-ssn"));
        assert!(!line_allows(b"# nbscrub: allow(email)", "us-ssn"));
        assert!(!line_allows(b"# nbscrub: allowed", "email"));
        assert!(!line_allows(b"plain line", "email"));
    }

    #[test]
    fn lines_and_columns() {
        let lines = Lines::new("ab\né x\n".as_bytes());
        assert_eq!(lines.position(0), (1, 1));
        assert_eq!(lines.position(3), (2, 1));
        assert_eq!(lines.position(6), (2, 3));
    }
}
