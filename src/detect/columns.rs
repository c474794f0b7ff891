//! Column classification: a table's column (a dataset's, a dataframe's) is
//! judged as a whole, by its name and by how many of its values validate.
//! One Luhn-valid number among a thousand order ids is chance; a column
//! where nearly every value is a Luhn-valid card number holds cards.

use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use super::engine::Engine;
use super::rule::{Category, Confidence, Rule};
use super::validate::{self, Verdict};

/// How many non-empty values of a column are looked at before it is
/// classified; the rest are only counted.
pub const SAMPLE: usize = 1000;
/// Below this many values, a column is classified by its values alone
/// only when every one validates.
const SMALL: usize = 20;

/// The rules that can classify a column, each with the regex a cell must
/// match whole.
pub struct Columns {
    rules: Vec<ColumnRule>,
    /// The rules' shapes without a telling name, searched together once
    /// per value: most values fit none, and one pass says so.
    bare_set: RegexSet,
    /// For each rule, its index in `bare_set`.
    bare_index: Vec<Option<usize>>,
}

struct ColumnRule {
    rule: usize,
    /// What a value looks like under a column named for it (`value`, else
    /// the text regex), and without a telling name (the text regex: an
    /// unformatted nine-digit number is not an SSN by itself).
    cell: Regex,
    bare: Option<Regex>,
    /// Column-name patterns; a weak one (`?name`) names the column only
    /// beside other personal columns (`name` is a person's in a patients
    /// table, an airport's in an airports table).
    names: Vec<(bool, Vec<String>)>,
    tables_only: bool,
    health: bool,
    confidence: Confidence,
    /// With a telling column name.
    named: Confidence,
}

/// How a value of a column fared against one rule.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    valid: usize,
    fake: usize,
    shaped: usize,
}

/// What a column was found to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Class {
    /// Index of the rule in the engine.
    pub rule: usize,
    /// Index of the rule among these column rules.
    column_rule: usize,
    pub confidence: Confidence,
    /// Whether the column's name said so.
    pub named: bool,
    /// Named only by a weak pattern: the table must hold other personal
    /// columns for this to count.
    pub weak: bool,
    /// Values count only if they validate; a column named for a kind
    /// whose values do not validate (`SSN` holding `999-…`) counts every
    /// value of the right shape, at low confidence.
    strict: bool,
    pub health: bool,
}

/// A column while its values stream past.
#[derive(Debug, Clone, Default)]
pub struct Column {
    named: Vec<usize>,
    weak: Vec<usize>,
    tallies: Vec<Tally>,
    /// Where the first valid value, and the first of the right shape,
    /// was seen for each rule while sampling.
    first_valid: Vec<Option<Place>>,
    first_shaped: Vec<Option<Place>>,
    seen: usize,
    decided: bool,
    pub class: Option<Class>,
    /// Values that count toward the class, and where the first one is.
    pub rows: u64,
    pub first: Option<Place>,
}

/// Where a value is, and how a report may show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub line: usize,
    pub column: usize,
    pub shown: String,
}

impl Columns {
    pub fn new(engine: &Engine) -> Columns {
        let mut rules = Vec::new();
        for (i, rule) in engine.rules().enumerate() {
            if rule.category == Category::Secret {
                continue;
            }
            let whole = |source: &str| {
                RegexBuilder::new(&format!(r"^\s*(?:{source})\s*$"))
                    .unicode(false)
                    .size_limit(20 << 20)
                    .build()
                    .ok()
            };
            let Some(cell) = whole(rule.value.as_deref().unwrap_or(&rule.regex)) else {
                continue;
            };
            let bare = match (&rule.value, rule.tables_only) {
                (_, true) => None,
                (None, false) => Some(cell.clone()),
                (Some(_), false) => whole(&rule.regex),
            };
            rules.push(ColumnRule {
                rule: i,
                cell,
                bare,
                names: rule
                    .columns
                    .iter()
                    .map(|c| match c.strip_prefix('?') {
                        Some(weak) => (true, pattern(weak)),
                        None => (false, pattern(c)),
                    })
                    .collect(),
                tables_only: rule.tables_only,
                health: rule.health,
                confidence: rule.confidence,
                named: rule
                    .with_context
                    .unwrap_or(rule.confidence)
                    .max(rule.confidence),
            });
        }
        let mut bare_sources = Vec::new();
        let mut bare_index = Vec::with_capacity(rules.len());
        for r in &rules {
            bare_index.push(r.bare.as_ref().map(|b| {
                bare_sources.push(super::engine::without_group_names(b.as_str()));
                bare_sources.len() - 1
            }));
        }
        let bare_set = RegexSetBuilder::new(&bare_sources)
            .unicode(false)
            .size_limit(40 << 20)
            .build()
            .unwrap_or_else(|_| RegexSet::empty());
        if bare_set.is_empty() {
            // Every value then goes to each rule's own regex.
            bare_index.iter_mut().for_each(|i| *i = None);
        }
        Columns {
            rules,
            bare_set,
            bare_index,
        }
    }

    /// A new column with this name (or none, for a header-less file).
    pub fn column(&self, name: Option<&str>) -> Column {
        let mut weak = Vec::new();
        let named = match name {
            Some(name) => {
                let header = words(name);
                // `Provider Street Address` is a business's, not a person's.
                let business = header.iter().any(|w| BUSINESS.contains(&w.as_str()));
                let mut named = Vec::new();
                for (i, r) in self.rules.iter().enumerate() {
                    if business && !r.health {
                        continue;
                    }
                    let hits = r.names.iter().filter(|(_, p)| glob(p, &header));
                    let strong = hits.clone().any(|(weak, _)| !weak);
                    if strong {
                        named.push(i);
                    } else if hits.count() > 0 {
                        weak.push(i);
                        named.push(i);
                    }
                }
                named
            }
            None => Vec::new(),
        };
        let n = self.rules.len();
        Column {
            named,
            weak,
            tallies: vec![Tally::default(); n],
            first_valid: vec![None; n],
            first_shaped: vec![None; n],
            ..Column::default()
        }
    }

    /// Whether some rule takes `value` as a whole cell (a header row holds
    /// none).
    pub fn any_valid(&self, engine: &Engine, value: &[u8]) -> bool {
        (0..self.rules.len()).any(|i| {
            !self.rules[i].tables_only
                && self.judge(engine, i, value, false) == Some(Verdict::Valid)
        })
    }

    /// Whether a cell under a column named for rule `rule` (an engine
    /// index) holds a value of its kind; `rules --test` checks the examples
    /// of rules found only in tables this way.
    pub fn accepts(&self, engine: &Engine, rule: usize, value: &[u8]) -> bool {
        self.rules
            .iter()
            .position(|r| r.rule == rule)
            .and_then(|i| self.judge(engine, i, trim(value), true))
            == Some(Verdict::Valid)
    }

    /// `None` when the cell does not have the rule's shape.
    fn judge(&self, engine: &Engine, i: usize, value: &[u8], named: bool) -> Option<Verdict> {
        let r = &self.rules[i];
        let regex = if named { &r.cell } else { r.bare.as_ref()? };
        let rule: &Rule = engine.rule(r.rule);
        // Under a named column most cells are the value itself, and a value
        // its validators accept has its kind's shape: the regex runs only
        // for the rest. Without a name the shape is the evidence (nine bare
        // digits are not an SSN by themselves).
        if named && !rule.validators.is_empty() {
            let whole = validate::judge(rule, value);
            if whole != Verdict::Invalid {
                return Some(whole);
            }
        }
        if !regex.is_match(value) {
            return None;
        }
        let whole = validate::judge(rule, value);
        if whole != Verdict::Invalid {
            return Some(whole);
        }
        let caps = regex.captures(value)?;
        let m = caps
            .name("secret")
            .or_else(|| (1..caps.len()).find_map(|g| caps.get(g)))
            .or_else(|| caps.get(0))?;
        Some(validate::judge(rule, m.as_bytes()))
    }

    /// Takes one value of the column; `at` says where it is in the file
    /// (asked only when that is worth keeping). Returns whether the value
    /// validated as what the column was found to hold (always false while
    /// the column is being sampled).
    pub fn observe(
        &self,
        engine: &Engine,
        column: &mut Column,
        value: &[u8],
        at: impl Fn() -> Place,
    ) -> bool {
        let value = trim(value);
        if value.is_empty() {
            return false;
        }
        if column.decided {
            let counts = self.counts(engine, column, value);
            if counts {
                column.rows += 1;
                if column.first.is_none() {
                    column.first = Some(at());
                }
            }
            return counts && column.class.is_some_and(|c| c.strict);
        }
        column.seen += 1;
        let fits = self.bare_set.matches(value);
        for i in 0..self.rules.len() {
            let named = column.named.contains(&i);
            if self.rules[i].tables_only && !named {
                continue;
            }
            if !named && self.bare_index[i].is_some_and(|b| !fits.matched(b)) {
                continue;
            }
            let verdict = self.judge(engine, i, value, named);
            let tally = &mut column.tallies[i];
            match verdict {
                Some(Verdict::Valid) => tally.valid += 1,
                Some(Verdict::Fake) => tally.fake += 1,
                Some(Verdict::Invalid) => tally.shaped += 1,
                None => continue,
            }
            if verdict == Some(Verdict::Valid) && column.first_valid[i].is_none() {
                column.first_valid[i] = Some(at());
            }
            if column.first_shaped[i].is_none() {
                column.first_shaped[i] = Some(at());
            }
        }
        if column.seen >= SAMPLE {
            self.decide(column);
        }
        false
    }

    /// Whether a value counts toward the column's class (once decided).
    pub fn counts(&self, engine: &Engine, column: &Column, value: &[u8]) -> bool {
        let Some(class) = column.class else {
            return false;
        };
        match self.judge(engine, class.column_rule, trim(value), class.named) {
            Some(Verdict::Valid) => true,
            Some(Verdict::Fake) => !class.strict,
            _ => false,
        }
    }

    /// Classifies the column from its sample: when the sample is full, or
    /// at the end of the table.
    pub fn decide(&self, column: &mut Column) {
        if column.decided {
            return;
        }
        column.decided = true;
        let n = column.seen;
        let mut best: Option<(Class, usize, usize)> = None;
        for (i, r) in self.rules.iter().enumerate() {
            let t = column.tallies[i];
            let named = column.named.contains(&i);
            let class = |confidence, strict| Class {
                rule: r.rule,
                column_rule: i,
                confidence,
                named,
                weak: column.weak.contains(&i),
                strict,
                health: r.health,
            };
            // Under a telling name, most values must have the shape and
            // some must validate (few ages are over 89); a column of
            // published samples is test data, reported low. Without a name,
            // nearly every value must validate.
            let shaped = t.valid + t.fake + t.shaped;
            let found = if n == 0 {
                None
            } else if named && t.valid > 0 && shaped * 2 >= n {
                Some((class(r.named, true), t.valid))
            } else if named && t.fake > 0 && (t.fake + t.valid) * 2 >= n {
                Some((class(Confidence::Low, false), t.valid + t.fake))
            } else if !named && nearly_all(t.valid, n) {
                Some((class(r.confidence, true), t.valid))
            } else {
                None
            };
            if let Some((c, rows)) = found {
                let rank = |c: &Class, rows: usize| (c.confidence, c.named, rows);
                if best
                    .as_ref()
                    .is_none_or(|b| rank(&c, rows) > rank(&b.0, b.1))
                {
                    best = Some((c, rows, i));
                }
            }
        }
        if let Some((class, rows, i)) = best {
            column.class = Some(class);
            column.rows = rows as u64;
            column.first = if class.strict {
                column.first_valid[i].take()
            } else {
                column.first_shaped[i].take()
            };
        }
        column.tallies = Vec::new();
        column.first_valid = Vec::new();
        column.first_shaped = Vec::new();
    }
}

/// Words in a column's name that make its address, phone or name a
/// business's.
const BUSINESS: &[&str] = &[
    "provider",
    "hospital",
    "facility",
    "company",
    "organization",
    "organisation",
    "business",
    "store",
    "office",
    "airport",
    "school",
    "clinic",
    "vendor",
    "merchant",
    "branch",
    "supplier",
    "warehouse",
    "bank",
    "employer",
    "pharmacy",
    "agency",
];

/// "Nearly all" of a sample: 90%, or every value of a small one.
fn nearly_all(valid: usize, n: usize) -> bool {
    if n < SMALL {
        valid == n
    } else {
        valid * 10 >= n * 9
    }
}

fn trim(value: &[u8]) -> &[u8] {
    let start = value
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &value[start..end]
}

/// A column name as lowercase words: `PatientSSN`, `patient_ssn` and
/// `Patient SSN` are all `patient ssn`; `address1` is `address 1`.
pub fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut prev: Option<char> = None;
    for c in name.chars() {
        let boundary = match prev {
            Some(p) => {
                (p.is_lowercase() && c.is_uppercase())
                    || (p.is_alphabetic() && c.is_ascii_digit())
                    || (p.is_ascii_digit() && c.is_alphabetic())
            }
            None => false,
        };
        if (!c.is_alphanumeric() || boundary) && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        if c.is_alphanumeric() {
            current.extend(c.to_lowercase());
        }
        prev = Some(c);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// A column pattern as written in a rule (`*_first_name`) as words.
fn pattern(text: &str) -> Vec<String> {
    text.split(['_', ' ', '-'])
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// Matches words against a pattern of words where `*` stands for any
/// number of words.
fn glob(pattern: &[String], name: &[String]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((first, rest)) if first == "*" => {
            (0..=name.len()).any(|skip| glob(rest, &name[skip..]))
        }
        Some((first, rest)) => name
            .split_first()
            .is_some_and(|(w, more)| w == first && glob(rest, more)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_words() {
        assert_eq!(words("PatientSSN"), ["patient", "ssn"]);
        assert_eq!(words("patient_ssn"), ["patient", "ssn"]);
        assert_eq!(words("Patient SSN"), ["patient", "ssn"]);
        assert_eq!(words("address1"), ["address", "1"]);
        assert_eq!(words("BIRTHDATE"), ["birthdate"]);
        assert_eq!(words("birthDate"), ["birth", "date"]);
    }

    #[test]
    fn patterns_match_whole_names() {
        assert!(glob(&pattern("*_ssn_*"), &words("Patient SSN")));
        assert!(glob(&pattern("*_ssn_*"), &words("ssn")));
        assert!(!glob(&pattern("*_ssn_*"), &words("lesson")));
        assert!(glob(&pattern("first"), &words("FIRST")));
        assert!(!glob(&pattern("first"), &words("first_seen")));
        assert!(glob(&pattern("*_last_name"), &words("patient_last_name")));
        assert!(!glob(&pattern("*_last_name"), &words("last_name_source")));
    }
}
