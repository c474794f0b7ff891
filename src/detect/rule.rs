//! Rules as data: the TOML format shared by the built-in rule files and
//! users' own rules, and the checks a rule must pass to be loaded.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// What kind of data a rule finds; also how sensitive a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Pii,
    Secret,
    Phi,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Secret => "secret",
            Category::Pii => "pii",
            Category::Phi => "phi",
        }
    }
}

/// How sure a finding is: `high` when the value proves itself (a prefix and
/// a checksum), `low` when only its surroundings suggest it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

impl std::str::FromStr for Confidence {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "low" => Ok(Confidence::Low),
            "medium" => Ok(Confidence::Medium),
            "high" => Ok(Confidence::High),
            _ => Err(format!("`{s}` is not one of low, medium, high")),
        }
    }
}

/// A check on a candidate value beyond its regex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Validator {
    /// GitHub's and npm's tokens end in a base62 CRC32 of their random part.
    Base62Crc32,
    /// A JSON Web Token: a header that decodes to JSON naming an algorithm.
    Jwt,
    /// Not a UUID, and not a hex string of a hash's length (commit ids,
    /// checksums), which sit beside words like `token` all the time.
    NotHash,
    /// Holds at least one letter and one digit: rules out words and numbers.
    LettersAndDigits,
    /// Base64 of `user:password` (HTTP Basic auth, Docker's `auth`), with
    /// both parts printable and non-empty.
    Base64Credentials,
    // Personal identifiers: check digits and issuing rules (`checks.rs`).
    Card,
    Iban,
    UsSsn,
    UsItin,
    NanpPhone,
    E164Phone,
    /// A North American number, or an international one in E.164 form.
    Phone,
    /// A person's name: words of letters, not a place or a company.
    PersonName,
    Ipv4,
    Ipv6,
    Email,
    Date,
    UkNhs,
    UkNino,
    AbaRouting,
    Npi,
    Dea,
    Mbi,
    Icd10,
    Ndc,
    Cpt,
    Zip,
    #[serde(rename = "age-over-89")]
    AgeOver89,
}

/// One rule as written in a rules file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Rule {
    /// Stable identifier, used in reports, baselines and `allow(...)`.
    pub id: String,
    pub description: String,
    pub category: Category,
    pub confidence: Confidence,
    /// Literals (matched ignoring ASCII case) one of which occurs in or
    /// near every match: the regex runs only where a keyword is. A rule
    /// for a value that carries no literal (an e-mail address, a card
    /// number) leaves this empty; its regex then joins the one pattern
    /// search that runs over every text.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Words that, as whole tokens within about 40 bytes before or 16
    /// after a value, make it [`Rule::with_context`] confident: `ssn`
    /// before nine digits, `npi` before ten.
    #[serde(default)]
    pub context: Vec<String>,
    /// Confidence when a context word is near, or a table column's name
    /// matches [`Rule::columns`].
    #[serde(default)]
    pub with_context: Option<Confidence>,
    /// Column names (datasets, dataframes) that label a column as holding
    /// this kind of value, as `_`-separated lowercase words with `*` for
    /// any words: `*ssn*` names `Patient SSN` and `ssn_masked`, `first`
    /// names only `FIRST`.
    #[serde(default)]
    pub columns: Vec<String>,
    /// The regex a table cell must match whole, when the text regex needs
    /// words around the value (`passport no. X1234567` against `X1234567`).
    #[serde(default)]
    pub value: Option<String>,
    /// Found only in tables, under a column that `columns` names (a
    /// person's name, a ZIP code): in running text these are guesses.
    #[serde(default)]
    pub tables_only: bool,
    /// Values are health information: a table that holds such a column
    /// next to an identifier is a PHI record.
    #[serde(default)]
    pub health: bool,
    /// The value reported is the group named `secret`, else the first group
    /// that took part in the match, else the whole match. Regexes run in ASCII mode on bytes: `\w`, `\b`, `\s`
    /// and `(?i)` know ASCII only, and `.` matches any byte. That compiles
    /// ten times faster and searches faster; `(?u)` turns Unicode back on
    /// for a group that needs it.
    pub regex: String,
    #[serde(default)]
    pub validators: Vec<Validator>,
    /// Least Shannon entropy of the value, in bits per character.
    #[serde(default)]
    pub min_entropy: Option<f64>,
    /// How far past a keyword (in bytes) a match may end; private keys span
    /// kilobytes, most tokens a line.
    #[serde(default)]
    pub window: Option<usize>,
    /// Texts in which this rule must find something (required in a rules
    /// file; a scan loads rules without them).
    #[serde(default)]
    pub examples: Vec<String>,
    /// Texts in which this rule must find nothing.
    #[serde(default)]
    pub negatives: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rules: Vec<Rule>,
}

#[derive(Debug, Error)]
pub enum RuleError {
    #[error("{source_name}: {message}")]
    Toml {
        source_name: String,
        message: String,
    },
    #[error("{source_name}: rule `{id}`: {message}")]
    Invalid {
        source_name: String,
        id: String,
        message: String,
    },
}

/// Reads a rules file. `source_name` names it in errors.
pub fn parse_rules(source_name: &str, text: &str) -> Result<Vec<Rule>, RuleError> {
    let file: RuleFile = toml::from_str(text).map_err(|e| RuleError::Toml {
        source_name: source_name.to_owned(),
        message: e.to_string().trim_end().to_owned(),
    })?;
    for rule in &file.rules {
        check_rule(rule).map_err(|message| RuleError::Invalid {
            source_name: source_name.to_owned(),
            id: rule.id.clone(),
            message,
        })?;
    }
    Ok(file.rules)
}

/// What can be checked without compiling the regex (that waits until a
/// keyword is seen, so start-up stays fast).
pub fn check_rule(rule: &Rule) -> Result<(), String> {
    let id_ok = !rule.id.is_empty()
        && rule
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !id_ok {
        return Err("the id must be lowercase letters, digits and `-`".into());
    }
    if rule.keywords.is_empty() && rule.category == Category::Secret {
        return Err("`keywords` is empty: every secret rule needs one for the prefilter".into());
    }
    if rule.tables_only && rule.columns.is_empty() {
        return Err("`tables-only` needs `columns` to say which columns".into());
    }
    if rule.with_context.is_some() && rule.context.is_empty() && rule.columns.is_empty() {
        return Err("`with-context` needs `context` words or `columns`".into());
    }
    // A short word fires everywhere; a symbol such as the `@` of an
    // address is rare enough to search for.
    let short_word = |k: &&String| k.len() < 3 && k.bytes().any(|b| b.is_ascii_alphanumeric());
    if let Some(k) = rule.keywords.iter().find(short_word) {
        return Err(format!(
            "keyword `{k}` is shorter than 3 bytes and would fire everywhere"
        ));
    }
    if rule.examples.is_empty() {
        return Err("`examples` is empty".into());
    }
    if rule.negatives.is_empty() {
        return Err("`negatives` is empty".into());
    }
    if rule.min_entropy.is_some_and(|e| !(0.0..=8.0).contains(&e)) {
        return Err("`min-entropy` must be between 0 and 8 bits per character".into());
    }
    Ok(())
}
