//! Reports: findings and statistics as text for people, JSON and JSON
//! Lines for tools. Values reach this module already redacted.

pub mod baseline;
pub mod junit;
pub mod redact;
pub mod sarif;
pub mod tags;

use std::io::{self, Write};

use serde::Serialize;

/// One finding, as every report format shows it (DESIGN.md's schema).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Finding {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub rule: String,
    pub category: &'static str,
    pub confidence: &'static str,
    pub cell: Option<usize>,
    pub output: Option<usize>,
    pub mime: Option<String>,
    pub field: Option<String>,
    /// For a dataset column found as a whole: how many of its values.
    pub rows: Option<u64>,
    pub commit: Option<String>,
    pub redacted: String,
    pub fingerprint: String,
    /// Whether the finding fails the scan (`[scan] fail-on` may leave a
    /// category reported but not failing).
    #[serde(skip)]
    pub fails: bool,
}

/// A file that could not be scanned, or was scanned in a lesser way.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SkippedBy {
    pub binary: usize,
    pub too_large: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    pub files: usize,
    pub bytes: u64,
    pub skipped: usize,
    pub skipped_by: SkippedBy,
    pub elapsed_ms: u128,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub version: u32,
    pub findings: Vec<Finding>,
    pub stats: Stats,
    /// Files that could not be read (the scan is incomplete: exit 2).
    pub errors: Vec<Problem>,
    /// Files scanned in a lesser way, e.g. a notebook that is not JSON.
    pub warnings: Vec<Problem>,
    /// Every file scanned, as reported (JUnit and tags list clean files too).
    #[serde(skip)]
    pub scanned: Vec<String>,
}

pub fn write_json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer(&mut *out, report)?;
    out.write_all(b"\n")
}

pub fn write_jsonl(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for f in &report.findings {
        serde_json::to_writer(&mut *out, f)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// `path:line:column: rule redacted (category, confidence) [cell 3, output 0, text/plain]`.
pub fn write_text(report: &Report, out: &mut dyn Write, color: bool) -> io::Result<()> {
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    };
    for f in &report.findings {
        let mut place = Vec::new();
        if let Some(c) = f.cell {
            place.push(format!("cell {c}"));
        }
        if let Some(o) = f.output {
            place.push(format!("output {o}"));
        }
        if let Some(m) = &f.mime {
            place.push(m.clone());
        }
        match (&f.field, f.rows) {
            (Some(field), Some(rows)) => place.push(format!("column {field}, {rows} rows")),
            (Some(field), None) => place.push(format!("column {field}")),
            _ => {}
        }
        let place = if place.is_empty() {
            String::new()
        } else {
            format!(" [{}]", place.join(", "))
        };
        writeln!(
            out,
            "{}:{}:{}: {} {} ({}, {}){}",
            paint("35", &f.path),
            f.line,
            f.column,
            paint("1;31", &f.rule),
            paint("33", &f.redacted),
            f.category,
            f.confidence,
            place
        )?;
    }
    Ok(())
}

/// The closing summary for people, on stderr.
pub fn summary(report: &Report) -> String {
    let s = &report.stats;
    let files = report
        .findings
        .iter()
        .map(|f| f.path.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let mut text = format!(
        "{} finding{} in {} file{}; scanned {} files ({:.1} MB) in {} ms",
        report.findings.len(),
        plural(report.findings.len()),
        files,
        plural(files),
        s.files,
        s.bytes as f64 / 1e6,
        s.elapsed_ms
    );
    if s.skipped > 0 {
        let by = &s.skipped_by;
        let parts: Vec<String> = [(by.binary, "binary"), (by.too_large, "too large")]
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect();
        text.push_str(&format!("; skipped {} ({})", s.skipped, parts.join(", ")));
    }
    if !report.errors.is_empty() {
        text.push_str(&format!("; {} unreadable", report.errors.len()));
    }
    text
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A stable identifier for a finding that survives lines moving: the rule,
/// the file, the redacted value and which occurrence of that triple it is.
/// It holds nothing the report does not already show.
pub fn fingerprint(rule: &str, path: &str, redacted: &str, occurrence: usize) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [rule, path, redacted, &occurrence.to_string()] {
        for b in part.bytes().chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}
