//! `nbscrub rules`: list the rules, or check their examples.

use std::path::PathBuf;

use super::Exit;
use crate::cli::RulesArgs;
use crate::detect::{self, Engine, Rule};
use crate::io_message;

/// The built-in rules plus those in `files`, or an error naming the file.
pub fn load(files: &[PathBuf]) -> Result<Vec<Rule>, String> {
    let mut rules = detect::builtin_rules_with_examples().map_err(|e| e.to_string())?;
    for path in files {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: {}", path.display(), io_message(&e)))?;
        let extra =
            detect::parse_rules(&path.display().to_string(), &text).map_err(|e| e.to_string())?;
        rules.extend(extra);
    }
    detect::check_unique(&rules, "rules").map_err(|e| e.to_string())?;
    Ok(rules)
}

pub fn run(args: &RulesArgs) -> Exit {
    let rules = match load(&args.files) {
        Ok(rules) => rules,
        Err(e) => {
            eprintln!("nbscrub: {e}");
            return Exit::Error;
        }
    };
    if !args.test {
        for r in &rules {
            println!(
                "{:<40} {:<6} {:<6} {}",
                r.id,
                r.category.as_str(),
                r.confidence.as_str(),
                r.description
            );
        }
        return Exit::Clean;
    }
    let count = rules.len();
    let engine = match Engine::new(rules) {
        Ok(engine) => engine,
        Err(e) => {
            eprintln!("nbscrub: {e}");
            return Exit::Error;
        }
    };
    let failures = engine.test_rules();
    for f in &failures {
        println!("FAIL {f}");
    }
    let examples: usize = engine
        .rules()
        .map(|r| r.examples.len() + r.negatives.len())
        .sum();
    println!(
        "rules: {count} rules, {examples} examples and negatives, {} failures",
        failures.len()
    );
    if failures.is_empty() {
        Exit::Clean
    } else {
        Exit::Changes
    }
}
