//! JUnit XML for GitLab and Jenkins test reports: one test case per file
//! scanned, a failure per finding.

use std::io::{self, Write};

use super::Report;

pub fn write(report: &Report, files: &[String], out: &mut dyn Write) -> io::Result<()> {
    let failures = report.findings.len();
    let errors = report.errors.len();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="nbscrub" tests="{}" failures="{failures}" errors="{errors}">"#,
        files.len() + errors
    )?;
    writeln!(
        out,
        r#"  <testsuite name="nbscrub scan" tests="{}" failures="{failures}" errors="{errors}" time="{:.3}">"#,
        files.len() + errors,
        report.stats.elapsed_ms as f64 / 1000.0
    )?;
    for file in files {
        let found: Vec<_> = report.findings.iter().filter(|f| &f.path == file).collect();
        write!(
            out,
            r#"    <testcase classname="nbscrub.scan" name="{}""#,
            escape(file)
        )?;
        if found.is_empty() {
            writeln!(out, "/>")?;
            continue;
        }
        writeln!(out, ">")?;
        for f in found {
            let mut place = format!("{}:{}:{}", f.path, f.line, f.column);
            if let Some(c) = f.cell {
                place.push_str(&format!(" cell {c}"));
            }
            if let Some(o) = f.output {
                place.push_str(&format!(" output {o}"));
            }
            writeln!(
                out,
                r#"      <failure type="{}" message="{} {} ({}, {})">{}</failure>"#,
                escape(&f.rule),
                escape(&f.rule),
                escape(&f.redacted),
                f.category,
                f.confidence,
                escape(&place)
            )?;
        }
        writeln!(out, "    </testcase>")?;
    }
    for e in &report.errors {
        writeln!(
            out,
            r#"    <testcase classname="nbscrub.scan" name="{}"><error message="{}"/></testcase>"#,
            escape(&e.path),
            escape(&e.message)
        )?;
    }
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}

/// XML text and attribute escaping; control characters (not allowed in
/// XML 1.0) become `?`.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => out.push('?'),
            c => out.push(c),
        }
    }
    out
}
