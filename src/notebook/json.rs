//! A JSON reader that accepts exactly what Python's `json.loads` accepts and
//! remembers where every value came from.
//!
//! serde_json cannot stand in here: nbformat files may hold bare `NaN` and
//! `Infinity`, a rewrite must keep a number's text (`1E5`, huge integers),
//! `--keep-format` needs each value's byte span, and scanning needs positions
//! in the file as stored. Strings are kept as slices of the input and decoded
//! only when something asks, so the large base64 outputs that stripping
//! deletes cost one scan and no allocation.

use std::borrow::Cow;
use std::fmt;

/// Python reads a notebook nested about 496 levels deep before nbformat's
/// recursion fails; we accept 500. Real notebooks nest about 20 levels (Vega
/// specs); the threads that parse have stacks sized for this.
pub const MAX_DEPTH: usize = 500;

/// CPython refuses to read an integer longer than this (`sys.int_info`).
const MAX_INT_DIGITS: usize = 4300;

/// A parsed JSON value borrowing its text from the input.
#[derive(Debug, Clone)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    /// The number exactly as written (`-0`, `1E5`, `NaN`, `-Infinity`).
    Number(&'a str),
    String(Str<'a>),
    Array(Vec<Node<'a>>),
    Object(Vec<Member<'a>>),
    /// A cell output checked for syntax but not yet built: stripping deletes
    /// most outputs, so they are turned into trees only when something
    /// needs to look inside ([`Node::materialize`]).
    Lazy(Lazy<'a>),
}

#[derive(Debug, Clone, Copy)]
pub struct Lazy<'a> {
    /// The whole document; the node's span says where the value is.
    pub document: &'a [u8],
    /// Whether nbstripout's `get_size` of the value is 0: no number, no
    /// literal, no non-empty string outside keys.
    pub empty: bool,
}

/// A value with the byte range it occupies in the input; values made by a
/// rewrite have an empty span.
#[derive(Debug, Clone)]
pub struct Node<'a> {
    pub value: Value<'a>,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone)]
pub struct Member<'a> {
    pub key: Str<'a>,
    pub node: Node<'a>,
}

/// A JSON string: either the text between the quotes as stored, or a value a
/// rewrite produced.
#[derive(Debug, Clone)]
pub enum Str<'a> {
    /// Stored text without a backslash: it is the value.
    Plain(&'a str),
    /// Stored text with escapes, which differs from the value it stands
    /// for. (A variant rather than a flag beside the text: the flag's byte
    /// made every move of a parsed value an unaligned copy.)
    Escaped(&'a str),
    Owned(String),
    /// Stored-form text a rewrite produced: a line of an nbformat 2/3 field
    /// that holds a lone surrogate, which a `String` cannot. (Boxed so the
    /// enum stays three words.)
    OwnedEscaped(Box<str>),
}

/// Where and why the input is not JSON that Python would read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub offset: usize,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at line {}, column {}",
            self.message, self.line, self.column
        )
    }
}

impl std::error::Error for SyntaxError {}

impl<'a> Node<'a> {
    pub fn new(value: Value<'a>) -> Self {
        Node {
            value,
            start: 0,
            end: 0,
        }
    }

    /// Builds the tree of a lazily parsed value (a no-op for others).
    pub fn materialize(&mut self) {
        if let Value::Lazy(lazy) = self.value {
            let mut p = Parser::new(lazy.document);
            p.pos = self.start;
            // The text was validated when it was skipped, so this cannot
            // fail.
            match p.value(Context::Built) {
                Ok(node) => self.value = node.value,
                Err(e) => unreachable!("validated value failed to parse: {e}"),
            }
        }
    }
}

impl<'a> Value<'a> {
    pub fn as_object(&self) -> Option<&[Member<'a>]> {
        match self {
            Value::Object(members) => Some(members),
            _ => None,
        }
    }

    pub fn as_object_mut(&mut self) -> Option<&mut Vec<Member<'a>>> {
        match self {
            Value::Object(members) => Some(members),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Node<'a>]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_array_mut(&mut self) -> Option<&mut Vec<Node<'a>>> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&Str<'a>> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The member `key` of an object; `None` for a missing key or a non-object.
    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        self.as_object()?
            .iter()
            .find(|m| m.key.eq_str(key))
            .map(|m| &m.node)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node<'a>> {
        self.as_object_mut()?
            .iter_mut()
            .find(|m| m.key.eq_str(key))
            .map(|m| &mut m.node)
    }

    /// Removes `key` from an object, returning whether it was there.
    pub fn remove(&mut self, key: &str) -> bool {
        match self.as_object_mut() {
            Some(members) => match members.iter().position(|m| m.key.eq_str(key)) {
                Some(i) => {
                    members.remove(i);
                    true
                }
                None => false,
            },
            None => false,
        }
    }

    /// Sets `key` to `value`, keeping the member's place when it exists.
    pub fn set(&mut self, key: &str, value: Value<'a>) {
        if let Some(members) = self.as_object_mut() {
            match members.iter_mut().find(|m| m.key.eq_str(key)) {
                Some(m) => m.node = Node::new(value),
                None => members.push(Member {
                    key: Str::Owned(key.to_owned()),
                    node: Node::new(value),
                }),
            }
        }
    }

    /// Python's truth value (`bool(x)`), which nbstripout applies to
    /// `keep_output` and `init_cell`.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Number(text) => parse_number(text).is_truthy(),
            Value::String(s) => !s.is_empty(),
            Value::Array(items) => !items.is_empty(),
            Value::Object(members) => !members.is_empty(),
            // Only cell outputs and `metadata.widgets` are lazy, and
            // truthiness is asked only of other metadata.
            Value::Lazy(lazy) => !lazy.empty,
        }
    }

    /// Python's `needle in value` for the containers nbstripout tests tags
    /// with: list membership, substring for a string, key for an object.
    pub fn contains_str(&self, needle: &str) -> bool {
        match self {
            Value::Array(items) => items
                .iter()
                .any(|n| matches!(&n.value, Value::String(s) if s.eq_str(needle))),
            Value::String(s) => s.decode().contains(needle),
            Value::Object(members) => members.iter().any(|m| m.key.eq_str(needle)),
            _ => false,
        }
    }

    /// Whether a value equals the string `s` (Python `==`).
    pub fn is_str(&self, s: &str) -> bool {
        matches!(self, Value::String(v) if v.eq_str(s))
    }
}

/// A JSON number read the way Python reads it: an integer when written
/// without fraction or exponent, otherwise a float.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number<'a> {
    Int(&'a str),
    Float(f64),
}

impl Number<'_> {
    fn is_truthy(&self) -> bool {
        match self {
            Number::Int(digits) => digits.trim_start_matches('-').bytes().any(|b| b != b'0'),
            Number::Float(f) => *f != 0.0,
        }
    }
}

pub fn parse_number(text: &str) -> Number<'_> {
    match text {
        "NaN" => Number::Float(f64::NAN),
        "Infinity" => Number::Float(f64::INFINITY),
        "-Infinity" => Number::Float(f64::NEG_INFINITY),
        _ if text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) => {
            // The grammar was checked while parsing, so Rust's correctly
            // rounded parser agrees with Python's `float()`; overflow gives
            // infinity in both.
            Number::Float(text.parse().unwrap_or(f64::NAN))
        }
        _ => Number::Int(text),
    }
}

impl<'a> Str<'a> {
    /// The string's value, borrowing when the stored text has no escapes.
    pub fn decode(&self) -> Cow<'_, str> {
        match self {
            Str::Plain(text) => Cow::Borrowed(text),
            Str::Escaped(text) => Cow::Owned(unescape(text)),
            Str::OwnedEscaped(text) => Cow::Owned(unescape(text)),
            Str::Owned(s) => Cow::Borrowed(s),
        }
    }

    /// Inlined: the parser and the stripper compare nearly every key with
    /// a constant (`"cells"`, `"outputs"`), which then takes a length check
    /// and a word compare rather than a call to `memcmp`.
    #[inline]
    pub fn eq_str(&self, other: &str) -> bool {
        match self {
            Str::Plain(text) => *text == other,
            Str::Escaped(_) | Str::OwnedEscaped(_) => self.decoded_eq(other),
            Str::Owned(s) => s == other,
        }
    }

    #[inline(never)]
    fn decoded_eq(&self, other: &str) -> bool {
        self.decode() == other
    }

    /// Whether two strings have the same value, however they were written.
    pub fn same_as(&self, other: &Str<'_>) -> bool {
        match (self, other) {
            (Str::Plain(a), Str::Plain(b)) => a == b,
            _ => self.cmp_value(other).is_eq(),
        }
    }

    /// Orders two strings' values by code point, as Python orders `str`.
    /// Decoding alone would not do: it turns every lone surrogate into
    /// U+FFFD, which sorts after U+E000 and makes `"\ud800"` equal `"\udbff"`.
    pub fn cmp_value(&self, other: &Str<'_>) -> std::cmp::Ordering {
        if self.has_lone_surrogate() || other.has_lone_surrogate() {
            self.code_points().cmp(other.code_points())
        } else {
            // UTF-8 orders valid text by code point.
            self.decode().cmp(&other.decode())
        }
    }

    /// The value's code points, lone surrogates included.
    pub fn code_points(&self) -> impl Iterator<Item = u32> + '_ {
        match self {
            Str::Owned(text) => points(text, false),
            other => points(other.stored().unwrap_or_default(), true),
        }
    }

    /// Whether the string holds a surrogate escape without its pair, which
    /// Python reads but cannot write as UTF-8.
    pub fn has_lone_surrogate(&self) -> bool {
        let lone = |text: &str| {
            text.contains("\\u") && code_points(text).any(|c| (0xD800..0xE000).contains(&c))
        };
        match self {
            Str::Escaped(text) => lone(text),
            Str::OwnedEscaped(text) => lone(text),
            Str::Plain(_) | Str::Owned(_) => false,
        }
    }

    /// Bytes of the string as stored (escapes included).
    pub fn stored_len(&self) -> usize {
        match self {
            Str::Plain(text) | Str::Escaped(text) => text.len(),
            Str::OwnedEscaped(text) => text.len(),
            Str::Owned(s) => s.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.stored_len() == 0
    }

    /// The text as stored between quotes (escapes included), for all but
    /// a value a rewrite made as a plain `String`.
    pub fn stored(&self) -> Option<&str> {
        match self {
            Str::Plain(text) | Str::Escaped(text) => Some(text),
            Str::OwnedEscaped(text) => Some(text),
            Str::Owned(_) => None,
        }
    }

    /// Length in code points, as Python's `len(str)` counts, without
    /// decoding: each escape stands for one character, a surrogate pair too.
    pub fn char_len(&self) -> usize {
        let text = match self {
            Str::Plain(text) => return count_chars(text.as_bytes()),
            Str::Escaped(text) => text,
            Str::OwnedEscaped(text) => &**text,
            Str::Owned(s) => return s.chars().count(),
        };
        let chars = count_chars(text.as_bytes());
        // Every escape is ASCII: subtract its extra characters.
        let bytes = text.as_bytes();
        let mut extra = 0;
        let mut i = 0;
        while let Some(p) = memchr::memchr(b'\\', &bytes[i..]) {
            let (_, len) = escape_at(bytes, i + p);
            extra += len - 1;
            i += p + len;
        }
        chars - extra
    }
}

/// Decodes the escapes of a string body that the parser already validated.
fn unescape(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let run_end = memchr_backslash(bytes, i);
        out.push_str(&text[i..run_end]);
        i = run_end;
        if i >= bytes.len() {
            break;
        }
        let (code, len) = escape_at(bytes, i);
        // A lone surrogate has no `char`; comparisons see U+FFFD, and the
        // writer re-reads the stored text to keep it exact.
        out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
        i += len;
    }
    out
}

/// The escape that starts with the backslash at `bytes[i]` (validated by
/// the parser): the code point it stands for, a surrogate pair joined and a
/// lone surrogate kept as is, and its length in bytes.
pub(crate) fn escape_at(bytes: &[u8], i: usize) -> (u32, usize) {
    let code = match bytes[i + 1] {
        b'b' => 0x08,
        b'f' => 0x0c,
        b'n' => 0x0a,
        b'r' => 0x0d,
        b't' => 0x09,
        b'u' => {
            let hi = hex4(&bytes[i + 2..i + 6]);
            if (0xD800..0xDC00).contains(&hi) && bytes[i + 6..].starts_with(b"\\u") {
                let lo = hex4(&bytes[i + 8..i + 12]);
                if (0xDC00..0xE000).contains(&lo) {
                    return (0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00), 12);
                }
            }
            return (hi, 6);
        }
        other => u32::from(other),
    };
    (code, 2)
}

/// Iterates the code points of stored string text, lone surrogates included.
pub(crate) fn code_points(text: &str) -> impl Iterator<Item = u32> + '_ {
    points(text, true)
}

/// The code points of `text`, reading its escapes when it is stored text.
fn points(text: &str, escaped: bool) -> impl Iterator<Item = u32> + '_ {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        if i >= bytes.len() {
            return None;
        }
        if escaped && bytes[i] == b'\\' {
            let (code, len) = escape_at(bytes, i);
            i += len;
            return Some(code);
        }
        let c = text[i..].chars().next()?;
        i += c.len_utf8();
        Some(c as u32)
    })
}

fn memchr_backslash(bytes: &[u8], from: usize) -> usize {
    memchr::memchr(b'\\', &bytes[from..]).map_or(bytes.len(), |p| from + p)
}

/// A separator between two values of a container (`,` and whitespace),
/// with the quote that opens the next value or key: up to 16 bytes, held
/// as a word so that one comparison tells whether the same bytes follow.
#[derive(Default, Clone, Copy)]
struct Separator {
    /// The bytes, first in the lowest byte; those past `len` are ignored.
    word: u128,
    /// 0 when there is none.
    len: usize,
}

impl Separator {
    /// The separator `bytes[from..quote]` followed by the quote at `quote`,
    /// if that is what is there and it fits.
    fn read(bytes: &[u8], from: usize, quote: usize) -> Separator {
        let len = quote + 1 - from;
        match bytes.get(from..from + 16) {
            Some(chunk) if len <= 16 && bytes[quote] == b'"' => Separator {
                word: u128::from_le_bytes(chunk.try_into().expect("16 bytes")),
                len,
            },
            _ => Separator::default(),
        }
    }

    fn is_at(&self, bytes: &[u8], at: usize) -> bool {
        let Some(chunk) = bytes.get(at..at + 16).filter(|_| self.len != 0) else {
            return false;
        };
        let word = u128::from_le_bytes(chunk.try_into().expect("16 bytes"));
        let mask = u128::MAX >> (128 - 8 * self.len);
        (word ^ self.word) & mask == 0
    }
}

/// What [`Parser::scan_string`] saw in a string.
#[derive(Clone, Copy)]
struct Scanned {
    escaped: bool,
    /// Whether it may hold bytes above 0x7f (see [`Run::high`]).
    high: bool,
}

/// Where a run of ordinary string text ends, and whether it may hold
/// non-ASCII bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    /// The offset of the first quote, backslash or control character, or
    /// the slice's length when there is none.
    end: usize,
    /// True when a byte of 0x80 or above lies before `end`; it may also be
    /// true for one shortly after. The parser checks UTF-8 only in strings
    /// where this is set, which spares a separate pass over the file for the
    /// ASCII that nearly all of a notebook is.
    high: bool,
}

fn is_special(b: u8) -> bool {
    b == b'"' || b == b'\\' || b < 0x20
}

fn scalar_run(bytes: &[u8]) -> Run {
    let end = bytes
        .iter()
        .position(|&b| is_special(b))
        .unwrap_or(bytes.len());
    Run {
        end,
        high: !bytes[..end].is_ascii(),
    }
}

fn find_special(bytes: &[u8]) -> Run {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            unsafe { avx2_find_special(bytes) }
        } else {
            sse2_find_special(bytes)
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        scalar_run(bytes)
    }
}

/// [`find_special`] 16 bytes at a time. SSE2 is part of every x86_64 CPU, so
/// no run-time check is needed.
#[cfg(target_arch = "x86_64")]
fn sse2_find_special(bytes: &[u8]) -> Run {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8, _mm_setzero_si128,
    };
    let mut i = 0;
    // SAFETY: SSE2 is always available on x86_64, and every load reads 16
    // bytes that lie inside `bytes` (the loops check the length first).
    let high = unsafe {
        let quote = _mm_set1_epi8(b'"' as i8);
        let backslash = _mm_set1_epi8(b'\\' as i8);
        let control_max = _mm_set1_epi8(0x1f);
        let load = |at: usize| _mm_loadu_si128(bytes.as_ptr().add(at).cast::<__m128i>());
        let hits = |chunk: __m128i| {
            // min(byte, 0x1f) == byte exactly when byte <= 0x1f (unsigned).
            let control = _mm_cmpeq_epi8(_mm_min_epu8(chunk, control_max), chunk);
            _mm_or_si128(
                _mm_or_si128(
                    _mm_cmpeq_epi8(chunk, quote),
                    _mm_cmpeq_epi8(chunk, backslash),
                ),
                control,
            )
        };
        // Every chunk read, OR-ed: its top bits tell whether any byte was
        // 0x80 or above.
        let mut seen = _mm_setzero_si128();
        // 64 bytes a round while nothing is found: base64 images are long.
        while i + 64 <= bytes.len() {
            let (a, b, c, d) = (load(i), load(i + 16), load(i + 32), load(i + 48));
            seen = _mm_or_si128(seen, _mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d)));
            let any = _mm_or_si128(
                _mm_or_si128(hits(a), hits(b)),
                _mm_or_si128(hits(c), hits(d)),
            );
            if _mm_movemask_epi8(any) != 0 {
                break;
            }
            i += 64;
        }
        while i + 16 <= bytes.len() {
            let chunk = load(i);
            seen = _mm_or_si128(seen, chunk);
            let mask = _mm_movemask_epi8(hits(chunk));
            if mask != 0 {
                return Run {
                    end: i + mask.trailing_zeros() as usize,
                    high: _mm_movemask_epi8(seen) != 0,
                };
            }
            i += 16;
        }
        _mm_movemask_epi8(seen) != 0
    };
    let tail = scalar_run(&bytes[i..]);
    Run {
        end: i + tail.end,
        high: high || tail.high,
    }
}

/// [`find_special`] 32 bytes at a time, on CPUs that have AVX2: most
/// strings in outputs are lines of about a hundred bytes, which this reads
/// in three or four steps.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn avx2_find_special(bytes: &[u8]) -> Run {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_min_epu8, _mm256_movemask_epi8,
        _mm256_or_si256, _mm256_set1_epi8, _mm256_setzero_si256,
    };
    let mut i = 0;
    // SAFETY: every load reads 32 bytes inside `bytes` (the loop checks the
    // length first); the caller guarantees AVX2.
    let high = unsafe {
        let quote = _mm256_set1_epi8(b'"' as i8);
        let backslash = _mm256_set1_epi8(b'\\' as i8);
        let control_max = _mm256_set1_epi8(0x1f);
        let mut seen = _mm256_setzero_si256();
        while i + 32 <= bytes.len() {
            let chunk = _mm256_loadu_si256(bytes.as_ptr().add(i).cast::<__m256i>());
            seen = _mm256_or_si256(seen, chunk);
            // min(byte, 0x1f) == byte exactly when byte <= 0x1f (unsigned).
            let control = _mm256_cmpeq_epi8(_mm256_min_epu8(chunk, control_max), chunk);
            let hits = _mm256_or_si256(
                _mm256_or_si256(
                    _mm256_cmpeq_epi8(chunk, quote),
                    _mm256_cmpeq_epi8(chunk, backslash),
                ),
                control,
            );
            let mask = _mm256_movemask_epi8(hits);
            if mask != 0 {
                return Run {
                    end: i + mask.trailing_zeros() as usize,
                    high: _mm256_movemask_epi8(seen) != 0,
                };
            }
            i += 32;
        }
        _mm256_movemask_epi8(seen) != 0
    };
    let tail = sse2_find_special(&bytes[i..]);
    Run {
        end: i + tail.end,
        high: high || tail.high,
    }
}

/// Code points in valid UTF-8: every byte that does not continue a character.
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

fn hex4(b: &[u8]) -> u32 {
    b.iter()
        .fold(0, |acc, &c| acc * 16 + hex_digit(c).unwrap_or(0))
}

fn hex_digit(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'a'..=b'f' => Some(u32::from(c - b'a' + 10)),
        b'A'..=b'F' => Some(u32::from(c - b'A' + 10)),
        _ => None,
    }
}

/// Where a value sits, as far as laziness is concerned: what stripping
/// deletes by default is left unbuilt, the elements of an `outputs` list
/// inside a member of a `cells` list, and the notebook's `metadata.widgets`
/// (saved widget state: thousands of small objects in some notebooks).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Other,
    /// The top-level value.
    Document,
    NotebookMetadata,
    CellList,
    Cell,
    OutputList,
    /// A value to check but not build.
    Unbuilt,
    /// Inside a value built on demand ([`Node::materialize`]): everything
    /// is built, so a notebook held in an output is measured and written
    /// as what it is.
    Built,
}

/// Why bytes are not a document that Python would read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    /// The offset of the first byte that is not UTF-8.
    NotUtf8 {
        offset: usize,
    },
    Syntax(SyntaxError),
}

/// Parses a whole document. Like `json.loads`, whitespace may surround the
/// value and nothing else may follow it; an object with a repeated key keeps
/// the first key's place and the last value.
pub fn parse(text: &str) -> Result<Node<'_>, SyntaxError> {
    parse_document(text.as_bytes())
}

/// [`parse`] for bytes that should be UTF-8, giving the node and the bytes
/// as text. UTF-8 is checked while parsing, only in strings that hold
/// non-ASCII bytes, rather than in a pass over the whole file first: that
/// pass had been 8% of the time to strip a batch in memory.
pub fn parse_utf8(bytes: &[u8]) -> Result<(Node<'_>, &str), Unreadable> {
    match parse_document(bytes) {
        Ok(node) => {
            debug_assert!(std::str::from_utf8(bytes).is_ok());
            // SAFETY: a document parses only when every byte outside its
            // strings is JSON syntax, which is ASCII, and every string
            // holding a byte above 0x7f passed `Parser::check_utf8`: on its
            // own (`Parser::string_end`), or with the rest of the output
            // it is in (`Parser::skip`).
            Ok((node, unsafe { std::str::from_utf8_unchecked(bytes) }))
        }
        // Python decodes the whole file before it parses, so a bad byte
        // anywhere wins over a syntax error before it.
        Err(e) => Err(match std::str::from_utf8(bytes) {
            Err(bad) => Unreadable::NotUtf8 {
                offset: bad.valid_up_to(),
            },
            Ok(_) => Unreadable::Syntax(e),
        }),
    }
}

fn parse_document(bytes: &[u8]) -> Result<Node<'_>, SyntaxError> {
    let mut p = Parser::new(bytes);
    p.skip_ws();
    let node = p.value(Context::Document).map_err(|e| *e)?;
    p.skip_ws();
    if p.pos < p.bytes.len() {
        return Err(*p.error("unexpected data after the end of the JSON value"));
    }
    Ok(node)
}

/// Boxed, so that the parser's many small results fit in registers.
type Parsed<T> = Result<T, Box<SyntaxError>>;

struct Parser<'a> {
    /// The document. Only its strings are known to be UTF-8, once
    /// [`Parser::string_end`] or [`Parser::skip`] has passed them.
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    /// [`Parser::skip`]'s stack, kept to spare an allocation per output.
    open: Vec<bool>,
    /// The items of the arrays and the members of the objects being read,
    /// innermost last. Each container is moved out into a Vec of its exact
    /// size when it closes: one allocation instead of a growing Vec's
    /// several, and no reallocating copies.
    items: Vec<Node<'a>>,
    members: Vec<Member<'a>>,
}

impl<'a> Parser<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Parser {
            bytes,
            pos: 0,
            depth: 0,
            open: Vec::new(),
            items: Vec::new(),
            members: Vec::new(),
        }
    }

    #[cold]
    fn error(&self, message: &str) -> Box<SyntaxError> {
        self.error_at(self.pos, message)
    }

    #[cold]
    #[inline(never)]
    fn error_at(&self, offset: usize, message: &str) -> Box<SyntaxError> {
        let before = &self.bytes[..offset.min(self.bytes.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        Box::new(SyntaxError {
            message: message.to_owned(),
            offset,
            line,
            column,
        })
    }

    fn skip_ws(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn value(&mut self, context: Context) -> Parsed<Node<'a>> {
        let start = self.pos;
        let value = match self.bytes.get(self.pos) {
            Some(b'{' | b'[') if context == Context::Unbuilt => Value::Lazy(Lazy {
                document: self.bytes,
                empty: self.skip()?,
            }),
            Some(b'{') => self.object(context)?,
            Some(b'[') => self.array(context)?,
            Some(b'"') => Value::String(self.string()?),
            _ => self.scalar()?,
        };
        Ok(Node {
            value,
            start,
            end: self.pos,
        })
    }

    /// A literal or a number.
    fn scalar(&mut self) -> Parsed<Value<'a>> {
        match self.bytes.get(self.pos) {
            None => Err(self.error("unexpected end of input, expected a value")),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'N') => self.literal("NaN", Value::Number("NaN")),
            Some(b'I') => self.literal("Infinity", Value::Number("Infinity")),
            Some(b'-') if self.bytes[self.pos..].starts_with(b"-Infinity") => {
                self.literal("-Infinity", Value::Number("-Infinity"))
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("expected a value")),
        }
    }

    /// Checks the array or object at the position without building it, and
    /// tells whether nbstripout's `get_size` of it is 0 (no number, no
    /// literal, no non-empty string outside keys). Outputs are most of a
    /// notebook's bytes and stripping deletes them, so this is a loop over
    /// the bytes rather than the recursive descent that builds trees; it
    /// accepts and rejects exactly what that descent does, with the same
    /// messages.
    fn skip(&mut self) -> Parsed<bool> {
        let start = self.pos;
        let mut empty = true;
        // Whether a string may hold non-ASCII bytes: their UTF-8 is checked
        // once for the whole value, not string by string.
        let mut high = false;
        // One entry per open container: true for an object.
        let mut open = std::mem::take(&mut self.open);
        open.clear();
        // The last separator seen before a string, from the end of a value
        // through the next value's quote (`,\n     "` between the lines of
        // an output's text), when it is at most 16 bytes: the next one is
        // nearly always the same bytes, and one comparison passes them.
        let mut separator = Separator::default();
        let result = 'done: loop {
            // A value starts here (whitespace already skipped).
            match self.bytes.get(self.pos) {
                Some(&bracket @ (b'{' | b'[')) => {
                    if let Err(e) = self.enter() {
                        break 'done Err(e);
                    }
                    let object = bracket == b'{';
                    self.pos += 1;
                    self.skip_ws();
                    let close = if object { b'}' } else { b']' };
                    if self.bytes.get(self.pos) == Some(&close) {
                        self.pos += 1;
                        self.depth -= 1;
                    } else {
                        open.push(object);
                        if object {
                            match self.skip_key() {
                                Ok(key_high) => high |= key_high,
                                Err(e) => break 'done Err(e),
                            }
                        }
                        continue;
                    }
                }
                Some(b'"') => {
                    let open = self.pos;
                    match self.scan_string() {
                        Ok(scanned) => high |= scanned.high,
                        Err(e) => break 'done Err(e),
                    }
                    empty &= self.pos == open + 2;
                }
                _ => match self.scalar() {
                    Ok(_) => empty = false,
                    Err(e) => break 'done Err(e),
                },
            }
            // After a value: close containers until one goes on.
            loop {
                let Some(&object) = open.last() else {
                    break 'done Ok(empty);
                };
                let after = self.pos;
                let next = if separator.is_at(self.bytes, after) {
                    // The bytes the branch below would pass, up to the
                    // next value's (or key's) quote.
                    self.pos += separator.len - 1;
                    true
                } else {
                    self.skip_ws();
                    match self.bytes.get(self.pos) {
                        Some(b',') => {
                            self.pos += 1;
                            self.skip_ws();
                            separator = Separator::read(self.bytes, after, self.pos);
                            true
                        }
                        Some(b'}') if object => false,
                        Some(b']') if !object => false,
                        None if object => {
                            break 'done Err(self.error("unexpected end of input inside an object"));
                        }
                        None => {
                            break 'done Err(self.error("unexpected end of input inside an array"));
                        }
                        Some(_) if object => {
                            break 'done Err(self.error("expected ',' or '}' in an object"));
                        }
                        Some(_) => break 'done Err(self.error("expected ',' or ']' in an array")),
                    }
                };
                if next {
                    if object {
                        match self.skip_key() {
                            Ok(key_high) => high |= key_high,
                            Err(e) => break 'done Err(e),
                        }
                    }
                    break;
                }
                self.pos += 1;
                self.depth -= 1;
                open.pop();
            }
        };
        self.open = open;
        let empty = result?;
        if high {
            self.check_utf8(start, self.pos)?;
        }
        Ok(empty)
    }

    /// A property name and its colon, leaving the position at the value.
    fn key(&mut self) -> Parsed<Str<'a>> {
        self.key_start()?;
        let key = self.string()?;
        self.colon()?;
        Ok(key)
    }

    /// [`Parser::key`] for an output being skipped: checked, not kept.
    /// Tells whether the key may hold non-ASCII bytes, whose UTF-8 the
    /// caller checks.
    fn skip_key(&mut self) -> Parsed<bool> {
        self.key_start()?;
        let scanned = self.scan_string()?;
        self.colon()?;
        Ok(scanned.high)
    }

    fn key_start(&self) -> Parsed<()> {
        match self.bytes.get(self.pos) {
            Some(b'"') => Ok(()),
            None => Err(self.error("unexpected end of input inside an object")),
            Some(_) => Err(self.error("expected a property name in double quotes")),
        }
    }

    fn colon(&mut self) -> Parsed<()> {
        self.skip_ws();
        if self.bytes.get(self.pos) != Some(&b':') {
            return Err(self.error("expected ':' after a property name"));
        }
        self.pos += 1;
        self.skip_ws();
        Ok(())
    }

    fn literal(&mut self, word: &'static str, value: Value<'a>) -> Parsed<Value<'a>> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error("expected a value"))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.bytes.get(self.pos), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Parsed<Value<'a>> {
        let start = self.pos;
        if self.bytes[self.pos] == b'-' {
            self.pos += 1;
        }
        let int_digits = match self.bytes.get(self.pos) {
            Some(b'0') => {
                self.pos += 1;
                1
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.error_at(start, "expected a value")),
        };
        let int_end = self.pos;
        // Python's scanner takes a fraction or exponent only when digits
        // follow; otherwise the number ends there and the stray `.` or `e`
        // fails as the next token.
        if self.bytes.get(self.pos) == Some(&b'.')
            && matches!(self.bytes.get(self.pos + 1), Some(b'0'..=b'9'))
        {
            self.pos += 1;
            self.digits();
        }
        if matches!(self.bytes.get(self.pos), Some(b'e' | b'E')) {
            let mark = self.pos;
            self.pos += 1;
            if matches!(self.bytes.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                self.pos = mark;
            }
        }
        if self.pos == int_end && int_digits > MAX_INT_DIGITS {
            return Err(self.error_at(
                start,
                "integer with more than 4300 digits (Python's limit for reading one)",
            ));
        }
        // SAFETY: the bytes of a number are ASCII digits, signs, `.`, `e`.
        Ok(Value::Number(unsafe { self.text(start, self.pos) }))
    }

    fn string(&mut self) -> Parsed<Str<'a>> {
        let start = self.pos + 1;
        let escaped = self.string_end()?;
        // SAFETY: `string_end` checked the string's UTF-8.
        let text = unsafe { self.text(start, self.pos - 1) };
        Ok(if escaped {
            Str::Escaped(text)
        } else {
            Str::Plain(text)
        })
    }

    /// The text of `start..end`.
    ///
    /// # Safety
    /// The bytes there must be UTF-8: a string's body once
    /// [`Parser::string_end`] has passed it, or ASCII.
    unsafe fn text(&self, start: usize, end: usize) -> &'a str {
        let bytes = &self.bytes[start..end];
        debug_assert!(std::str::from_utf8(bytes).is_ok());
        // SAFETY: the caller's promise.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }

    /// Moves past the string at the position, checking that its body is
    /// UTF-8; tells whether it held an escape.
    fn string_end(&mut self) -> Parsed<bool> {
        let open = self.pos;
        let scanned = self.scan_string()?;
        if scanned.high {
            self.check_utf8(open + 1, self.pos - 1)?;
        }
        Ok(scanned.escaped)
    }

    /// Checks that `start..end`, where every byte above 0x7f lies inside a
    /// string, is UTF-8. SIMD: tqdm's progress bars make outputs of
    /// thousands of bytes with a non-ASCII block every few dozen, which
    /// std's check reads a byte at a time.
    fn check_utf8(&self, start: usize, end: usize) -> Parsed<()> {
        match simdutf8::basic::from_utf8(&self.bytes[start..end]) {
            Ok(_) => Ok(()),
            // `parse_utf8` finds the bad byte and reports it; text from a
            // `&str` never gets here.
            Err(_) => Err(self.error_at(start, "invalid UTF-8")),
        }
    }

    /// Moves past the string at the position without checking its UTF-8.
    /// Small enough a result to come back in a register, which matters for
    /// the many strings of a skipped output.
    fn scan_string(&mut self) -> Parsed<Scanned> {
        let open = self.pos;
        self.pos += 1;
        let mut escaped = false;
        let mut high = false;
        loop {
            // Most bytes are ordinary (base64 images are megabytes of them),
            // but most lines end in an escape right before the quote
            // (`\n"`), which needs no search.
            let run = match self.bytes.get(self.pos) {
                Some(b'"') if escaped => Run {
                    end: 0,
                    high: false,
                },
                _ => find_special(&self.bytes[self.pos..]),
            };
            high |= run.high;
            let Some(&end) = self.bytes.get(self.pos + run.end) else {
                return Err(self.error_at(open, "unterminated string"));
            };
            if end < 0x20 {
                return Err(
                    self.error_at(self.pos + run.end, "invalid control character in string")
                );
            }
            self.pos += run.end;
            if end == b'"' {
                self.pos += 1;
                return Ok(Scanned { escaped, high });
            }
            escaped = true;
            self.escape()?;
        }
    }

    fn escape(&mut self) -> Parsed<()> {
        let at = self.pos;
        match self.bytes.get(self.pos + 1) {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.pos += 2;
                Ok(())
            }
            Some(b'u') => {
                // Python reads a lone surrogate; only writing it as UTF-8
                // fails, which the writer reports.
                self.hex_escape(at)?;
                Ok(())
            }
            None => Err(self.error_at(at, "unterminated string")),
            Some(_) => Err(self.error_at(at, "invalid escape in string")),
        }
    }

    /// Reads `\uXXXX` at `at`, leaving the position after it.
    fn hex_escape(&mut self, at: usize) -> Parsed<u32> {
        let digits = self
            .bytes
            .get(at + 2..at + 6)
            .filter(|d| d.iter().all(|&c| hex_digit(c).is_some()))
            .ok_or_else(|| self.error_at(at, "invalid \\u escape in string"))?;
        let cp = hex4(digits);
        self.pos = at + 6;
        Ok(cp)
    }

    fn enter(&mut self) -> Parsed<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("nesting too deep (more than 500 levels)"));
        }
        Ok(())
    }

    fn array(&mut self, context: Context) -> Parsed<Value<'a>> {
        let inner = match context {
            Context::CellList => Context::Cell,
            Context::OutputList => Context::Unbuilt,
            Context::Built => Context::Built,
            _ => Context::Other,
        };
        self.enter()?;
        self.pos += 1;
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Value::Array(Vec::new()));
        }
        let base = self.items.len();
        loop {
            self.skip_ws();
            let item = self.value(inner)?;
            self.items.push(item);
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(Value::Array(self.items.split_off(base)));
                }
                None => return Err(self.error("unexpected end of input inside an array")),
                Some(_) => return Err(self.error("expected ',' or ']' in an array")),
            }
        }
    }

    fn object(&mut self, context: Context) -> Parsed<Value<'a>> {
        self.enter()?;
        self.pos += 1;
        let mut index = KeyIndex::default();
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Value::Object(Vec::new()));
        }
        let base = self.members.len();
        loop {
            self.skip_ws();
            let key = self.key()?;
            let inner = if context == Context::Built {
                Context::Built
            } else if key.eq_str("cells") {
                Context::CellList
            } else if context == Context::Cell && key.eq_str("outputs") {
                Context::OutputList
            } else if context == Context::Document && key.eq_str("metadata") {
                Context::NotebookMetadata
            } else if context == Context::NotebookMetadata && key.eq_str("widgets") {
                Context::Unbuilt
            } else {
                Context::Other
            };
            let node = self.value(inner)?;
            index.insert(&mut self.members, base, Member { key, node });
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(Value::Object(self.members.split_off(base)));
                }
                None => return Err(self.error("unexpected end of input inside an object")),
                Some(_) => return Err(self.error("expected ',' or '}' in an object")),
            }
        }
    }
}

/// Python dict semantics for a repeated key: first place, last value.
/// Small objects are searched directly; large ones (a big JSON output, a
/// generated metadata table) through a map, so parsing stays linear.
#[derive(Default)]
struct KeyIndex<'a> {
    map: Option<std::collections::HashMap<KeyId<'a>, usize>>,
}

/// A string as a Python dict or set tells strings apart: by its code
/// points. Decoding turns every lone surrogate into U+FFFD, which would make
/// `"\ud800"`, `"\udbff"` and `"\ufffd"` one key, so such strings go by code
/// points. Object keys and cell ids are both told apart this way.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) enum KeyId<'a> {
    /// The decoded text; borrowed from the document when it has no escape.
    Text(Cow<'a, str>),
    CodePoints(Vec<u32>),
}

impl<'a> KeyId<'a> {
    pub(crate) fn of(key: &Str<'a>) -> KeyId<'a> {
        match key {
            Str::Plain(text) => KeyId::Text(Cow::Borrowed(text)),
            _ if key.has_lone_surrogate() => KeyId::CodePoints(key.code_points().collect()),
            _ => KeyId::Text(Cow::Owned(key.decode().into_owned())),
        }
    }
}

impl<'a> KeyIndex<'a> {
    const DIRECT: usize = 16;

    /// Adds `member` to the object whose members are `stack[base..]`.
    fn insert(&mut self, stack: &mut Vec<Member<'a>>, base: usize, member: Member<'a>) {
        let members = &mut stack[base..];
        if members.len() < Self::DIRECT {
            match members.iter_mut().find(|m| m.key.same_as(&member.key)) {
                Some(existing) => existing.node = member.node,
                None => stack.push(member),
            }
            return;
        }
        let map = self.map.get_or_insert_with(|| {
            members
                .iter()
                .enumerate()
                .map(|(i, m)| (KeyId::of(&m.key), i))
                .collect()
        });
        match map.entry(KeyId::of(&member.key)) {
            std::collections::hash_map::Entry::Occupied(e) => members[*e.get()].node = member.node,
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(members.len());
                stack.push(member);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_surrogates_are_told_apart_and_ordered_by_code_point() {
        let node =
            parse(r#"{"\udbff": 1, "\ud800": 2, "\ufffd": 3, "\ue000": 4, "\ud800": 5}"#).unwrap();
        let keys = node.value.as_object().unwrap();
        // The repeated `\ud800` keeps its last value; the others stay.
        assert_eq!(keys.len(), 4);
        assert!(matches!(keys[1].node.value, Value::Number("5")));
        let mut sorted: Vec<_> = keys.iter().map(|m| &m.key).collect();
        sorted.sort_by(|a, b| a.cmp_value(b));
        let firsts: Vec<u32> = sorted
            .iter()
            .map(|k| k.code_points().next().unwrap())
            .collect();
        assert_eq!(firsts, [0xD800, 0xDBFF, 0xE000, 0xFFFD]);
    }

    /// Past the size where repeated keys are found through a map, keys
    /// that differ only in lone surrogates stay apart too.
    #[test]
    fn lone_surrogates_are_told_apart_in_large_objects() {
        let many: String = (0..20).map(|i| format!("\"k{i}\": {i}, ")).collect();
        let text = format!(
            r#"{{{many}"\ud800": 1, "\ufffd": 2, "\udbff": 3, "\ud800": 4, "\u00e9": 5, "é": 6}}"#
        );
        let node = parse(&text).unwrap();
        let members = node.value.as_object().unwrap();
        assert_eq!(members.len(), 24);
        let tail: Vec<(u32, &str)> = members[20..]
            .iter()
            .map(|m| match m.node.value {
                Value::Number(n) => (m.key.code_points().next().unwrap(), n),
                _ => panic!("a number"),
            })
            .collect();
        assert_eq!(
            tail,
            [(0xD800, "4"), (0xFFFD, "2"), (0xDBFF, "3"), (0xE9, "6")]
        );
    }

    #[test]
    fn a_string_stays_three_words() {
        // Every parsed value moves its strings; a fourth word would cost
        // each move.
        assert_eq!(
            std::mem::size_of::<Str<'_>>(),
            3 * std::mem::size_of::<usize>()
        );
    }

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn accepts_python_extensions_and_keeps_number_text() {
        let node =
            parse(r#"{"a": [NaN, -Infinity, Infinity, 1E5, -0, 123456789012345678901234567890]}"#)
                .unwrap();
        let items = node.value.get("a").unwrap().value.as_array().unwrap();
        let texts: Vec<_> = items
            .iter()
            .map(|n| match n.value {
                Value::Number(t) => t,
                _ => "?",
            })
            .collect();
        assert_eq!(
            texts,
            [
                "NaN",
                "-Infinity",
                "Infinity",
                "1E5",
                "-0",
                "123456789012345678901234567890"
            ]
        );
    }

    #[test]
    fn repeated_key_keeps_first_place_and_last_value() {
        let node = parse(r#"{"a": 1, "b": 2, "\u0061": 3}"#).unwrap();
        let members = node.value.as_object().unwrap();
        assert_eq!(members.len(), 2);
        assert!(members[0].key.eq_str("a"));
        assert!(matches!(members[0].node.value, Value::Number("3")));
    }

    #[test]
    fn repeated_keys_in_large_objects() {
        let mut text = String::from("{");
        for i in 0..40 {
            text.push_str(&format!("\"k{i}\": {i}, "));
        }
        text.push_str("\"k3\": \"last\", \"k\\u0030\": 0}");
        let node = parse(&text).unwrap();
        let members = node.value.as_object().unwrap();
        assert_eq!(members.len(), 40);
        assert!(members[3].node.value.is_str("last"));
        assert!(matches!(members[0].node.value, Value::Number("0")));
    }

    #[test]
    fn decodes_escapes_and_surrogate_pairs() {
        let node = parse(r#""a\u00e9\ud83d\ude00\n\/\"""#).unwrap();
        assert_eq!(node.value.as_str().unwrap().decode(), "aé😀\n/\"");
    }

    #[test]
    fn rejects_what_python_rejects() {
        assert_eq!(
            err("{\"a\": 1,}"),
            "expected a property name in double quotes at line 1, column 9"
        );
        assert_eq!(
            err("[1, 2"),
            "unexpected end of input inside an array at line 1, column 6"
        );
        assert!(err("\"a\u{1}\"").starts_with("invalid control character"));
        let lone = parse(r#""a\ud800b\udc00""#).unwrap();
        let lone = lone.value.as_str().unwrap();
        assert!(lone.has_lone_surrogate());
        assert_eq!(lone.char_len(), 4);
        assert_eq!(lone.decode(), "a\u{fffd}b\u{fffd}");
        let pair = parse(r#""\ud83d\ude00""#).unwrap();
        assert!(!pair.value.as_str().unwrap().has_lone_surrogate());
        assert_eq!(pair.value.as_str().unwrap().char_len(), 1);
        assert!(err(r#""\x""#).starts_with("invalid escape"));
        assert!(err("01").starts_with("unexpected data after"));
        assert!(err("1.").starts_with("unexpected data after"));
        assert!(err("{} x").starts_with("unexpected data after"));
        assert!(err("").starts_with("unexpected end of input"));
        let long_int = "7".repeat(4301);
        assert!(err(&long_int).starts_with("integer with more than 4300 digits"));
        assert!(parse(&long_int[1..]).is_ok());
        assert!(parse(&format!("{long_int}.5")).is_ok());
        // Deep nesting needs more stack than a test thread has in a debug build.
        std::thread::Builder::new()
            .stack_size(crate::PARSE_STACK)
            .spawn(|| {
                assert!(err(&"[".repeat(2000)).starts_with("nesting too deep"));
                assert!(parse(&format!("{}{}", "[".repeat(500), "]".repeat(500))).is_ok());
                // Inside a lazily parsed output too.
                let deep = format!(
                    r#"{{"cells": [{{"outputs": [{}{}]}}]}}"#,
                    "[".repeat(600),
                    "]".repeat(600)
                );
                assert!(err(&deep).starts_with("nesting too deep"));
            })
            .unwrap()
            .join()
            .unwrap();
    }

    /// Every way of finding the end of a run of string text, the SIMD ones
    /// this CPU has included.
    type Finder = fn(&[u8]) -> Run;

    fn finders() -> Vec<Finder> {
        #[allow(unused_mut)]
        let mut all: Vec<Finder> = vec![find_special, scalar_run];
        #[cfg(target_arch = "x86_64")]
        {
            all.push(sse2_find_special);
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2.
                all.push(|b| unsafe { avx2_find_special(b) });
            }
        }
        all
    }

    #[test]
    fn finds_the_first_special_byte_at_every_offset() {
        for find in finders() {
            // Past a few of the 64-byte rounds, too.
            for len in (0..150).chain(250..262) {
                for at in 0..len {
                    for special in [b'"', b'\\', 0x00, 0x1f] {
                        let mut bytes = vec![b'a'; len];
                        bytes[at] = special;
                        if at + 1 < len {
                            bytes[at + 1] = b'"';
                        }
                        let run = Run {
                            end: at,
                            high: false,
                        };
                        assert_eq!(find(&bytes), run, "len {len} at {at}");
                        // A non-ASCII byte before the end is always seen.
                        for before in [0, at / 2, at.saturating_sub(1)] {
                            if before < at {
                                let mut high = bytes.clone();
                                high[before] = 0xc3;
                                let run = Run { high: true, ..run };
                                assert_eq!(find(&high), run, "len {len} at {at} high {before}");
                            }
                        }
                    }
                }
                let plain: Vec<u8> = (0..len)
                    .map(|i| 0x20 + (i as u8 % 0x5f))
                    .filter(|&b| b != b'"' && b != b'\\')
                    .collect();
                let all = |bytes: &[u8], high| Run {
                    end: bytes.len(),
                    high,
                };
                assert_eq!(find(&plain), all(&plain, false));
                let mut high = plain.clone();
                high.extend([0x80, 0xff, 0xc3, 0xa9]);
                assert_eq!(find(&high), all(&high, true));
            }
        }
    }

    /// UTF-8 is checked inside strings only, so bad bytes anywhere else
    /// must still be reported as bad UTF-8, before any syntax error, as
    /// Python decodes the whole file first.
    #[test]
    fn bytes_that_are_not_utf8_are_found_wherever_they_are() {
        let not_utf8 = |bytes: &[u8]| match parse_utf8(bytes) {
            Err(Unreadable::NotUtf8 { offset }) => offset,
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(bytes)),
        };
        // In a string, in a key, in a skipped output, outside any string,
        // after a syntax error, and a character cut short at the end.
        assert_eq!(not_utf8(b"[\"ab\xffc\"]"), 4);
        assert_eq!(not_utf8(b"{\"\xc3\x28\": 1}"), 2);
        let output = b"{\"cells\": [{\"outputs\": [{\"t\": [\"\xed\xa0\x80\"]}]}]}";
        assert_eq!(not_utf8(output), 32);
        assert_eq!(not_utf8(b"[1, \xe9]"), 4);
        assert_eq!(not_utf8(b"[1,, \"\xe9\"]"), 6);
        assert_eq!(not_utf8(b"[\"\xe2\x82"), 2);
        // Valid non-ASCII (2, 3 and 4 bytes, and in a long string that the
        // SIMD finders read in chunks) parses, and the text is all of it.
        let long = format!("[\"{}\u{e9}\u{20ac}\u{1f600}\"]", "x".repeat(100));
        let (node, text) = parse_utf8(long.as_bytes()).unwrap();
        assert_eq!(text, long);
        let items = node.value.as_array().unwrap();
        assert_eq!(items[0].value.as_str().unwrap().char_len(), 103);
    }

    proptest::proptest! {
        /// Checking UTF-8 only inside strings decides exactly what checking
        /// the whole file first would: bytes of a notebook-like document,
        /// some replaced at random (often with pieces of multi-byte
        /// characters), are refused as not UTF-8 exactly when they are not,
        /// at the same offset, and otherwise parse as the text does.
        #[test]
        fn utf8_inside_strings_decides_like_the_whole_file(
            edits in proptest::collection::vec((0usize..400, proptest::sample::select(
                vec![0x80u8, 0xbf, 0xc3, 0xa9, 0xe2, 0x96, 0x88, 0xf0, 0xed, 0xff, b'"', b'a'],
            )), 0..4),
        ) {
            let text = format!(
                "{{\"cells\": [{{\"outputs\": [{{\"text\": [\"{}\\r{}\"]}}], \"source\": [\"caf\u{e9}\", \"{}\"]}}], \"n\": 1}}",
                "\u{2588}".repeat(30),
                "x".repeat(70),
                "\u{1f600}".repeat(20),
            );
            let mut bytes = text.into_bytes();
            for (at, byte) in edits {
                let at = at % bytes.len();
                bytes[at] = byte;
            }
            match (std::str::from_utf8(&bytes), parse_utf8(&bytes)) {
                (Err(e), Err(Unreadable::NotUtf8 { offset })) => {
                    proptest::prop_assert_eq!(offset, e.valid_up_to());
                }
                (Ok(text), Ok((_, same))) => {
                    proptest::prop_assert!(parse(text).is_ok());
                    proptest::prop_assert_eq!(same, text);
                }
                (Ok(text), Err(Unreadable::Syntax(e))) => {
                    proptest::prop_assert_eq!(Err(e), parse(text).map(|_| ()));
                }
                (whole, fused) => proptest::prop_assert!(false, "{whole:?} but {fused:?}"),
            }
        }
    }

    proptest::proptest! {
        /// A separator passed by comparing it with the last one is passed
        /// exactly as the byte loop would: containers whose separators
        /// repeat, change by a space, or are broken are accepted and
        /// refused as when built, with the same message at the same place.
        #[test]
        fn repeated_separators_are_skipped_like_built_values(
            object in proptest::bool::ANY,
            parts in proptest::collection::vec((0usize..11, 0usize..7), 1..12),
        ) {
            let separators = [
                ",", ", ", ",\n     ", ",\n      ", ",\n    ", " ,\n     ",
                ",\r\n\t", ",,", "\n     ", ",\n              ", "",
            ];
            let items = ["\"a\"", "\"\"", "\"line\\n\"", "1", "[]", "{\"k\": \"v\"}", "\"\\u00e9\""];
            let mut text = String::from(if object { "{" } else { "[" });
            for (i, &(separator, item)) in parts.iter().enumerate() {
                if i > 0 {
                    text.push_str(separators[separator]);
                }
                if object {
                    text.push_str(&format!("\"k{i}\": "));
                }
                text.push_str(items[item]);
            }
            text.push(if object { '}' } else { ']' });
            let prefix = r#"{"cells": [{"outputs": ["#;
            let document = format!("{prefix}{text}], \"tail\": \"{}\"}}]}}", "x".repeat(20));
            let alone = parse(&text).map(|_| ()).map_err(|e| (e.message, e.offset));
            let inside = parse(&document)
                .map(|_| ())
                .map_err(|e| (e.message, e.offset - prefix.len()));
            proptest::prop_assert_eq!(inside, alone, "{}", text);
        }
    }

    #[test]
    fn outputs_are_lazy_and_know_when_they_are_empty() {
        let text =
            r#"{"cells": [{"outputs": [{"a": [], "b": ""}, {"c": [""], "d": 0}, {"e": "x"}, 7]}]}"#;
        let node = parse(text).unwrap();
        let outputs = node.value.get("cells").unwrap().value.as_array().unwrap()[0]
            .value
            .get("outputs")
            .unwrap()
            .value
            .as_array()
            .unwrap();
        let empties: Vec<Option<bool>> = outputs
            .iter()
            .map(|o| match o.value {
                Value::Lazy(lazy) => Some(lazy.empty),
                _ => None,
            })
            .collect();
        assert_eq!(empties, [Some(true), Some(false), Some(false), None]);
        let mut first = outputs[2].clone();
        first.materialize();
        assert!(first.value.get("e").unwrap().value.is_str("x"));
        assert_eq!(&text[first.start..first.end], r#"{"e": "x"}"#);
        // Syntax errors inside a skipped output are still errors.
        assert!(parse(r#"{"cells": [{"outputs": [{"a": [1,]}]}]}"#).is_err());
    }

    /// The loop that checks outputs without building them must agree with
    /// the descent that builds everything else: same verdict, same message,
    /// same place, for every prefix of an output and for broken ones.
    #[test]
    fn skipped_outputs_fail_like_built_values() {
        let output = r#"{"data": {"text/plain": ["a\n", "\u00e9\"", ""], "n": [1, -2.5e3, NaN,
 -Infinity, true, false, null, {}, [], {"k": []}]}, "output_type" : "execute_result"}"#;
        let prefix = r#"{"cells": [{"outputs": ["#;
        let same = |text: &str, document: String| {
            let alone = parse(text).map(|_| ()).map_err(|e| (e.message, e.offset));
            let inside = parse(&document)
                .map(|_| ())
                .map_err(|e| (e.message, e.offset - prefix.len()));
            assert_eq!(inside, alone, "{text}");
        };
        // Cut short, the document ends where the output does.
        for cut in (1..output.len()).filter(|&i| output.is_char_boundary(i)) {
            let text = &output[..cut];
            same(text, format!("{prefix}{text}"));
        }
        for bad in [
            r#"{"a": [1,]}"#,
            r#"{"a" 1}"#,
            r#"{"a": 1,}"#,
            r#"{1: 2}"#,
            r#"[1 2]"#,
            r#"{"a": 1]"#,
            r#"[1}"#,
            r#"["\x"]"#,
            r#"[tru]"#,
            r#"[-]"#,
            r#"[01]"#,
            "[\"\u{1}\"]",
            r#"{"a": {"b": [}]}"#,
            r#"[1.]"#,
            r#"[1e]"#,
            output,
        ] {
            same(bad, format!("{prefix}{bad}]}}]}}"));
        }
    }

    /// What stripping deletes by default is read unbuilt: cell outputs and
    /// the notebook's `metadata.widgets`, not other metadata. A value built
    /// on demand is built whole, even a notebook shown in an output, so that
    /// `--max-size` measures all of it.
    #[test]
    fn unbuilt_values_are_built_whole_on_demand() {
        let text = r#"{"cells": [{"outputs": [{"data": {"application/json": {"cells": [
            {"outputs": [{"x": "hello"}]}]}}}]}],
            "metadata": {"widgets": {"state": {}}, "other": {"widgets": {"a": 1}}}}"#;
        let node = parse(text).unwrap();
        let is_lazy = |n: &Node<'_>| matches!(n.value, Value::Lazy(_));
        let metadata = node.value.get("metadata").unwrap();
        assert!(is_lazy(metadata.value.get("widgets").unwrap()));
        let other = metadata.value.get("other").unwrap();
        assert!(!is_lazy(other) && !is_lazy(other.value.get("widgets").unwrap()));
        fn first_output<'n, 'a>(cell: &'n Node<'a>) -> &'n Node<'a> {
            &cell.value.get("outputs").unwrap().value.as_array().unwrap()[0]
        }
        fn any_lazy(node: &Node<'_>) -> bool {
            match &node.value {
                Value::Lazy(_) => true,
                Value::Array(items) => items.iter().any(any_lazy),
                Value::Object(members) => members.iter().any(|m| any_lazy(&m.node)),
                _ => false,
            }
        }
        let cells = node.value.get("cells").unwrap().value.as_array().unwrap();
        let mut output = first_output(&cells[0]).clone();
        assert!(is_lazy(&output));
        output.materialize();
        assert!(!any_lazy(&output));
        let data = output.value.get("data").unwrap();
        let inner = data.value.get("application/json").unwrap();
        let inner_cells = inner.value.get("cells").unwrap().value.as_array().unwrap();
        let x = first_output(&inner_cells[0]).value.get("x").unwrap();
        assert!(x.value.is_str("hello"));
    }

    #[test]
    fn spans_cover_values() {
        let text = r#"{"k": [1, "x"]}"#;
        let node = parse(text).unwrap();
        let k = node.value.get("k").unwrap();
        assert_eq!(&text[k.start..k.end], r#"[1, "x"]"#);
    }
}
