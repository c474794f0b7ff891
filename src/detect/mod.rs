//! Detection: rules (data, in `rules/*.toml`), the keyword-prefiltered
//! engine that runs them, and the validators behind them.

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
];

/// The built-in rules, in file order; ids are unique across files.
pub fn builtin_rules() -> Result<Vec<Rule>, RuleError> {
    let mut all: Vec<Rule> = Vec::new();
    for (name, text) in BUILTIN {
        let rules = parse_rules(&format!("built-in {name}"), text)?;
        all.extend(rules);
    }
    check_unique(&all, "built-in rules")?;
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
