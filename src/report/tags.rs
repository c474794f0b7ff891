//! S3 object tags: for each file, a JSON line with its path and a `TagSet`
//! for `aws s3api put-object-tagging`, classifying it by the most sensitive
//! finding (PHI over PII over SECRET over CLEAN).

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::json;

use super::Report;

/// S3 tag values hold at most 256 characters.
const MAX_VALUE: usize = 256;

pub fn write(report: &Report, files: &[String], out: &mut dyn Write) -> io::Result<()> {
    let mut by_file: BTreeMap<&str, Vec<&super::Finding>> = BTreeMap::new();
    for f in &report.findings {
        by_file.entry(f.path.as_str()).or_default().push(f);
    }
    for file in files {
        let found = by_file.get(file.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        let rank = |c: &str| match c {
            "phi" => 3,
            "pii" => 2,
            "secret" => 1,
            _ => 0,
        };
        let class = match found.iter().map(|f| rank(f.category)).max().unwrap_or(0) {
            3 => "PHI",
            2 => "PII",
            1 => "SECRET",
            _ => "CLEAN",
        };
        let mut rules: Vec<&str> = found.iter().map(|f| f.rule.as_str()).collect();
        rules.sort_unstable();
        rules.dedup();
        let mut value = String::new();
        for r in rules {
            if value.len() + r.len() + 1 > MAX_VALUE {
                break;
            }
            if !value.is_empty() {
                value.push(' ');
            }
            value.push_str(r);
        }
        let mut tags = vec![json!({"Key": "Classification", "Value": class})];
        if !value.is_empty() {
            tags.push(json!({"Key": "nbscrub-rules", "Value": value}));
        }
        serde_json::to_writer(&mut *out, &json!({"path": file, "TagSet": tags}))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
