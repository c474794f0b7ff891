//! Scanning one file: its bytes become segments (formats), segments become
//! matches (detect), matches become located, redacted findings (report).
//! The values found never leave this function unredacted.

use std::collections::HashMap;
use std::path::Path;

use crate::detect::{Confidence, Engine, Match};
use crate::formats::{self, Lines, Segment};
use crate::report::{Finding, fingerprint, redact::redact};

pub struct FileScan {
    pub findings: Vec<Finding>,
    /// Set when the file was scanned in a lesser way than its kind deserves.
    pub warning: Option<String>,
}

/// Scans `bytes`, the content of the file reported as `path`.
pub fn scan_bytes(
    engine: &Engine,
    path: &Path,
    shown: &str,
    bytes: &[u8],
    min_confidence: Confidence,
) -> FileScan {
    let mut warning = None;
    let notebook = path.extension().is_some_and(|e| e == "ipynb");
    let segments = if notebook {
        match std::str::from_utf8(bytes) {
            Ok(text) => match formats::notebook::segments(text) {
                Ok(segments) => segments,
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
    let mut findings = Vec::new();
    let mut occurrences: HashMap<(String, String), usize> = HashMap::new();
    let mut matches: Vec<Match> = Vec::new();
    for segment in &segments {
        matches.clear();
        engine.scan(&segment.text, &mut matches);
        for m in &matches {
            let rule = engine.rule(m.rule);
            if rule.confidence < min_confidence {
                continue;
            }
            let lines = lines.get_or_insert_with(|| Lines::new(bytes));
            let (line, column) = lines.position(segment.file_offset(m.start));
            let (end_line, end_column) = lines.position(segment.file_end(m.end));
            let redacted = redact(&segment.text[m.start..m.end]);
            let n = occurrences
                .entry((rule.id.clone(), redacted.clone()))
                .or_default();
            *n += 1;
            findings.push(Finding {
                path: shown.to_owned(),
                line,
                column,
                end_line,
                end_column,
                rule: rule.id.clone(),
                category: rule.category.as_str(),
                confidence: rule.confidence.as_str(),
                cell: segment.location.cell,
                output: segment.location.output,
                mime: segment.location.mime.clone(),
                field: None,
                commit: None,
                fingerprint: fingerprint(&rule.id, shown, &redacted, *n),
                redacted,
            });
        }
    }
    findings.sort_by(|a, b| (a.line, a.column, &a.rule).cmp(&(b.line, b.column, &b.rule)));
    FileScan { findings, warning }
}
