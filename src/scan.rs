//! Scanning one file: its bytes become segments or table cells (formats),
//! those become matches and classified columns (detect), and those become
//! located, redacted findings (report). The values found never leave this
//! module unredacted.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use rayon::prelude::*;

use crate::detect::columns::{Class, Column, Place};
use crate::detect::{Category, Confidence, Engine, Match, Rule};
use crate::formats::dataset::{self, Batch, DatasetError, Kind};
use crate::formats::{self, Lines, Segment};
use crate::report::redact::{mask, redact};
use crate::report::{Finding, fingerprint};

/// What a scan of one file reports: from its configuration and the
/// command line.
#[derive(Debug)]
pub struct Policy {
    pub min_confidence: Confidence,
    /// A value one of these matches whole is not reported.
    pub allow_values: Vec<regex::bytes::Regex>,
}

impl Policy {
    pub fn new(min_confidence: Confidence) -> Policy {
        Policy {
            min_confidence,
            allow_values: Vec::new(),
        }
    }

    fn allows_value(&self, value: &[u8]) -> bool {
        self.allow_values.iter().any(|r| {
            r.find(value)
                .is_some_and(|m| m.start() == 0 && m.end() == value.len())
        })
    }
}

pub struct FileScan {
    pub findings: Vec<Finding>,
    /// Set when the file was scanned in a lesser way than its kind deserves.
    pub warning: Option<String>,
}

/// Scans `bytes`, the content of the file reported as `shown`.
pub fn scan_bytes(
    engine: &Engine,
    path: &Path,
    shown: &str,
    bytes: &[u8],
    policy: &Policy,
) -> FileScan {
    if let Some(kind) = dataset::kind(path) {
        match scan_dataset(engine, kind, bytes, shown, policy) {
            Ok(scan) => return scan,
            // A `.json` file that holds no records is an ordinary file.
            Err(DatasetError::NoRecords) => {}
            Err(e) => {
                let mut scan = scan_text(engine, shown, bytes, policy, false);
                scan.warning = Some(format!("{e}; scanned as text"));
                return scan;
            }
        }
    }
    let notebook = path.extension().is_some_and(|e| e == "ipynb");
    scan_text(engine, shown, bytes, policy, notebook)
}

fn scan_text(
    engine: &Engine,
    shown: &str,
    bytes: &[u8],
    policy: &Policy,
    notebook: bool,
) -> FileScan {
    let mut warning = None;
    let mut allowed = Vec::new();
    let segments = if notebook {
        match std::str::from_utf8(bytes) {
            Ok(text) => match formats::notebook::segments(text) {
                Ok(scanned) => {
                    allowed = scanned.allowed;
                    scanned.segments
                }
                Err(e) => {
                    warning = Some(format!("not valid notebook JSON ({e}); scanned as text"));
                    vec![Segment::whole(bytes)]
                }
            },
            Err(e) => {
                warning = Some(format!(
                    "not UTF-8 (invalid byte at offset {}); scanned as text",
                    e.valid_up_to()
                ));
                vec![Segment::whole(bytes)]
            }
        }
    } else {
        vec![Segment::whole(bytes)]
    };

    let mut lines: Option<Lines> = None;
    let mut out = Findings::new(shown, policy);
    let mut matches: Vec<Match> = Vec::new();
    for segment in &segments {
        matches.clear();
        engine.scan(&segment.text, &mut matches);
        for m in &matches {
            let rule = engine.rule(m.rule);
            let lines = lines.get_or_insert_with(|| Lines::new(bytes));
            let start = lines.position(segment.file_offset(m.start));
            let end = lines.position(segment.file_end(m.end));
            let mut f = out.finding(
                rule,
                m.confidence,
                start,
                end,
                &segment.text[m.start..m.end],
            );
            if let Some(f) = f.as_mut() {
                f.cell = segment.location.cell;
                f.output = segment.location.output;
                f.mime = segment.location.mime.clone();
            }
            out.push(f);
        }
        if let Some(table) = &segment.table {
            let lines = lines.get_or_insert_with(|| Lines::new(bytes));
            table_findings(engine, segment, table, lines, &mut out);
        }
    }
    // Acknowledged: `nbscrub: allow` on the line, or the cell's metadata.
    if let Some(lines) = &lines {
        out.found.retain(|f| {
            let cell_allows = f.cell.is_some_and(|c| {
                allowed
                    .iter()
                    .any(|(i, allow)| *i == c && allow.allows(&f.rule))
            });
            !cell_allows && !formats::line_allows(lines.line(f.line), &f.rule)
        });
    }
    FileScan {
        findings: out.finish(),
        warning,
    }
}

/// A dataframe in a notebook's output, classified by column like a
/// dataset; being short, each value of a classified column is reported.
fn table_findings(
    engine: &Engine,
    segment: &Segment<'_>,
    table: &formats::table::Columns,
    lines: &Lines<'_>,
    out: &mut Findings<'_>,
) {
    let columns = engine.columns();
    let text: &[u8] = &segment.text;
    let position = |at: usize| lines.position(segment.file_offset(at));
    let mut state: Vec<Column> = Vec::with_capacity(table.names.len());
    for (name, cells) in table.names.iter().zip(&table.cells) {
        let mut column = columns.column(Some(name));
        for &(from, to) in cells {
            columns.observe(engine, &mut column, &text[from..to], || {
                let (line, column) = position(from);
                Place {
                    line,
                    column,
                    shown: String::new(),
                }
            });
        }
        columns.decide(&mut column);
        state.push(column);
    }
    let classes = settle(&state, &table.names);
    let located = |mut f: Finding, i: usize| {
        f.cell = segment.location.cell;
        f.output = segment.location.output;
        f.mime = segment.location.mime.clone();
        f.field = Some(table.names[i].clone());
        f
    };
    for (i, class) in classes.iter().enumerate() {
        let Some(class) = class else { continue };
        for &(from, to) in &table.cells[i] {
            if !columns.counts(engine, &state[i], &text[from..to]) {
                continue;
            }
            let rule = engine.rule(class.rule);
            let f = out.finding(
                rule,
                class.confidence,
                position(from),
                position(to),
                &text[from..to],
            );
            out.push(f.map(|f| located(f, i)));
        }
    }
    let field = |i: usize| table.names[i].clone();
    if let Some((h, confidence, summary)) = phi_record(&classes, &field) {
        let at = table.cells[h].first().map_or(0, |c| c.0);
        let rows = table.cells.iter().map(Vec::len).max().unwrap_or(0);
        let f = out.shown_as(&PHI_RECORD, confidence, position(at), position(at), summary);
        out.push(f.map(|mut f| {
            f.rows = Some(rows as u64);
            located(f, h)
        }));
    }
}

/// Findings of one file as they are made: redacted, fingerprinted, those
/// below the confidence asked for left out.
struct Findings<'a> {
    shown: &'a str,
    policy: &'a Policy,
    found: Vec<Finding>,
    occurrences: HashMap<(String, String), usize>,
}

impl<'a> Findings<'a> {
    fn new(shown: &'a str, policy: &'a Policy) -> Findings<'a> {
        Findings {
            shown,
            policy,
            found: Vec::new(),
            occurrences: HashMap::new(),
        }
    }

    fn finding(
        &mut self,
        rule: &Rule,
        confidence: Confidence,
        (line, column): (usize, usize),
        (end_line, end_column): (usize, usize),
        value: &[u8],
    ) -> Option<Finding> {
        if self.policy.allows_value(value) {
            return None;
        }
        self.shown_as(
            rule,
            confidence,
            (line, column),
            (end_line, end_column),
            shown(rule, value),
        )
    }

    fn shown_as(
        &mut self,
        rule: &Rule,
        confidence: Confidence,
        (line, column): (usize, usize),
        (end_line, end_column): (usize, usize),
        redacted: String,
    ) -> Option<Finding> {
        if confidence < self.policy.min_confidence {
            return None;
        }
        Some(Finding {
            path: self.shown.to_owned(),
            line,
            column,
            end_line,
            end_column,
            rule: rule.id.clone(),
            category: rule.category.as_str(),
            confidence: confidence.as_str(),
            cell: None,
            output: None,
            mime: None,
            field: None,
            rows: None,
            commit: None,
            fingerprint: String::new(),
            redacted,
            fails: true,
        })
    }

    fn push(&mut self, finding: Option<Finding>) {
        self.found.extend(finding);
    }

    /// The findings in file order, one per place and rule (a dataframe's
    /// value is seen in its output's text and again in its table; the
    /// more confident sighting, and the one that knows its column, stays),
    /// fingerprinted by their order among equal values.
    fn finish(mut self) -> Vec<Finding> {
        let place = |f: &Finding| (f.line, f.column, f.end_line, f.end_column, f.rule.clone());
        let rank = |f: &Finding| (f.confidence.parse::<Confidence>().ok(), f.field.is_some());
        self.found
            .sort_by(|a, b| place(a).cmp(&place(b)).then(rank(b).cmp(&rank(a))));
        self.found
            .dedup_by(|later, kept| place(later) == place(kept));
        for f in &mut self.found {
            // A secret is told apart by its redacted form; personal data,
            // whose few digits a redacted form would narrow to a handful of
            // guesses, only by where it is (column, cell) and its order.
            let anchor = if f.category == Category::Secret.as_str() {
                f.redacted.clone()
            } else {
                format!("{:?}/{:?}/{:?}", f.cell, f.output, f.field)
            };
            let n = self
                .occurrences
                .entry((f.rule.clone(), anchor.clone()))
                .or_default();
            *n += 1;
            f.fingerprint = fingerprint(&f.rule, self.shown, &anchor, *n);
        }
        self.found
    }
}

/// A value as a report shows it: personal identifiers keep their shape
/// (`***-**-6789`), secrets their first and last characters.
fn shown(rule: &Rule, value: &[u8]) -> String {
    match rule.category {
        Category::Secret => redact(value),
        Category::Pii | Category::Phi => mask(value),
    }
}

/// PII and PHI found in free text within one column, counted like a
/// classified column.
struct Counted {
    confidence: Confidence,
    rows: u64,
    first: Place,
}

/// A dataset, streamed: columns classified, free text and secrets found in
/// cells, one finding per column and rule for personal data.
pub fn scan_dataset(
    engine: &Engine,
    kind: Kind,
    input: impl Read + Send,
    shown_path: &str,
    policy: &Policy,
) -> Result<FileScan, DatasetError> {
    let columns = engine.columns();
    let mut out = Findings::new(shown_path, policy);
    // Each column's state, by column index: columns are independent, so a
    // batch's columns are worked on in parallel.
    let mut state: Vec<ColumnScan> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut header: Option<bool> = None;
    let mut header_line = 1;
    let mut data_rows: u64 = 0;
    let delimited = matches!(kind, Kind::Delimited(_));
    let mut text: Vec<u8> = Vec::new();
    let mut starts: Vec<(usize, usize)> = Vec::new();
    let mut matches: Vec<Match> = Vec::new();
    let mut skip: Vec<bool> = Vec::new();
    // One thread parses while this one classifies: a batch is handed over
    // whole, and at most two wait, so memory stays bounded.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(2);
    let mut process = |batch: &Batch| {
        let mut skip_record = None;
        if header.is_none() {
            let first: Vec<&[u8]> = batch
                .cells
                .iter()
                .take_while(|c| c.record == 0)
                .map(|c| batch.value(c))
                .collect();
            let is_header = delimited && looks_like_header(engine, &first);
            header = Some(is_header);
            header_line = batch.line;
            if is_header {
                names = first
                    .iter()
                    .map(|v| String::from_utf8_lossy(v).trim().to_owned())
                    .collect();
                skip_record = Some(0);
            }
        }
        // JSON key paths name their columns as they appear.
        if !delimited {
            names.clone_from(&batch.names);
        }
        data_rows += (batch.records.len() - usize::from(skip_record.is_some())) as u64;
        for scan in state.iter_mut() {
            scan.cells.clear();
        }
        for (i, c) in batch.cells.iter().enumerate() {
            if skip_record == Some(c.record) {
                continue;
            }
            while state.len() <= c.column {
                let name = names.get(state.len()).map(String::as_str);
                state.push(ColumnScan {
                    column: columns.column(name),
                    counted: HashMap::new(),
                    cells: Vec::new(),
                    proven: Vec::new(),
                });
            }
            state[c.column].cells.push(i);
        }

        // Each column's values, the columns in parallel; a value that
        // proves its column's class (an e-mail address in the e-mail
        // column) holds no secret.
        state
            .par_iter_mut()
            .for_each(|scan| scan.observe(engine, batch));
        skip.clear();
        skip.resize(batch.cells.len(), false);
        for scan in &state {
            for &i in &scan.proven {
                skip[i] = true;
            }
        }

        // The other values as `column: value` lines, searched for secrets
        // (a key under a column named `api_key` is seen beside its name)
        // and for personal data beside its keyword.
        text.clear();
        starts.clear();
        for (i, c) in batch.cells.iter().enumerate() {
            // A value without a letter (a number, a date, an amount: most
            // cells of most datasets) holds no secret a rule reports, and
            // no keyword for personal data.
            if skip[i]
                || skip_record == Some(c.record)
                || !batch.value(c).iter().any(u8::is_ascii_alphabetic)
            {
                continue;
            }
            match names.get(c.column) {
                Some(name) => text.extend_from_slice(name.as_bytes()),
                None => text.extend_from_slice(format!("column {}", c.column + 1).as_bytes()),
            }
            text.extend_from_slice(b": ");
            starts.push((text.len(), i));
            text.extend_from_slice(batch.value(c));
            text.push(b'\n');
        }
        matches.clear();
        engine.scan_with(&text, false, &mut matches);
        for m in &matches {
            let rule = engine.rule(m.rule);
            let at = starts
                .partition_point(|&(s, _)| s <= m.start)
                .saturating_sub(1);
            let Some(&(value_start, i)) = starts.get(at) else {
                continue;
            };
            let c = &batch.cells[i];
            let value_end = value_start + c.value.len();
            // Where the match is in the file: its offset within the value
            // (a name matched with its value starts at the value).
            let raw = |offset: usize| {
                batch.cell_raw(c) + offset.clamp(value_start, value_end) - value_start
            };
            if rule.category == Category::Secret {
                let mut f = out.finding(
                    rule,
                    m.confidence,
                    batch.position(raw(m.start)),
                    batch.position(raw(m.end)),
                    &text[m.start..m.end],
                );
                if let Some(f) = f.as_mut() {
                    f.field = names.get(c.column).cloned();
                }
                out.push(f);
                continue;
            }
            // Personal data must lie within one value.
            if m.start < value_start || m.end > value_end {
                continue;
            }
            if let Some(scan) = state.get_mut(c.column) {
                count(&mut scan.counted, m, || {
                    place(batch, raw(m.start), shown(rule, &text[m.start..m.end]))
                });
            }
        }
    };
    let (spare_tx, spare_rx) = std::sync::mpsc::channel::<Batch>();
    let read = std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            dataset::read(kind, input, |batch| {
                // The receiver stops only when this scan is over.
                let _ = tx.send(batch);
                spare_rx.try_recv().ok()
            })
        });
        for batch in rx {
            process(&batch);
            let _ = spare_tx.send(batch);
        }
        reader.join()
    });
    match read {
        Ok(result) => result?,
        Err(panic) => std::panic::resume_unwind(panic),
    }

    let field = |i: usize| match names.get(i) {
        Some(name) => name.clone(),
        None => format!("column {}", i + 1),
    };
    for scan in state.iter_mut() {
        columns.decide(&mut scan.column);
    }
    let mut counted: Vec<((usize, usize), Counted)> = Vec::new();
    let mut decided: Vec<Column> = Vec::with_capacity(state.len());
    for (i, scan) in state.into_iter().enumerate() {
        counted.extend(scan.counted.into_iter().map(|(r, c)| ((i, r), c)));
        decided.push(scan.column);
    }
    let classes = settle(&decided, &names);
    for (i, column) in decided.iter().enumerate() {
        let (Some(class), Some(first)) = (classes[i], column.first.clone()) else {
            continue;
        };
        counted.retain(|(k, _)| *k != (i, class.rule));
        let mut f = out.shown_as(
            engine.rule(class.rule),
            class.confidence,
            (first.line, first.column),
            (first.line, first.column),
            first.shown,
        );
        if let Some(f) = f.as_mut() {
            f.field = Some(field(i));
            f.rows = Some(column.rows);
        }
        out.push(f);
    }
    counted.sort_by_key(|(k, _)| *k);
    for ((i, r), c) in counted {
        let mut f = out.shown_as(
            engine.rule(r),
            c.confidence,
            (c.first.line, c.first.column),
            (c.first.line, c.first.column),
            c.first.shown,
        );
        if let Some(f) = f.as_mut() {
            f.field = Some(field(i));
            f.rows = Some(c.rows);
        }
        out.push(f);
    }
    if let Some((h, confidence, summary)) = phi_record(&classes, &field) {
        let mut f = out.shown_as(
            &PHI_RECORD,
            confidence,
            (header_line, 1),
            (header_line, 1),
            summary,
        );
        if let Some(f) = f.as_mut() {
            f.field = Some(field(h));
            f.rows = Some(data_rows);
        }
        out.push(f);
    }
    Ok(FileScan {
        findings: out.finish(),
        warning: None,
    })
}

/// Column names that say a table is about people, beside a column named
/// just `name`.
const PERSONAL: &[&str] = &[
    "sex",
    "gender",
    "age",
    "patient",
    "passenger",
    "customer",
    "employee",
    "member",
];

/// The classes of a table's decided columns, a weakly named column (`name`)
/// kept only beside another personal column and otherwise lowered.
fn settle(state: &[Column], names: &[String]) -> Vec<Option<Class>> {
    let strong = state.iter().any(|c| {
        c.class
            .is_some_and(|k| !k.weak && !k.health && k.confidence >= Confidence::Medium)
    });
    let personal = strong
        || names.iter().any(|n| {
            crate::detect::columns::words(n)
                .iter()
                .any(|w| PERSONAL.contains(&w.as_str()))
        });
    state
        .iter()
        .map(|c| {
            c.class.map(|mut k| {
                if k.weak && !personal {
                    k.confidence = Confidence::Low;
                }
                k
            })
        })
        .collect()
}

/// A table that holds an identifier column next to health information is
/// a PHI record: the health column first named, how sure, and which
/// columns (names only, never values).
fn phi_record(
    classes: &[Option<Class>],
    field: &dyn Fn(usize) -> String,
) -> Option<(usize, Confidence, String)> {
    let identifiers: Vec<(usize, Confidence)> = classes
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            c.filter(|c| !c.health && c.confidence >= Confidence::Medium)
                .map(|c| (i, c.confidence))
        })
        .collect();
    let health: Vec<usize> = (0..classes.len())
        .filter(|&i| classes[i].is_some_and(|c| c.health))
        .collect();
    let &first = health.first()?;
    let confidence = identifiers.iter().map(|&(_, c)| c).max()?;
    let summary = format!(
        "{} beside {}",
        identifiers
            .iter()
            .map(|&(i, _)| field(i))
            .collect::<Vec<_>>()
            .join(", "),
        health
            .iter()
            .map(|&i| field(i))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Some((first, confidence, summary))
}

/// The finding for a table that ties people to their health.
pub static PHI_RECORD: std::sync::LazyLock<Rule> = std::sync::LazyLock::new(|| Rule {
    id: "phi-record".into(),
    description: "A table that holds identifiers next to health information".into(),
    category: Category::Phi,
    confidence: Confidence::High,
    keywords: Vec::new(),
    context: Vec::new(),
    with_context: None,
    columns: Vec::new(),
    value: None,
    tables_only: true,
    health: false,
    regex: String::new(),
    validators: Vec::new(),
    min_entropy: None,
    window: None,
    examples: Vec::new(),
    negatives: Vec::new(),
});

/// One column of a dataset while it streams past: its classification, and
/// the personal data found within its free text, by rule.
struct ColumnScan {
    column: Column,
    counted: HashMap<usize, Counted>,
    /// This batch's cells of the column, and those that proved its class.
    cells: Vec<usize>,
    proven: Vec<usize>,
}

impl ColumnScan {
    /// Takes the column's cells of a batch, noting those whose value
    /// proves the column's class.
    fn observe(&mut self, engine: &Engine, batch: &Batch) {
        let columns = engine.columns();
        let mut matches = Vec::new();
        self.proven.clear();
        for &i in &self.cells {
            let c = &batch.cells[i];
            let value = batch.value(c);
            if columns.observe(engine, &mut self.column, value, || {
                place(batch, batch.cell_raw(c), mask(value.trim_ascii()))
            }) {
                self.proven.push(i);
                continue;
            }
            // Free text: personal data inside a longer value.
            if value.len() > 24 && memchr::memchr(b' ', value).is_some() {
                matches.clear();
                engine.scan_patterns(value, &mut matches);
                for m in &matches {
                    let whole = value[..m.start].iter().all(u8::is_ascii_whitespace)
                        && value[m.end..].iter().all(u8::is_ascii_whitespace);
                    if whole {
                        continue;
                    }
                    let rule = engine.rule(m.rule);
                    count(&mut self.counted, m, || {
                        // Where the value is in its cell (a quoted cell's
                        // escapes aside).
                        let at = batch.cell_raw(c) + m.start;
                        place(batch, at, shown(rule, &value[m.start..m.end]))
                    });
                }
            }
        }
    }
}

fn count(counted: &mut HashMap<usize, Counted>, m: &Match, first: impl FnOnce() -> Place) {
    match counted.entry(m.rule) {
        std::collections::hash_map::Entry::Occupied(mut e) => {
            let c = e.get_mut();
            c.rows += 1;
            c.confidence = c.confidence.max(m.confidence);
        }
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(Counted {
                confidence: m.confidence,
                rows: 1,
                first: first(),
            });
        }
    }
}

fn place(batch: &Batch, offset: usize, shown: String) -> Place {
    let (line, column) = batch.position(offset);
    Place {
        line,
        column,
        shown,
    }
}

/// A first row is a header when every cell is a name: not empty, holding a
/// letter, and not a value any rule takes (an e-mail address, a date).
fn looks_like_header(engine: &Engine, cells: &[&[u8]]) -> bool {
    let columns = engine.columns();
    !cells.is_empty()
        && cells.iter().all(|c| {
            let c = c.trim_ascii();
            !c.is_empty()
                && c.len() <= 128
                && c.iter().any(u8::is_ascii_alphabetic)
                && !c.contains(&b'@')
                && !columns.any_valid(engine, c)
        })
}
