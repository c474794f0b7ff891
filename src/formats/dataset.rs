//! Datasets as tables, streamed: CSV and TSV (with `csv-core`, the `csv`
//! crate's own parser, because it says how many input bytes each field
//! took, so a value maps back to its line and column), JSON Lines, and
//! JSON arrays of records. A file is read in batches of about a megabyte
//! of whole records; memory does not grow with the file.

use std::io::{self, Read};
use std::path::Path;

use crate::notebook::json::{self, Node, Value};

/// What kind of dataset a file is, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// CSV or TSV; the delimiter is sniffed when `None`.
    Delimited(Option<u8>),
    JsonLines,
    /// A JSON file; its records are the objects in its first array of
    /// objects (`[{…}, …]`, or `{"users": [{…}, …]}`, or a FHIR bundle's
    /// `entry`). A JSON file without one is not a dataset.
    Json,
}

pub fn kind(path: &Path) -> Option<Kind> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "csv" => Some(Kind::Delimited(None)),
        "tsv" | "tab" => Some(Kind::Delimited(Some(b'\t'))),
        "jsonl" | "ndjson" => Some(Kind::JsonLines),
        "json" => Some(Kind::Json),
        _ => None,
    }
}

/// Batches hold about this many bytes of whole records.
const BATCH: usize = 1 << 20;

/// One value of a record.
#[derive(Debug, Clone)]
pub struct Cell {
    /// Index of the record in the batch.
    pub record: usize,
    /// Index of the column: its place in a CSV row, or the number a JSON
    /// key path was given when first seen (see [`Batch::names`]).
    pub column: usize,
    /// Where the value's text starts in [`Batch::raw`] (JSON), or where
    /// its record starts (CSV: [`Batch::cell_raw`] finds the field, parsing
    /// only records something was found in).
    raw: usize,
    /// The value, decoded (quotes and escapes removed), in [`Batch::values`].
    pub value: std::ops::Range<usize>,
}

/// Whole records as stored, and their values.
#[derive(Debug, Default, Clone)]
pub struct Batch {
    pub raw: Vec<u8>,
    /// File offset, 1-based line, and 1-based column of `raw[0]`.
    pub offset: u64,
    pub line: usize,
    pub column: usize,
    /// Where each record starts in `raw`.
    pub records: Vec<usize>,
    pub cells: Vec<Cell>,
    pub values: Vec<u8>,
    /// JSON key paths (`contact.email`) by column index, all seen so far;
    /// empty for CSV, whose header is its first record.
    pub names: Vec<String>,
    /// The delimiter of a CSV or TSV file.
    delimiter: Option<u8>,
}

impl Batch {
    pub fn value(&self, cell: &Cell) -> &[u8] {
        &self.values[cell.value.clone()]
    }

    /// Where the cell's text starts in [`Batch::raw`] (after its opening
    /// quote).
    pub fn cell_raw(&self, cell: &Cell) -> usize {
        let Some(delimiter) = self.delimiter else {
            return cell.raw;
        };
        let mut parser = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
        let mut pos = cell.raw;
        let mut scratch = [0u8; 1024];
        for _ in 0..cell.column {
            loop {
                let (result, nin, _) = parser.read_field(&self.raw[pos..], &mut scratch);
                pos += nin;
                if !matches!(result, csv_core::ReadFieldResult::OutputFull) {
                    break;
                }
            }
        }
        pos + usize::from(self.raw.get(pos) == Some(&b'"'))
    }

    /// The 1-based line and column in the file of `raw[offset]`.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        position(&self.raw, (self.line, self.column), offset)
    }

    /// Moves the batch's start past its records, ready for the next.
    fn advance(&mut self, consumed: usize) {
        self.start_after(consumed);
        self.raw.drain(..consumed);
        self.records.clear();
        self.cells.clear();
        self.values.clear();
    }

    /// Sets where the batch starts to just after `raw[..consumed]`.
    fn start_after(&mut self, consumed: usize) {
        let (line, column) = self.position(consumed);
        self.line = line;
        self.column = column;
        self.offset += consumed as u64;
    }
}

/// Where whole batches go: handed over by value (no copy), and the spent
/// batches that come back are reused, so a long file does not allocate a
/// fresh megabyte per batch.
struct Sink<F> {
    each: F,
    spare: Option<Batch>,
}

impl<F: FnMut(Batch) -> Option<Batch>> Sink<F> {
    /// Hands over the records in `raw[..consumed]`; `batch` keeps the rest.
    fn hand_over(&mut self, batch: &mut Batch, consumed: usize) {
        if batch.records.is_empty() {
            batch.advance(consumed);
            return;
        }
        let mut next = self.spare.take().unwrap_or_default();
        next.raw.clear();
        next.raw.extend_from_slice(&batch.raw[consumed..]);
        next.records.clear();
        next.cells.clear();
        next.values.clear();
        next.names.clone_from(&batch.names);
        next.delimiter = batch.delimiter;
        (next.offset, next.line, next.column) = (batch.offset, batch.line, batch.column);
        next.start_after_in(&batch.raw, consumed);
        batch.raw.truncate(consumed);
        let done = std::mem::replace(batch, next);
        self.spare = (self.each)(done);
    }
}

impl Batch {
    /// Like [`Batch::start_after`], measuring in `raw` (the batch's text
    /// before it moved).
    fn start_after_in(&mut self, raw: &[u8], consumed: usize) {
        let (line, column) = position(raw, (self.line, self.column), consumed);
        self.line = line;
        self.column = column;
        self.offset += consumed as u64;
    }
}

/// The line and column of `raw[offset]`, where `raw[0]` is at `start`.
fn position(raw: &[u8], start: (usize, usize), offset: usize) -> (usize, usize) {
    let before = &raw[..offset.min(raw.len())];
    let newlines = memchr::memchr_iter(b'\n', before).count();
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    let chars = before[line_start..]
        .iter()
        .filter(|&&b| (b & 0xC0) != 0x80)
        .count();
    if newlines == 0 {
        (start.0, start.1 + chars)
    } else {
        (start.0 + newlines, chars + 1)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("no array of records")]
    NoRecords,
}

/// Reads a dataset, giving `each` every batch of whole records in order.
pub fn read(
    kind: Kind,
    mut input: impl Read,
    each: impl FnMut(Batch) -> Option<Batch>,
) -> Result<(), DatasetError> {
    let mut sink = Sink { each, spare: None };
    let mut batch = Batch {
        line: 1,
        column: 1,
        ..Batch::default()
    };
    // A UTF-8 byte order mark is not part of the first column's name.
    let mut first = [0u8; 3];
    let n = read_full(&mut input, &mut first)?;
    if first[..n] != [0xEF, 0xBB, 0xBF] {
        batch.raw.extend_from_slice(&first[..n]);
    } else {
        batch.offset = 3;
    }
    match kind {
        Kind::Delimited(delimiter) => delimited(delimiter, input, &mut batch, &mut sink)?,
        Kind::JsonLines => json_lines(input, &mut batch, &mut sink)?,
        Kind::Json => json_records(input, &mut batch, &mut sink)?,
    }
    Ok(())
}

fn read_full(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match input.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Appends up to a batch's worth of input to `raw`; false at the end.
fn fill(input: &mut impl Read, raw: &mut Vec<u8>) -> io::Result<bool> {
    let old = raw.len();
    raw.resize(old + BATCH, 0);
    let n = read_full(input, &mut raw[old..])?;
    raw.truncate(old + n);
    Ok(n > 0)
}

/// The delimiter that splits the first lines most evenly: of `,` `\t` `;`
/// `|`, the one found the same non-zero number of times on most lines.
fn sniff(sample: &[u8]) -> u8 {
    let lines: Vec<&[u8]> = sample.split(|&b| b == b'\n').take(20).collect();
    let lines = &lines[..lines.len().saturating_sub(1).max(1)];
    let mut best = (0usize, b',');
    for d in [b',', b'\t', b';', b'|'] {
        let counts: Vec<usize> = lines
            .iter()
            .map(|l| {
                let mut quoted = false;
                l.iter()
                    .filter(|&&b| {
                        if b == b'"' {
                            quoted = !quoted;
                        }
                        b == d && !quoted
                    })
                    .count()
            })
            .collect();
        let Some(&first) = counts.first() else {
            continue;
        };
        if first == 0 {
            continue;
        }
        let score = counts.iter().filter(|&&c| c == first).count() * 1000 + first;
        if score > best.0 {
            best = (score, d);
        }
    }
    best.1
}

fn delimited(
    delimiter: Option<u8>,
    mut input: impl Read,
    batch: &mut Batch,
    sink: &mut Sink<impl FnMut(Batch) -> Option<Batch>>,
) -> Result<(), DatasetError> {
    let mut more = fill(&mut input, &mut batch.raw)?;
    let sample = &batch.raw[..batch.raw.len().min(64 << 10)];
    let delimiter = delimiter.unwrap_or_else(|| sniff(sample));
    batch.delimiter = Some(delimiter);
    let mut parser = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
    // Where the parser is in `raw` and where the current record started;
    // the record's decoded fields so far and where each ends.
    let mut pos = 0;
    let mut record_start = 0;
    let mut fields = vec![0u8; 4096];
    let mut ends = vec![0usize; 64];
    let (mut out_len, mut n_ends) = (0, 0);
    loop {
        if pos == batch.raw.len() && more {
            // Hand over the whole records; the one cut by the end of the
            // input is parsed again from its start with more input (an
            // empty slice would tell the parser the input has ended).
            sink.hand_over(batch, record_start);
            parser.reset();
            (pos, record_start, out_len, n_ends) = (0, 0, 0, 0);
            more = fill(&mut input, &mut batch.raw)?;
            continue;
        }
        let (result, nin, nout, nend) = parser.read_record(
            &batch.raw[pos..],
            &mut fields[out_len..],
            &mut ends[n_ends..],
        );
        pos += nin;
        out_len += nout;
        n_ends += nend;
        match result {
            csv_core::ReadRecordResult::InputEmpty => {}
            csv_core::ReadRecordResult::OutputFull => {
                let len = fields.len();
                fields.resize(len * 2, 0);
            }
            csv_core::ReadRecordResult::OutputEndsFull => {
                let len = ends.len();
                ends.resize(len * 2, 0);
            }
            csv_core::ReadRecordResult::Record => {
                batch.records.push(record_start);
                let record = batch.records.len() - 1;
                let mut from = 0;
                for (column, &end) in ends[..n_ends].iter().enumerate() {
                    let start = batch.values.len();
                    batch.values.extend_from_slice(&fields[from..end]);
                    batch.cells.push(Cell {
                        record,
                        column,
                        raw: record_start,
                        value: start..batch.values.len(),
                    });
                    from = end;
                }
                (out_len, n_ends) = (0, 0);
                // The next record starts after the line break (and any
                // blank lines, which the parser skips).
                record_start = pos;
                while batch
                    .raw
                    .get(record_start)
                    .is_some_and(|&b| b == b'\r' || b == b'\n')
                {
                    record_start += 1;
                }
            }
            csv_core::ReadRecordResult::End => break,
        }
    }
    let all = batch.raw.len();
    sink.hand_over(batch, all);
    Ok(())
}

fn json_lines(
    mut input: impl Read,
    batch: &mut Batch,
    sink: &mut Sink<impl FnMut(Batch) -> Option<Batch>>,
) -> Result<(), DatasetError> {
    let mut names = std::collections::HashMap::new();
    let mut more = fill(&mut input, &mut batch.raw)?;
    loop {
        let end = if more {
            match memchr::memrchr(b'\n', &batch.raw) {
                Some(i) => i + 1,
                None => {
                    more = fill(&mut input, &mut batch.raw)?;
                    continue;
                }
            }
        } else {
            batch.raw.len()
        };
        // The parsed records borrow the raw text while cells are added.
        let raw = std::mem::take(&mut batch.raw);
        let mut start = 0;
        while start < end {
            let line_end = memchr::memchr(b'\n', &raw[start..end]).map_or(end, |i| start + i);
            let line = &raw[start..line_end];
            if line.iter().any(|b| !b.is_ascii_whitespace()) {
                let (l, _) = position(&raw, (batch.line, batch.column), start);
                let text = std::str::from_utf8(line).map_err(|e| {
                    DatasetError::Json(format!(
                        "not UTF-8 on line {l}, at byte {}",
                        e.valid_up_to() + 1
                    ))
                })?;
                let node = json::parse(text)
                    .map_err(|e| DatasetError::Json(format!("{} on line {l}", e.message)))?;
                add_record(batch, &mut names, start, &node);
            }
            start = line_end + 1;
        }
        batch.raw = raw;
        let end = end.min(batch.raw.len());
        sink.hand_over(batch, end);
        if !more {
            break;
        }
        more = fill(&mut input, &mut batch.raw)?;
    }
    Ok(())
}

/// Finds the records of a JSON file by its brackets alone (strings are
/// skipped), so only one record at a time is ever parsed.
fn json_records(
    mut input: impl Read,
    batch: &mut Batch,
    sink: &mut Sink<impl FnMut(Batch) -> Option<Batch>>,
) -> Result<(), DatasetError> {
    let mut names = std::collections::HashMap::new();
    let mut more = fill(&mut input, &mut batch.raw)?;
    // Bracket stack; the depth of the array whose objects are records, once
    // found; where the current record started.
    let mut stack: Vec<u8> = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    let mut records_at: Option<usize> = None;
    let mut record_start: Option<usize> = None;
    let mut pos = 0;
    loop {
        while pos < batch.raw.len() {
            let b = batch.raw[pos];
            if in_string {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                }
                pos += 1;
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'[' => stack.push(b'['),
                b'{' => {
                    if records_at.is_none() && stack.last() == Some(&b'[') && stack.len() <= 3 {
                        records_at = Some(stack.len());
                    }
                    if records_at == Some(stack.len()) && stack.last() == Some(&b'[') {
                        record_start = Some(pos);
                    }
                    stack.push(b'{');
                }
                b']' | b'}' => {
                    stack.pop();
                    if b == b'}'
                        && records_at == Some(stack.len())
                        && let Some(start) = record_start.take()
                    {
                        let raw = std::mem::take(&mut batch.raw);
                        let (l, _) = position(&raw, (batch.line, batch.column), start);
                        let text = std::str::from_utf8(&raw[start..=pos]).map_err(|_| {
                            DatasetError::Json(format!("not UTF-8 in the record on line {l}"))
                        })?;
                        let node = json::parse(text).map_err(|e| {
                            DatasetError::Json(format!("{} in the record on line {l}", e.message))
                        })?;
                        add_record(batch, &mut names, start, &node);
                        batch.raw = raw;
                    }
                }
                _ => {}
            }
            pos += 1;
        }
        let keep = record_start.unwrap_or(pos);
        sink.hand_over(batch, keep);
        pos -= keep;
        if let Some(s) = record_start.as_mut() {
            *s -= keep;
        }
        if !more {
            break;
        }
        more = fill(&mut input, &mut batch.raw)?;
    }
    if records_at.is_none() {
        return Err(DatasetError::NoRecords);
    }
    if !stack.is_empty() || in_string {
        return Err(DatasetError::Json(format!(
            "the file ends inside {} (truncated?)",
            if in_string {
                "a string"
            } else {
                "an array or object"
            }
        )));
    }
    Ok(())
}

/// Adds the scalar values of a parsed record (`start` in `raw`) as cells,
/// named by their key path.
fn add_record(
    batch: &mut Batch,
    names: &mut std::collections::HashMap<String, usize>,
    start: usize,
    node: &Node<'_>,
) {
    batch.records.push(start);
    let record = batch.records.len() - 1;
    let mut path = String::new();
    leaves(batch, names, record, start, node, &mut path);
}

fn leaves(
    batch: &mut Batch,
    names: &mut std::collections::HashMap<String, usize>,
    record: usize,
    base: usize,
    node: &Node<'_>,
    path: &mut String,
) {
    match &node.value {
        Value::Object(members) => {
            for m in members {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&m.key.decode());
                leaves(batch, names, record, base, &m.node, path);
                path.truncate(len);
            }
        }
        Value::Array(items) => {
            for item in items {
                leaves(batch, names, record, base, item, path);
            }
        }
        Value::Lazy(_) => {
            let mut node = node.clone();
            node.materialize();
            leaves(batch, names, record, base, &node, path);
        }
        Value::String(s) => {
            let text = s.decode();
            push_cell(
                batch,
                names,
                record,
                base + node.start + 1,
                path,
                text.as_bytes(),
            );
        }
        Value::Number(n) => {
            push_cell(batch, names, record, base + node.start, path, n.as_bytes());
        }
        Value::Null | Value::Bool(_) => {}
    }
}

fn push_cell(
    batch: &mut Batch,
    names: &mut std::collections::HashMap<String, usize>,
    record: usize,
    raw: usize,
    path: &str,
    value: &[u8],
) {
    let column = match names.get(path) {
        Some(&c) => c,
        None => {
            let c = batch.names.len();
            batch.names.push(path.to_owned());
            names.insert(path.to_owned(), c);
            c
        }
    };
    let start = batch.values.len();
    batch.values.extend_from_slice(value);
    batch.cells.push(Cell {
        record,
        column,
        raw,
        value: start..batch.values.len(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(kind: Kind, data: &[u8]) -> Vec<(usize, usize, String, usize, usize)> {
        let mut out = Vec::new();
        read(kind, data, |b| {
            for c in &b.cells {
                let (line, col) = b.position(b.cell_raw(c));
                out.push((
                    b.offset as usize + b.records[c.record],
                    c.column,
                    String::from_utf8_lossy(b.value(c)).into_owned(),
                    line,
                    col,
                ));
            }
            None
        })
        .unwrap();
        out
    }

    #[test]
    fn csv_fields_map_back_to_their_place() {
        let data = b"\xEF\xBB\xBFname,note\r\nAda,\"two\nlines, one comma\"\r\nBob,x\r\n";
        let cells = collect(Kind::Delimited(None), data);
        let values: Vec<&str> = cells.iter().map(|c| c.2.as_str()).collect();
        assert_eq!(
            values,
            ["name", "note", "Ada", "two\nlines, one comma", "Bob", "x"]
        );
        assert_eq!((cells[3].3, cells[3].4), (2, 6));
        assert_eq!((cells[4].3, cells[4].4), (4, 1));
    }

    #[test]
    fn delimiters_are_sniffed() {
        assert_eq!(sniff(b"a;b;c\n1;2,5;3\n"), b';');
        assert_eq!(sniff(b"a\tb\n1\t2\n"), b'\t');
        assert_eq!(sniff(b"a,b\n1,2\n"), b',');
    }

    #[test]
    fn json_records_anywhere() {
        let data =
            br#"{"users": [{"email": "a@b.io", "contact": {"phone": 5}}, {"email": "c@d.io"}]}"#;
        let cells = collect(Kind::Json, data);
        assert_eq!(cells.len(), 3);
        assert_eq!(cells[1].2, "5");
        assert_eq!((cells[2].3, cells[2].4), (1, 69));
        let lines = collect(Kind::JsonLines, b"{\"a\": \"x\"}\n\n{\"a\": \"y\"}\n");
        assert_eq!(lines[1].3, 3);
        let truncated = read(Kind::Json, &br#"[{"a": "x"}, {"a": "y"}"#[..], |_| None);
        assert!(matches!(truncated, Err(DatasetError::Json(m)) if m.contains("truncated")));
    }

    #[test]
    fn batches_split_only_between_records() {
        let mut data = b"id,email\n".to_vec();
        for i in 0..60_000 {
            data.extend_from_slice(format!("{i},\"user{i}@mail.io\"\n").as_bytes());
        }
        let (mut n, mut batches, mut last) = (0, 0, None);
        read(Kind::Delimited(Some(b',')), &data[..], |b| {
            n += b.cells.len();
            batches += 1;
            let c = b.cells.last().unwrap();
            last = Some((
                String::from_utf8_lossy(b.value(c)).into_owned(),
                b.position(b.cell_raw(c)),
            ));
            Some(b)
        })
        .unwrap();
        assert_eq!((n, batches), (120_002, 2));
        assert_eq!(last, Some(("user59999@mail.io".into(), (60_001, 8))));
    }
}
