//! Removing outputs, counts and volatile metadata from a notebook, with
//! nbstripout 0.9.1's options and its rules for which cells keep output.

use crate::notebook::json::{Node, Number, Str, Value, parse_number};
use crate::notebook::{
    Generation, Notebook, NotebookError, V3_MULTILINE_OUTPUTS, joined_len, python_is_space,
};

/// Metadata nbstripout removes unless told to keep it: volatile per-run
/// state (timings, widget state, scroll and collapse UI state).
pub const DEFAULT_EXTRA_KEYS: [&str; 8] = [
    "metadata.signature",
    "metadata.widgets",
    "cell.metadata.collapsed",
    "cell.metadata.ExecuteTime",
    "cell.metadata.execution",
    "cell.metadata.heading_collapsed",
    "cell.metadata.hidden",
    "cell.metadata.scrolled",
];

/// What to strip. `Default` is nbstripout's default behaviour.
#[derive(Debug, Clone)]
pub struct StripOptions {
    /// `None` defers to the notebook's `metadata.keep_output`.
    pub keep_output: Option<bool>,
    pub keep_count: bool,
    pub keep_id: bool,
    pub drop_empty_cells: bool,
    pub strip_init_cells: bool,
    pub drop_tagged_cells: Vec<String>,
    /// Outputs of these types survive even when output is stripped
    /// (`stream`, or `stream:stderr` for one stream).
    pub keep_output_types: Vec<OutputType>,
    pub drop_output_types: Vec<OutputType>,
    /// Outputs no larger than this many characters are kept.
    pub max_size: u64,
    /// Keys removed from notebook metadata (`metadata.` prefix dropped).
    pub notebook_keys: Vec<String>,
    /// Keys removed from each cell (`cell.` prefix dropped).
    pub cell_keys: Vec<String>,
}

impl Default for StripOptions {
    fn default() -> Self {
        StripOptions::new(&[], &[]).0
    }
}

/// An output type filter: `error`, `stream`, or `stream:stdout`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputType {
    pub output_type: String,
    pub name: Option<String>,
}

impl std::str::FromStr for OutputType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let mut parts = s.split(':');
        let output_type = parts.next().unwrap_or_default().to_owned();
        let name = parts.next().map(str::to_owned);
        if parts.next().is_some() {
            return Err(format!(
                "`{s}` is not an output type (use TYPE or TYPE:NAME)"
            ));
        }
        Ok(OutputType { output_type, name })
    }
}

impl OutputType {
    fn matches(&self, output: &Value<'_>) -> bool {
        output
            .get("output_type")
            .is_some_and(|t| t.value.is_str(&self.output_type))
            && self
                .name
                .as_deref()
                .is_none_or(|name| output.get("name").is_some_and(|n| n.value.is_str(name)))
    }
}

impl StripOptions {
    /// Builds the metadata key lists from nbstripout's defaults, the extra
    /// keys and the keys to keep; returns the keys it could not use.
    pub fn new(extra_keys: &[String], keep_keys: &[String]) -> (StripOptions, Vec<String>) {
        let mut ignored = Vec::new();
        let mut notebook_keys = Vec::new();
        let mut cell_keys = Vec::new();
        let all = DEFAULT_EXTRA_KEYS
            .iter()
            .map(|k| (*k).to_owned())
            .chain(extra_keys.iter().cloned());
        for key in all.filter(|k| !keep_keys.contains(k)) {
            match key.split_once('.') {
                Some(("metadata", rest)) => notebook_keys.push(rest.to_owned()),
                Some(("cell", rest)) => cell_keys.push(rest.to_owned()),
                _ => ignored.push(key),
            }
        }
        let options = StripOptions {
            keep_output: None,
            keep_count: false,
            keep_id: false,
            drop_empty_cells: false,
            strip_init_cells: false,
            drop_tagged_cells: Vec::new(),
            keep_output_types: Vec::new(),
            drop_output_types: Vec::new(),
            max_size: 0,
            notebook_keys,
            cell_keys,
        };
        (options, ignored)
    }
}

/// Parses nbstripout's `--max-size`: a number with an optional `k`, `M` or
/// `G` suffix (powers of 1000).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let upper = text.trim().to_ascii_uppercase();
    let (digits, scale) = match upper.as_bytes().last() {
        Some(b'K') => (&upper[..upper.len() - 1], 1_000),
        Some(b'M') => (&upper[..upper.len() - 1], 1_000_000),
        Some(b'G') => (&upper[..upper.len() - 1], 1_000_000_000),
        _ => (&upper[..], 1),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| format!("`{text}` is not a size (e.g. 500, 10k, 2M)"))
}

/// Strips `nb` in place and reports whether the notebook changed, compared
/// the way nbstripout compares (the notebook as read, not the file's text).
pub fn strip(nb: &mut Notebook<'_>, options: &StripOptions) -> Result<bool, NotebookError> {
    let mut changed = false;
    let keep_output = options.keep_output.unwrap_or_else(|| {
        nb.metadata()
            .value
            .get("keep_output")
            .is_some_and(|v| v.value.truthy())
    });
    for key in &options.notebook_keys {
        changed |= pop_recursive(&mut nb.metadata_mut().value, key);
    }
    let generation = nb.generation();
    if options.drop_empty_cells || !options.drop_tagged_cells.is_empty() {
        // nbstripout filters cells with `list(filter(...))`, which turns the
        // empty object nbformat tolerates as `cells` into a list: a change.
        if let Some(cells) = nb.root.value.get_mut("cells")
            && matches!(cells.value, Value::Object(_))
        {
            cells.value = Value::Array(Vec::new());
            changed = true;
        }
    }
    let mut index = 0usize;
    for cells in nb.cell_lists_mut() {
        let before = cells.len();
        cells.retain(|cell| keep_cell(cell, options, generation));
        changed |= cells.len() != before;
        for cell in cells.iter_mut() {
            changed |= strip_cell(cell, index, keep_output, options, generation)?;
            index += 1;
        }
    }
    Ok(changed)
}

fn keep_cell(cell: &Node<'_>, options: &StripOptions, generation: Generation) -> bool {
    if options.drop_empty_cells && is_empty_cell(&cell.value, generation) {
        return false;
    }
    let tags = cell.value.get("metadata").and_then(|m| m.value.get("tags"));
    !options
        .drop_tagged_cells
        .iter()
        .any(|tag| tags.is_some_and(|t| t.value.contains_str(tag)))
}

/// A cell whose source has nothing but whitespace. nbformat 2 and 3 code
/// cells keep their source in `input`.
fn is_empty_cell(cell: &Value<'_>, generation: Generation) -> bool {
    let is_old_code = matches!(generation, Generation::V2 | Generation::V3)
        && cell
            .get("cell_type")
            .is_some_and(|t| t.value.is_str("code"));
    let field = if is_old_code { "input" } else { "source" };
    let blank = |s: &Str<'_>| s.decode().chars().all(python_is_space);
    match cell.get(field).map(|n| &n.value) {
        None => true,
        Some(Value::String(s)) => blank(s),
        Some(Value::Array(items)) => items.iter().all(|i| match &i.value {
            Value::String(s) => blank(s),
            _ => false,
        }),
        // nbstripout iterates the source: an object's keys are its lines.
        Some(Value::Object(members)) => members.iter().all(|m| blank(&m.key)),
        Some(_) => false,
    }
}

fn strip_cell(
    cell: &mut Node<'_>,
    index: usize,
    default_keep: bool,
    options: &StripOptions,
    generation: Generation,
) -> Result<bool, NotebookError> {
    let mut changed = false;
    let keep_this = keep_output_of(&cell.value, default_keep, options.strip_init_cells)
        .map_err(|e| NotebookError::Malformed(format!("cell {index}: {e}")))?;
    let filtered = !keep_this || !options.keep_output_types.is_empty();
    // nbformat 2 and 3 join the multi-line fields of a code cell's outputs
    // on reading, and leave other cells' outputs as they are.
    let joined = matches!(generation, Generation::V2 | Generation::V3)
        && cell
            .value
            .get("cell_type")
            .is_some_and(|t| t.value.is_str("code"));
    let iterated = filtered || !options.drop_output_types.is_empty();
    if iterated && let Some(outputs) = cell.value.get_mut("outputs") {
        // nbstripout filters `cell['outputs']` with a list comprehension,
        // which iterates an object's keys or a string's characters; nbformat
        // leaves the outputs of a cell that is not code as they are.
        let items: Option<Vec<Node<'_>>> = match &outputs.value {
            Value::Object(members) => Some(
                members
                    .iter()
                    .map(|m| Node::new(Value::String(Str::Owned(m.key.decode().into_owned()))))
                    .collect(),
            ),
            Value::String(text) => Some(
                text.decode()
                    .chars()
                    .map(|c| Node::new(Value::String(Str::Owned(c.to_string()))))
                    .collect(),
            ),
            _ => None,
        };
        if let Some(items) = items {
            outputs.value = Value::Array(items);
            changed = true;
        }
    }
    if let Some(Value::Array(outputs)) = cell.value.get_mut("outputs").map(|n| &mut n.value) {
        let before = outputs.len();
        // Outputs that are simply deleted are never built into trees.
        let inspect = keep_this
            || options.max_size > 0
            || !options.keep_output_types.is_empty()
            || !options.drop_output_types.is_empty();
        if inspect {
            outputs.iter_mut().for_each(Node::materialize);
        }
        if filtered {
            outputs.retain(|o| {
                size_within(&o.value, joined, generation, options.max_size)
                    || options
                        .keep_output_types
                        .iter()
                        .any(|t| t.matches(&o.value))
            });
        }
        if !options.keep_count {
            for output in outputs.iter_mut() {
                changed |= set_null(&mut output.value, "execution_count");
            }
        }
        if !options.drop_output_types.is_empty() {
            outputs.retain(|o| {
                !options
                    .drop_output_types
                    .iter()
                    .any(|t| t.matches(&o.value))
            });
        }
        changed |= outputs.len() != before;
    }
    if !options.keep_count {
        changed |= set_null(&mut cell.value, "prompt_number");
        changed |= set_null(&mut cell.value, "execution_count");
    }
    if !options.keep_id && cell.value.get("id").is_some() {
        let id = index.to_string();
        if !cell.value.get("id").is_some_and(|n| n.value.is_str(&id)) {
            cell.value.set("id", Value::String(Str::Owned(id)));
            changed = true;
        }
    }
    for key in &options.cell_keys {
        changed |= pop_recursive(&mut cell.value, key);
    }
    Ok(changed)
}

/// nbstripout's `determine_keep_output`: `init_cell` decides alone when
/// present; otherwise a `keep_output` metadata flag or tag keeps output.
fn keep_output_of(cell: &Value<'_>, default: bool, strip_init_cells: bool) -> Result<bool, String> {
    let Some(meta) = cell.get("metadata").map(|m| &m.value) else {
        return Ok(default);
    };
    if let Some(init) = meta.get("init_cell") {
        return Ok(init.value.truthy() && !strip_init_cells);
    }
    let flag = meta.get("keep_output").map(|v| v.value.truthy());
    let tagged = meta
        .get("tags")
        .is_some_and(|t| t.value.contains_str("keep_output"));
    if flag == Some(false) && tagged {
        return Err(
            "cell metadata contradicts tags: `keep_output` is false, but `keep_output` in tags"
                .into(),
        );
    }
    Ok(match flag {
        Some(flag) => flag || tagged,
        None if tagged => true,
        None => default,
    })
}

/// Sets an existing key to null; reports a change unless it already was.
fn set_null(obj: &mut Value<'_>, key: &str) -> bool {
    match obj.get_mut(key) {
        Some(node) if !matches!(node.value, Value::Null) => {
            *node = Node::new(Value::Null);
            true
        }
        _ => false,
    }
}

/// nbstripout's `pop_recursive`: removes a dotted key such as
/// `metadata.foo.bar`, trying the whole key literally at each level first.
fn pop_recursive(obj: &mut Value<'_>, key: &str) -> bool {
    if obj.as_object().is_none() {
        return false;
    }
    if obj.remove(key) {
        return true;
    }
    match key.split_once('.') {
        Some((head, tail)) => obj.get_mut(head).is_some_and(|child| {
            // `metadata.widgets` is read unbuilt.
            child.materialize();
            pop_recursive(&mut child.value, tail)
        }),
        None => false,
    }
}

/// Whether an output is no larger than `limit` by nbstripout's `get_size`:
/// the characters of every string (multi-line text counted as nbformat joins
/// it) plus the printed length of every other value; object keys do not
/// count. Stops counting at the limit, so a large output costs little.
fn size_within(output: &Value<'_>, joined: bool, generation: Generation, limit: u64) -> bool {
    let mut budget = limit;
    match output {
        Value::Object(members) if joined => members.iter().all(|m| match &m.node.value {
            Value::Array(items) if V3_MULTILINE_OUTPUTS.iter().any(|k| m.key.eq_str(k)) => {
                spend(&mut budget, joined_len(items, generation) as u64)
            }
            // nbformat 2 reads images as bytes, and `str()` of bytes is
            // their repr: `b'...'` with escapes.
            Value::String(s)
                if generation == Generation::V2
                    && (m.key.eq_str("png") || m.key.eq_str("jpeg")) =>
            {
                spend(&mut budget, bytes_repr_len(&s.decode()))
            }
            other => within(other, &mut budget),
        }),
        _ => within(output, &mut budget),
    }
}

/// `len(repr(text.encode()))` for ASCII text: Python quotes bytes with `'`
/// unless they hold a `'` and no `"`, and escapes the quote, backslashes,
/// tab, newline, return and other control bytes.
fn bytes_repr_len(text: &str) -> u64 {
    let quote = if text.contains('\'') && !text.contains('"') {
        b'"'
    } else {
        b'\''
    };
    let body: u64 = text
        .bytes()
        .map(|b| match b {
            b'\\' | b'\t' | b'\n' | b'\r' => 2,
            _ if b == quote => 2,
            0x20..=0x7e => 1,
            _ => 4,
        })
        .sum();
    body + 3
}

fn spend(budget: &mut u64, cost: u64) -> bool {
    match budget.checked_sub(cost) {
        Some(left) => {
            *budget = left;
            true
        }
        None => false,
    }
}

fn within(value: &Value<'_>, budget: &mut u64) -> bool {
    match value {
        // A character takes at most 12 bytes as stored (a surrogate-pair
        // escape), so a long string is known to be over budget uncounted.
        Value::String(s) if s.stored_len() as u64 > budget.saturating_mul(12) => false,
        Value::String(s) => spend(budget, s.char_len() as u64),
        Value::Array(items) => items.iter().all(|i| within(&i.value, budget)),
        Value::Object(members) => members.iter().all(|m| within(&m.node.value, budget)),
        Value::Null | Value::Bool(true) => spend(budget, 4),
        Value::Bool(false) => spend(budget, 5),
        Value::Number(text) => spend(budget, printed_len(text)),
        // Outputs are materialized before any limit above 0 is checked.
        Value::Lazy(lazy) => lazy.empty,
    }
}

/// `len(str(x))` for a number as Python reads it.
fn printed_len(text: &str) -> u64 {
    match parse_number(text) {
        Number::Int("-0") => 1,
        Number::Int(digits) => digits.len() as u64,
        Number::Float(f) if f.is_nan() || f.is_infinite() => 3 + u64::from(f < 0.0),
        Number::Float(f) => {
            let mut s = String::new();
            crate::notebook::write::python_float_repr(f, &mut s);
            s.len() as u64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_like_nbstripout() {
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("1k"), Ok(1000));
        assert_eq!(parse_size("2M"), Ok(2_000_000));
        assert!(parse_size("1.5k").is_err());
    }

    #[test]
    fn bytes_are_counted_by_their_repr() {
        // len(repr(s.encode())) in Python, for each s.
        assert_eq!(bytes_repr_len(""), 3);
        assert_eq!(bytes_repr_len("iVBOR"), 8);
        assert_eq!(bytes_repr_len("a'b"), 6);
        assert_eq!(bytes_repr_len("a'b\""), 8);
        assert_eq!(bytes_repr_len("x\n\\\u{1}\u{7f}"), 16);
    }

    #[test]
    fn output_type_filters() {
        let t: OutputType = "stream:stderr".parse().unwrap();
        assert_eq!(t.name.as_deref(), Some("stderr"));
        assert!("a:b:c".parse::<OutputType>().is_err());
    }
}
