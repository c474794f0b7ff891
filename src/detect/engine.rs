//! The scanning engine: one Aho-Corasick pass over a text finds every
//! keyword; only the rules whose keywords occur run their regex, and only on
//! the bytes around each keyword. The work per byte does not grow with the
//! number of rules.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex::bytes::{Regex, RegexBuilder};

use super::columns::Columns;
use super::rule::{Confidence, Rule, RuleError};
use super::validate::{self, Verdict};

/// How far before a keyword a match may start, and after it end, unless
/// the rule says otherwise.
const BEFORE: usize = 256;
const AFTER: usize = 512;
/// How far a window's end may move to reach the end of the token it cuts.
const TOKEN_SLACK: usize = 4096;

/// A value a rule found, as a byte range of the scanned text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    pub rule: usize,
    pub start: usize,
    pub end: usize,
    /// The rule's confidence, raised by a context word nearby or lowered
    /// for a published sample value.
    pub confidence: Confidence,
}

/// How far around a value a context word counts: a label comes before its
/// value (`SSN: …`), a unit or qualifier just after.
const CONTEXT_BEFORE: usize = 40;
const CONTEXT_AFTER: usize = 16;
/// How far past a pattern hit the rules without keywords look.
const PATTERN_AFTER: usize = 32;

struct Compiled {
    rule: Rule,
    regex: OnceLock<Result<Regex, String>>,
}

/// After this many bytes, the keyword search switches from the automaton
/// that builds in a millisecond to the DFA that takes about 15 ms to build
/// and searches twice as fast: a commit hook never pays for the DFA, a
/// repository scan pays for it once.
const DFA_AFTER: usize = 4 << 20;

pub struct Engine {
    rules: Vec<Compiled>,
    keywords: AhoCorasick,
    patterns: Vec<Vec<u8>>,
    fast_keywords: OnceLock<AhoCorasick>,
    scanned: AtomicUsize,
    /// For each keyword pattern, the rules that listed it.
    keyword_rules: Vec<Vec<usize>>,
    /// The rules without keywords (values such as e-mail addresses that
    /// carry no literal), and one regex that finds where any of them may
    /// match: the whole text is searched once, not once per rule.
    pattern_rules: Vec<usize>,
    patterns_regex: OnceLock<Option<Regex>>,
    columns: OnceLock<Columns>,
}

impl Engine {
    pub fn new(rules: Vec<Rule>) -> Result<Engine, RuleError> {
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        let mut index = std::collections::HashMap::new();
        let mut pattern_rules = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            if rule.tables_only {
                continue;
            }
            if rule.keywords.is_empty() {
                pattern_rules.push(i);
            }
            for k in &rule.keywords {
                let lower = k.as_bytes().to_ascii_lowercase();
                let id = *index.entry(lower.clone()).or_insert_with(|| {
                    patterns.push(lower);
                    keyword_rules.push(Vec::new());
                    patterns.len() - 1
                });
                if !keyword_rules[id].contains(&i) {
                    keyword_rules[id].push(i);
                }
            }
        }
        let keywords =
            keyword_automaton(&patterns, Some(AhoCorasickKind::ContiguousNFA)).map_err(|e| {
                RuleError::Toml {
                    source_name: "keywords".into(),
                    message: e.to_string(),
                }
            })?;
        Ok(Engine {
            rules: rules
                .into_iter()
                .map(|rule| Compiled {
                    rule,
                    regex: OnceLock::new(),
                })
                .collect(),
            keywords,
            patterns,
            fast_keywords: OnceLock::new(),
            scanned: AtomicUsize::new(0),
            keyword_rules,
            pattern_rules,
            patterns_regex: OnceLock::new(),
            columns: OnceLock::new(),
        })
    }

    pub fn rules(&self) -> impl ExactSizeIterator<Item = &Rule> {
        self.rules.iter().map(|c| &c.rule)
    }

    /// The rules as they judge table columns, built on first use.
    pub fn columns(&self) -> &Columns {
        self.columns.get_or_init(|| Columns::new(self))
    }

    /// Appends the matches of the rules without keywords only (a dataset's
    /// free-text cell; its keywords were searched with the whole batch).
    pub fn scan_patterns(&self, text: &[u8], out: &mut Vec<Match>) {
        let Some(any) = self.patterns_regex() else {
            return;
        };
        let first = out.len();
        let mut last_end = 0;
        let mut at = 0;
        while let Some(hit) = any.find_at(text, at) {
            at = (hit.end().saturating_sub(1)).max(hit.start() + 1);
            let end = token_end(text, (hit.end() + PATTERN_AFTER).min(text.len()));
            if end <= last_end {
                continue;
            }
            for &r in &self.pattern_rules {
                self.run_rule(r, text, hit.start().max(last_end), end, out);
            }
            last_end = end;
        }
        let found = out.split_off(first);
        out.extend(self.resolve_overlaps(found));
    }

    pub fn rule(&self, i: usize) -> &Rule {
        &self.rules[i].rule
    }

    /// The rule's regex, compiled on first use.
    pub fn regex(&self, i: usize) -> Result<&Regex, &str> {
        let c = &self.rules[i];
        c.regex
            .get_or_init(|| {
                RegexBuilder::new(&c.rule.regex)
                    .size_limit(20 << 20)
                    .unicode(false)
                    .build()
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(String::as_str)
    }

    /// Appends to `out` every accepted match in `text`, one per value: where
    /// rules overlap, the more confident (then the longer) match wins.
    pub fn scan(&self, text: &[u8], out: &mut Vec<Match>) {
        self.scan_with(text, true, out);
    }

    /// Like [`Engine::scan`]; without `patterns`, only the rules with
    /// keywords run (a dataset's cells are judged by column instead).
    pub fn scan_with(&self, text: &[u8], patterns: bool, out: &mut Vec<Match>) {
        let mut windows: Vec<(usize, usize, usize)> = Vec::new();
        let keywords = if self.scanned.fetch_add(text.len(), Ordering::Relaxed) > DFA_AFTER {
            self.fast_keywords.get_or_init(|| {
                keyword_automaton(&self.patterns, Some(AhoCorasickKind::DFA))
                    .unwrap_or_else(|_| self.keywords.clone())
            })
        } else {
            &self.keywords
        };
        for hit in keywords.find_overlapping_iter(text) {
            for &r in &self.keyword_rules[hit.pattern().as_usize()] {
                let after = self.rules[r].rule.window.unwrap_or(AFTER);
                windows.push((
                    r,
                    hit.start().saturating_sub(BEFORE),
                    (hit.end() + after).min(text.len()),
                ));
            }
        }
        if patterns && let Some(any) = self.patterns_regex() {
            let mut at = 0;
            while let Some(hit) = any.find_at(text, at) {
                let end = (hit.end() + PATTERN_AFTER).min(text.len());
                for &r in &self.pattern_rules {
                    windows.push((r, hit.start(), end));
                }
                // The boundary byte a match ends with may begin the next.
                at = (hit.end().saturating_sub(1)).max(hit.start() + 1);
            }
        }
        if windows.is_empty() {
            return;
        }
        windows.sort_unstable();
        let first = out.len();
        let mut i = 0;
        while i < windows.len() {
            let (rule, start, mut end) = windows[i];
            i += 1;
            while i < windows.len() && windows[i].0 == rule && windows[i].1 <= end {
                end = end.max(windows[i].2);
                i += 1;
            }
            self.run_rule(rule, text, start, token_end(text, end), out);
        }
        let found = out.split_off(first);
        out.extend(self.resolve_overlaps(found));
    }

    /// One regex that matches wherever a rule without keywords may: their
    /// regexes as alternatives, group names dropped (they may repeat).
    fn patterns_regex(&self) -> Option<&Regex> {
        self.patterns_regex
            .get_or_init(|| {
                if self.pattern_rules.is_empty() {
                    return None;
                }
                let any = self
                    .pattern_rules
                    .iter()
                    .map(|&r| format!("(?:{})", without_group_names(&self.rules[r].rule.regex)))
                    .collect::<Vec<_>>()
                    .join("|");
                RegexBuilder::new(&any)
                    .size_limit(40 << 20)
                    .unicode(false)
                    .build()
                    .ok()
            })
            .as_ref()
    }

    /// The confidence of a value `rule` accepted with `verdict` at
    /// `text[start..end]`.
    pub fn confidence(
        rule: &Rule,
        verdict: Verdict,
        text: &[u8],
        start: usize,
        end: usize,
    ) -> Confidence {
        if verdict == Verdict::Fake {
            return Confidence::Low;
        }
        match rule.with_context {
            Some(raised) if raised > rule.confidence && has_context(rule, text, start, end) => {
                raised
            }
            _ => rule.confidence,
        }
    }

    /// Runs rule `r` on `text[start..end]`. The text before `start` stays
    /// visible to the regex, so `^`, `\b` and `[^A-Za-z0-9]` judge the first
    /// byte by its real neighbour and no match begins inside a token.
    fn run_rule(&self, r: usize, text: &[u8], start: usize, end: usize, out: &mut Vec<Match>) {
        let Ok(regex) = self.regex(r) else { return };
        let rule = &self.rules[r].rule;
        let haystack = &text[..end];
        let mut at = start;
        while at <= end {
            let Some(caps) = regex.captures_at(haystack, at) else {
                break;
            };
            let whole = caps.get(0).expect("group 0 always matches");
            at = if whole.is_empty() {
                whole.end() + 1
            } else {
                whole.end()
            };
            // The group named `secret`, else the first group that took
            // part (alternatives may each capture the value their own way),
            // else the whole match.
            let m = caps
                .name("secret")
                .or_else(|| (1..caps.len()).find_map(|i| caps.get(i)))
                .unwrap_or(whole);
            // The next search starts after the value, not after the
            // boundary the regex matched past it: `a@x.io,b@y.io` is two
            // addresses, the comma ending one and starting the other.
            if !m.is_empty() {
                at = at.min(m.end().max(whole.start() + 1));
            }
            if m.is_empty() {
                continue;
            }
            let verdict = validate::judge(rule, m.as_bytes());
            if verdict == Verdict::Invalid {
                continue;
            }
            out.push(Match {
                rule: r,
                start: m.start(),
                end: m.end(),
                confidence: Engine::confidence(rule, verdict, text, m.start(), m.end()),
            });
        }
    }

    /// One match per value: among matches that overlap, the most confident,
    /// then the longest, then the earliest rule's is kept.
    fn resolve_overlaps(&self, mut found: Vec<Match>) -> Vec<Match> {
        found.sort_unstable_by_key(|m| (m.start, m.end, m.rule, m.confidence));
        found.dedup_by_key(|m| (m.start, m.end, m.rule));
        // A secret outranks personal data it overlaps: a password in a
        // URL that reads like an address (`pw*x@host.io`) is the finding
        // that matters.
        let rank = |m: &Match| {
            let secret = self.rule(m.rule).category == super::rule::Category::Secret;
            (secret, m.confidence, m.end - m.start)
        };
        let mut kept = Vec::with_capacity(found.len());
        let mut i = 0;
        while i < found.len() {
            // A cluster: matches chained by overlap, usually one or two.
            let mut j = i + 1;
            let mut end = found[i].end;
            while j < found.len() && found[j].start < end {
                end = end.max(found[j].end);
                j += 1;
            }
            let cluster = &mut found[i..j];
            cluster.sort_by(|a, b| rank(b).cmp(&rank(a)).then(a.rule.cmp(&b.rule)));
            let from = kept.len();
            for m in cluster.iter() {
                if !kept[from..]
                    .iter()
                    .any(|k: &Match| k.start < m.end && m.start < k.end)
                {
                    kept.push(*m);
                }
            }
            kept[from..].sort_unstable_by_key(|m| (m.start, m.end, m.rule));
            i = j;
        }
        kept
    }

    /// Checks every rule's examples and negatives, returning one line per
    /// failure. Examples are scanned as plain text through the whole engine,
    /// placeholder filters and overlap resolution included.
    pub fn test_rules(&self) -> Vec<String> {
        let mut failures = Vec::new();
        for (i, c) in self.rules.iter().enumerate() {
            let rule = &c.rule;
            if let Err(e) = self.regex(i) {
                failures.push(format!("{}: the regex does not compile: {e}", rule.id));
                continue;
            }
            if rule.tables_only {
                for (n, example) in rule.examples.iter().enumerate() {
                    if !self.columns().accepts(self, i, example.as_bytes()) {
                        failures.push(format!(
                            "{}: example {} is not taken as a cell",
                            rule.id,
                            n + 1
                        ));
                    }
                }
                for (n, negative) in rule.negatives.iter().enumerate() {
                    if self.columns().accepts(self, i, negative.as_bytes()) {
                        failures.push(format!(
                            "{}: negative example {} is taken as a cell",
                            rule.id,
                            n + 1
                        ));
                    }
                }
                continue;
            }
            let mut found = Vec::new();
            for (n, example) in rule.examples.iter().enumerate() {
                found.clear();
                self.scan(example.as_bytes(), &mut found);
                if !found.iter().any(|m| m.rule == i) {
                    let other = found
                        .iter()
                        .map(|m| self.rule(m.rule).id.as_str())
                        .collect::<Vec<_>>();
                    let why = if other.is_empty() {
                        String::new()
                    } else {
                        format!(" (found by {} instead)", other.join(", "))
                    };
                    failures.push(format!("{}: example {} is not found{why}", rule.id, n + 1));
                }
            }
            // A negative may still be found at low confidence (a published
            // sample value is), never more.
            let floor = rule.confidence.max(Confidence::Medium);
            for (n, negative) in rule.negatives.iter().enumerate() {
                found.clear();
                self.scan(negative.as_bytes(), &mut found);
                if found.iter().any(|m| m.rule == i && m.confidence >= floor) {
                    failures.push(format!("{}: negative example {} is found", rule.id, n + 1));
                }
            }
        }
        failures
    }
}

/// Every keyword, ignoring ASCII case, all matches reported (a keyword
/// inside another still counts).
fn keyword_automaton(
    patterns: &[Vec<u8>],
    kind: Option<AhoCorasickKind>,
) -> Result<AhoCorasick, aho_corasick::BuildError> {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .kind(kind)
        .build(patterns)
}

/// A regex's source with its named groups made plain groups, so that
/// regexes naming the same group can be joined.
pub fn without_group_names(source: &str) -> String {
    static NAMES: OnceLock<Regex> = OnceLock::new();
    let names =
        NAMES.get_or_init(|| Regex::new(r"\(\?P?<[A-Za-z_][A-Za-z0-9_]*>").expect("valid regex"));
    String::from_utf8_lossy(&names.replace_all(source.as_bytes(), &b"("[..])).into_owned()
}

/// Whether one of the rule's context words stands as a whole word (letters
/// and digits around it do not continue it) near `text[start..end]`.
fn has_context(rule: &Rule, text: &[u8], start: usize, end: usize) -> bool {
    let from = start.saturating_sub(CONTEXT_BEFORE);
    let to = (end + CONTEXT_AFTER).min(text.len());
    let near = &text[from..to];
    rule.context.iter().any(|word| {
        let word = word.as_bytes();
        near.windows(word.len()).enumerate().any(|(i, w)| {
            w.eq_ignore_ascii_case(word)
                && (i == 0 || !near[i - 1].is_ascii_alphanumeric())
                && near
                    .get(i + word.len())
                    .is_none_or(|b| !b.is_ascii_alphanumeric())
        })
    })
}

/// Moves a window's end forward to where the token it cuts ends (a space,
/// quote, bracket or line break), so a value is never cut short; at most
/// [`TOKEN_SLACK`] bytes.
fn token_end(text: &[u8], pos: usize) -> usize {
    let ceil = (pos + TOKEN_SLACK).min(text.len());
    text[pos..ceil]
        .iter()
        .position(|&b| ENDS_TOKEN[usize::from(b)])
        .map_or(ceil, |i| pos + i)
}

const ENDS_TOKEN: [bool; 256] = {
    let mut table = [false; 256];
    let ends = b" \t\r\n\"'`<>()[]{},;";
    let mut i = 0;
    while i < ends.len() {
        table[ends[i] as usize] = true;
        i += 1;
    }
    table
};
