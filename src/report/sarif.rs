//! SARIF 2.1.0, as GitHub code scanning reads it: one run, a rule per rule
//! used, results located relative to `%SRCROOT%`, fingerprints that survive
//! moved lines, redacted values only.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{Value, json};

use super::{Finding, Report};

/// What SARIF needs to know of a rule beyond its id.
pub struct RuleInfo {
    pub description: String,
    pub category: &'static str,
}

pub fn write(
    report: &Report,
    rules: &BTreeMap<String, RuleInfo>,
    src_root: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    let used: Vec<&str> = {
        let mut ids: Vec<&str> = report.findings.iter().map(|f| f.rule.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let descriptors: Vec<Value> = used
        .iter()
        .map(|id| {
            let (text, category) = rules
                .get(*id)
                .map_or((id.to_string(), "secret"), |r| (r.description.clone(), r.category));
            json!({
                "id": id,
                "shortDescription": {"text": text},
                "fullDescription": {"text": text},
                "help": {
                    "text": format!("{text}. Remove the value from the file (and from history: rotate it if it is a credential), or allow it where it is a test value."),
                },
                "defaultConfiguration": {"level": "error"},
                "properties": {"tags": ["security", category]},
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| result(f, used.binary_search(&f.rule.as_str()).unwrap_or(0), rules))
        .collect();
    let sarif = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "nbscrub",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://pypi.org/project/nbscrub/",
                "rules": descriptors,
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": src_root}},
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &sarif)?;
    out.write_all(b"\n")
}

fn result(f: &Finding, rule_index: usize, rules: &BTreeMap<String, RuleInfo>) -> Value {
    let what = rules
        .get(&f.rule)
        .map_or(f.rule.as_str(), |r| r.description.as_str());
    let mut place = String::new();
    if let Some(c) = f.cell {
        place.push_str(&format!(" in cell {c}"));
    }
    if let Some(o) = f.output {
        place.push_str(&format!(", output {o}"));
    }
    let (uri, base) = match f.path.strip_prefix('/') {
        Some(_) => (format!("file://{}", encode(&f.path)), None),
        None => (encode(&f.path), Some("%SRCROOT%")),
    };
    let mut artifact = json!({"uri": uri});
    if let Some(base) = base {
        artifact["uriBaseId"] = json!(base);
    }
    json!({
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": match f.confidence { "high" => "error", "medium" => "warning", _ => "note" },
        "message": {"text": format!("{what}: {}{place}", f.redacted)},
        "locations": [{"physicalLocation": {
            "artifactLocation": artifact,
            "region": {
                "startLine": f.line,
                "startColumn": f.column,
                "endLine": f.end_line,
                "endColumn": f.end_column,
            },
        }}],
        "partialFingerprints": {"nbscrub/v1": f.fingerprint},
        "properties": {
            "category": f.category,
            "confidence": f.confidence,
            "cell": f.cell,
            "output": f.output,
            "mime": f.mime,
            "commit": f.commit,
        },
    })
}

/// Percent-encodes what a URI path may not hold as it is.
pub fn encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
