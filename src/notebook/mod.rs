//! The faithful notebook model: read a notebook the way nbformat reads it,
//! and write it back byte for byte the way nbformat writes it (which is what
//! nbstripout produces), or in the file's own style for `--keep-format`.
//!
//! nbformat keeps multi-line text joined in memory and splits it into lists
//! of lines on write. We leave the parsed tree as stored and apply that
//! join-and-split only to what survives stripping, at write time, so output
//! that is deleted is never decoded.

pub mod json;
mod lines;
pub mod write;

use json::{Node, Number, SyntaxError, Unreadable, Value, parse_number};
pub use lines::{V3_MULTILINE_OUTPUTS, joined_len, python_is_space};
use write::Style;

/// Why a file is not a notebook we can rewrite.
#[derive(Debug, thiserror::Error)]
pub enum NotebookError {
    #[error("not valid UTF-8 (first bad byte at offset {offset})")]
    NotUtf8 { offset: usize },
    #[error(
        "starts with a UTF-8 byte-order mark, which Jupyter cannot read; remove its first 3 bytes"
    )]
    ByteOrderMark,
    #[error(
        "holds a lone surrogate escape (such as \\ud800) where it must be written, and UTF-8 cannot hold one"
    )]
    LoneSurrogate,
    #[error("not valid JSON: {0}")]
    Json(#[from] SyntaxError),
    #[error("not a notebook: {0}")]
    NotANotebook(String),
    #[error("unsupported nbformat version {0}")]
    UnsupportedVersion(String),
    #[error("{0}")]
    Malformed(String),
}

/// A notebook read from `text`, normalised the way `nbformat.read` does.
#[derive(Debug, Clone)]
pub struct Notebook<'a> {
    pub root: Node<'a>,
    /// nbformat major version; 1 when the file does not say (as nbformat assumes).
    pub major: i64,
    pub minor: i64,
}

/// Which of nbformat's readers and writers a notebook goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generation {
    /// nbformat 1: `cells` at the top, written unsorted with indent 4.
    V1,
    /// nbformat 2: worksheets, lines joined with `\n` and split without ends.
    V2,
    /// nbformat 3: worksheets, `splitlines(True)`.
    V3,
    /// nbformat 4: top-level `cells`, raw non-ASCII.
    V4,
}

impl<'a> Notebook<'a> {
    /// Reads a notebook from its file's bytes, and gives them as text too.
    /// The bytes are decoded as UTF-8 the way Python's
    /// `open(..., encoding="utf8")` does. A byte-order mark is refused, as
    /// nbformat (and so Jupyter and nbstripout) refuses it, rather than
    /// silently dropped.
    pub fn read(bytes: &'a [u8]) -> Result<(Notebook<'a>, &'a str), NotebookError> {
        if bytes.starts_with(b"\xef\xbb\xbf") {
            return Err(NotebookError::ByteOrderMark);
        }
        let (root, text) = json::parse_utf8(bytes).map_err(|e| match e {
            Unreadable::NotUtf8 { offset } => NotebookError::NotUtf8 { offset },
            Unreadable::Syntax(e) => NotebookError::Json(e),
        })?;
        Ok((Notebook::from_root(root)?, text))
    }

    fn from_root(root: Node<'a>) -> Result<Notebook<'a>, NotebookError> {
        if !matches!(root.value, Value::Object(_)) {
            return Err(NotebookError::NotANotebook(format!(
                "the top-level JSON value is {}, not an object",
                kind_name(&root.value)
            )));
        }
        let major = version_field(&root.value, "nbformat", 1)?;
        let minor = version_field(&root.value, "nbformat_minor", 0)?;
        if !(1..=4).contains(&major) {
            return Err(NotebookError::UnsupportedVersion(major.to_string()));
        }
        let mut nb = Notebook { root, major, minor };
        nb.check_shape()?;
        nb.drop_transient();
        nb.repair_cell_ids();
        Ok(nb)
    }

    pub fn generation(&self) -> Generation {
        match self.major {
            1 => Generation::V1,
            2 => Generation::V2,
            3 => Generation::V3,
            _ => Generation::V4,
        }
    }

    /// Notebook-level metadata (nbformat requires it for every version).
    pub fn metadata_mut(&mut self) -> &mut Node<'a> {
        self.root
            .value
            .get_mut("metadata")
            .expect("checked at parse time")
    }

    pub fn metadata(&self) -> &Node<'a> {
        self.root
            .value
            .get("metadata")
            .expect("checked at parse time")
    }

    /// The cell lists: one for nbformat 1 and 4, one per worksheet for 2 and 3.
    pub fn cell_lists_mut(&mut self) -> Vec<&mut Vec<Node<'a>>> {
        let root = &mut self.root.value;
        match self.major {
            2 | 3 => root
                .get_mut("worksheets")
                .and_then(|w| w.value.as_array_mut())
                .map(|sheets| {
                    sheets
                        .iter_mut()
                        .filter_map(|ws| ws.value.get_mut("cells"))
                        .filter_map(|c| c.value.as_array_mut())
                        .collect()
                })
                .unwrap_or_default(),
            _ => root
                .get_mut("cells")
                .and_then(|c| c.value.as_array_mut())
                .into_iter()
                .collect(),
        }
    }

    /// Rejects what nbformat's reader would fail on, so that a file we cannot
    /// rewrite faithfully is reported instead of half-handled.
    fn check_shape(&mut self) -> Result<(), NotebookError> {
        let root = &self.root.value;
        match root.get("metadata") {
            Some(m) if m.value.as_object().is_some() => {}
            Some(_) => return Err(malformed("notebook `metadata` is not an object")),
            None => return Err(malformed("notebook has no `metadata`")),
        }
        if matches!(self.major, 2 | 3) {
            let sheets = root
                .get("worksheets")
                .ok_or_else(|| malformed("notebook has no `worksheets`"))?;
            let sheets = sheets
                .value
                .as_array()
                .ok_or_else(|| malformed("`worksheets` is not a list"))?;
            for ws in sheets {
                match ws.value.get("cells") {
                    Some(c) if c.value.as_array().is_some() => {}
                    _ => return Err(malformed("a worksheet has no `cells` list")),
                }
            }
        } else {
            match root.get("cells") {
                Some(c) if c.value.as_array().is_some() => {}
                // nbformat iterates an empty object as no cells.
                Some(c) if c.value.as_object().is_some_and(<[_]>::is_empty) => {}
                Some(_) => return Err(malformed("`cells` is not a list")),
                None => return Err(malformed("notebook has no `cells`")),
            }
        }
        let generation = self.generation();
        for (index, cell) in self.cell_lists_mut().into_iter().flatten().enumerate() {
            if cell.value.as_object().is_none() {
                return Err(malformed(&format!("cell {index} is not an object")));
            }
            if generation == Generation::V4 {
                match cell.value.get("metadata") {
                    Some(m) if m.value.as_object().is_some() => {}
                    _ => {
                        return Err(malformed(&format!("cell {index} has no `metadata` object")));
                    }
                }
            }
            lines::check_cell(cell, generation)
                .map_err(|what| malformed(&format!("cell {index}: {what}")))?;
        }
        Ok(())
    }

    /// nbformat drops these on read and write: they describe one session,
    /// not the document.
    fn drop_transient(&mut self) {
        match self.generation() {
            Generation::V4 => {
                let meta = &mut self.metadata_mut().value;
                for key in ["orig_nbformat", "orig_nbformat_minor", "signature"] {
                    meta.remove(key);
                }
            }
            Generation::V3 => {
                for key in ["orig_nbformat", "orig_nbformat_minor"] {
                    self.root.value.remove(key);
                }
            }
            _ => return,
        }
        let v3 = self.generation() == Generation::V3;
        for cell in self.cell_lists_mut().into_iter().flatten() {
            if let Some(meta) = cell.value.get_mut("metadata") {
                meta.value.remove("trusted");
            }
            if v3 {
                cell.value.remove("trusted");
            }
        }
    }

    /// nbformat 4.5 requires unique cell ids; like nbformat's validator we
    /// give a missing or repeated id a fresh random one.
    fn repair_cell_ids(&mut self) {
        if (self.major, self.minor) < (4, 5) {
            return;
        }
        if self.cell_ids_are_unique() {
            return;
        }
        let mut seen = std::collections::HashSet::new();
        for cell in self.cell_lists_mut().into_iter().flatten() {
            let current = cell.value.get("id").map(|node| id_key(&node.value));
            match current {
                Some(key) if !seen.contains(&key) => {
                    seen.insert(key);
                }
                _ => {
                    let id = Value::String(json::Str::Owned(random_cell_id()));
                    seen.insert(id_key(&id));
                    cell.value.set("id", id);
                }
            }
        }
    }

    /// Whether every cell has an id and no two are equal: what nearly every
    /// notebook holds, checked without building a key for each id (that
    /// had been a tenth of the time to strip the parts of a notebook that
    /// are kept).
    fn cell_ids_are_unique(&mut self) -> bool {
        let mut seen = std::collections::HashSet::new();
        for cell in self.cell_lists_mut().into_iter().flatten() {
            let cell: &Node<'_> = cell;
            let id = match cell.value.get("id").map(|node| &node.value) {
                Some(Value::String(json::Str::Plain(id))) => *id,
                Some(Value::String(json::Str::Owned(id))) => id.as_str(),
                // Escapes, numbers, a missing id: the full check.
                _ => return false,
            };
            if !seen.insert(id) {
                return false;
            }
        }
        true
    }

    /// The notebook as nbformat (and so nbstripout) would write it.
    pub fn to_nbformat(mut self) -> Result<String, NotebookError> {
        // nbformat validates again when it writes: a cell whose id was
        // stripped (`--extra-keys cell.id`) gets a new one.
        self.repair_cell_ids();
        let generation = self.generation();
        for cell in self.cell_lists_mut().into_iter().flatten() {
            lines::split_cell(cell, generation).map_err(|_| NotebookError::LoneSurrogate)?;
        }
        let mut text = write::to_string(&self.root, &Style::nbformat(self.major))
            .map_err(|_| NotebookError::LoneSurrogate)?;
        text.push('\n');
        Ok(text)
    }

    /// The notebook in the style `original` was written in: its indentation,
    /// key order, string escapes and number spelling, so that only what was
    /// stripped shows up in a diff.
    pub fn to_original_style(&self, original: &str) -> String {
        let style = detect_style(original);
        // Verbatim strings are copied as stored, so this cannot fail.
        let mut text = write::to_string(&self.root, &style).unwrap_or_default();
        let trailing = &original[original.trim_end().len()..];
        text.push_str(trailing);
        text
    }
}

fn malformed(what: &str) -> NotebookError {
    NotebookError::Malformed(what.to_owned())
}

/// A cell id as nbformat's set of seen ids tells it apart: strings by code
/// point, numbers and bools by value, as Python compares them
/// (`1 == 1.0 == True`, `1e20 == 100000000000000000000`).
fn id_key(value: &Value<'_>) -> String {
    match value {
        Value::String(s) => format!("s{:?}", json::KeyId::of(s)),
        Value::Bool(b) => format!("n{}", u8::from(*b)),
        Value::Number(text) => match parse_number(text) {
            Number::Int("-0") => "n0".into(),
            Number::Int(digits) => format!("n{digits}"),
            // An integral float equals the integer it spells exactly.
            Number::Float(0.0) => "n0".into(),
            Number::Float(f) if f.is_finite() && f.fract() == 0.0 => format!("n{f:.0}"),
            // NaN equals nothing, not even itself.
            Number::Float(f) if f.is_nan() => format!("nan{:p}", text.as_ptr()),
            Number::Float(f) => format!("f{f:?}"),
        },
        other => format!("v{other:?}"),
    }
}

fn kind_name(value: &Value<'_>) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) | Value::Lazy(_) => "an object",
    }
}

fn version_field(root: &Value<'_>, key: &str, default: i64) -> Result<i64, NotebookError> {
    let Some(node) = root.get(key) else {
        return Ok(default);
    };
    let bad = || NotebookError::UnsupportedVersion(format!("{key} = {}", describe(&node.value)));
    match &node.value {
        Value::Number(text) => match parse_number(text) {
            // Python's integers have no bounds; beyond i64 only the order
            // matters (against 4 and 5), which saturating keeps.
            Number::Int(digits) => Ok(digits.parse().unwrap_or(if digits.starts_with('-') {
                i64::MIN
            } else {
                i64::MAX
            })),
            Number::Float(f) if f.fract() == 0.0 && f.abs() < 1e9 => Ok(f as i64),
            Number::Float(_) => Err(bad()),
        },
        // A bool is an int in Python.
        Value::Bool(b) => Ok(i64::from(*b)),
        _ => Err(bad()),
    }
}

fn describe(value: &Value<'_>) -> String {
    match value {
        Value::Number(t) => (*t).to_owned(),
        Value::String(s) => format!("{:?}", s.decode()),
        other => kind_name(other).to_owned(),
    }
}

/// nbformat's `generate_corpus_id`: eight random lowercase hex digits.
fn random_cell_id() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(t.as_nanos());
    }
    format!("{:08x}", h.finish() as u32)
}

/// Reads the layout of a JSON text from its first container: the unit of
/// indentation, the separators and the line ending.
fn detect_style(text: &str) -> Style {
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let body = text.trim_start();
    let after_open = &body[1.min(body.len())..];
    let indent = match after_open.find(|c: char| !c.is_ascii_whitespace()) {
        Some(p) => {
            let ws = &after_open[..p];
            ws.rfind('\n').map(|nl| ws[nl + 1..].to_owned())
        }
        None => None,
    };
    let key_sep = if text.contains("\": ") || !text.contains("\":") {
        ": "
    } else {
        ":"
    };
    let item_sep = match indent {
        Some(_) => ",",
        None if text.contains(", ") => ", ",
        None => ",",
    };
    Style {
        // `Some("")`, an indent of zero, still puts each item on its own line.
        indent,
        item_sep: item_sep.to_owned(),
        key_sep: key_sep.to_owned(),
        sort_keys: false,
        ascii: false,
        verbatim: true,
        newline,
    }
}
