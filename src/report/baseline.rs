//! Baselines: findings acknowledged once, so that a scan fails only on new
//! ones. The file holds each finding's path, rule and fingerprint, sorted,
//! with no timestamp, so a rescan writes the same bytes; a fingerprint is
//! made without the value (see `scan.rs`), so nothing in the file leads back
//! to one, not even by guessing the few possible SSNs of a region.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Finding;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    path: String,
    rule: String,
    fingerprint: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    findings: Vec<Entry>,
}

/// The acknowledged findings.
#[derive(Debug, Default)]
pub struct Baseline {
    fingerprints: BTreeSet<String>,
}

impl Baseline {
    /// Reads a baseline; an error names the file and what is wrong.
    pub fn read(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: {}", path.display(), crate::io_message(&e)))?;
        let file: File = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not an nbscrub baseline: {e}", path.display()))?;
        if file.version != 1 {
            return Err(format!(
                "{}: baseline version {} is not one this nbscrub reads (1)",
                path.display(),
                file.version
            ));
        }
        Ok(Baseline {
            fingerprints: file.findings.into_iter().map(|e| e.fingerprint).collect(),
        })
    }

    pub fn contains(&self, finding: &Finding) -> bool {
        self.fingerprints.contains(&finding.fingerprint)
    }
}

/// The baseline of `findings`, as the file's bytes.
pub fn render(findings: &[Finding]) -> Vec<u8> {
    let entries: BTreeSet<Entry> = findings
        .iter()
        .map(|f| Entry {
            path: f.path.clone(),
            rule: f.rule.clone(),
            fingerprint: f.fingerprint.clone(),
        })
        .collect();
    let file = File {
        version: 1,
        findings: entries.into_iter().collect(),
    };
    let mut out = serde_json::to_vec_pretty(&file).expect("a baseline serializes");
    out.push(b'\n');
    out
}
