//! Detection: rules (data, in `rules/*.toml`), the keyword-prefiltered
//! engine that runs them, and the validators behind them.

pub mod checks;
pub mod columns;
pub mod engine;
pub mod rule;
pub mod validate;

pub use engine::{Engine, Match};
pub use rule::{Category, Confidence, Rule, RuleError, parse_rules};

/// The built-in rule files, embedded in the binary.
pub const BUILTIN: &[(&str, &str)] = &[
    ("cloud.toml", include_str!("rules/cloud.toml")),
    (
        "source-hosting.toml",
        include_str!("rules/source-hosting.toml"),
    ),
    ("chat.toml", include_str!("rules/chat.toml")),
    ("payments.toml", include_str!("rules/payments.toml")),
    ("ai-data.toml", include_str!("rules/ai-data.toml")),
    ("registries.toml", include_str!("rules/registries.toml")),
    ("messaging.toml", include_str!("rules/messaging.toml")),
    ("saas.toml", include_str!("rules/saas.toml")),
    ("keys.toml", include_str!("rules/keys.toml")),
    ("urls.toml", include_str!("rules/urls.toml")),
    ("config-files.toml", include_str!("rules/config-files.toml")),
    ("generic.toml", include_str!("rules/generic.toml")),
    ("pii.toml", include_str!("rules/pii.toml")),
    ("phi.toml", include_str!("rules/phi.toml")),
];

/// The built-in rules with their examples, in file order, as
/// `nbscrub rules --test` checks them.
pub fn builtin_rules_with_examples() -> Result<Vec<Rule>, RuleError> {
    let mut all: Vec<Rule> = Vec::new();
    for (name, text) in BUILTIN {
        let rules = parse_rules(&format!("built-in {name}"), text)?;
        all.extend(rules);
    }
    check_unique(&all, "built-in rules")?;
    Ok(all)
}

/// The built-in rules as a scan needs them: the same rules in the same
/// order, without examples, from the JSON that `build.rs` made of the TOML.
pub fn builtin_rules() -> Result<Vec<Rule>, RuleError> {
    #[derive(serde::Deserialize)]
    struct File {
        #[serde(default)]
        rules: Vec<Rule>,
    }
    let json = include_str!(concat!(env!("OUT_DIR"), "/rules.json"));
    let mut files: std::collections::HashMap<String, File> =
        serde_json::from_str(json).map_err(|e| RuleError::Toml {
            source_name: "built-in rules".into(),
            message: e.to_string(),
        })?;
    let mut all = Vec::new();
    for (name, _) in BUILTIN {
        if let Some(file) = files.remove(*name) {
            all.extend(file.rules);
        }
    }
    Ok(all)
}

pub fn check_unique(rules: &[Rule], source_name: &str) -> Result<(), RuleError> {
    let mut ids = std::collections::HashSet::new();
    for r in rules {
        if !ids.insert(r.id.as_str()) {
            return Err(RuleError::Invalid {
                source_name: source_name.to_owned(),
                id: r.id.clone(),
                message: "the id is used by another rule".into(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path must see exactly the rules the TOML holds, and every
    /// rule file must be listed in `BUILTIN`.
    #[test]
    fn compiled_rules_match_the_toml() {
        let fast: Vec<String> = builtin_rules().unwrap().into_iter().map(|r| r.id).collect();
        let full: Vec<String> = builtin_rules_with_examples()
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(fast, full);
        let on_disk = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src/detect/rules"))
            .unwrap()
            .count();
        assert_eq!(on_disk, BUILTIN.len());
    }
}
