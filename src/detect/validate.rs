//! Checks a candidate value must pass after its regex matched: the rule's
//! own validators, and for secrets the filters that keep placeholders and
//! documented example keys out of reports.

use super::checks;
use super::rule::{Category, Rule, Validator};

pub use super::checks::Verdict;

/// Whether `value`, matched by `rule`, should be reported, and whether it is
/// a published sample (reported at low confidence only).
pub fn judge(rule: &Rule, value: &[u8]) -> Verdict {
    if rule.category == Category::Secret && (is_placeholder(value) || is_timestamp(value)) {
        return Verdict::Invalid;
    }
    if let Some(min) = rule.min_entropy
        && entropy(value) < min
    {
        return Verdict::Invalid;
    }
    let mut verdict = Verdict::Valid;
    for v in &rule.validators {
        let one = match v {
            Validator::Base62Crc32 => base62_crc32(value).into(),
            Validator::Jwt => jwt(value).into(),
            Validator::NotHash => (!is_hash(value)).into(),
            Validator::Base64Credentials => base64_credentials(value).into(),
            Validator::LettersAndDigits => (value.iter().any(u8::is_ascii_alphabetic)
                && value.iter().any(u8::is_ascii_digit))
            .into(),
            Validator::Card => checks::card(value),
            Validator::Iban => checks::iban(value),
            // `536.90.4399` is written too; judged as `536-90-4399`.
            Validator::UsSsn if value.len() == 11 && value.contains(&b'.') => {
                let mut dashed = [0u8; 11];
                for (d, &b) in dashed.iter_mut().zip(value) {
                    *d = if b == b'.' { b'-' } else { b };
                }
                checks::us_ssn(&dashed)
            }
            Validator::UsSsn => checks::us_ssn(value),
            Validator::UsItin => checks::us_itin(value),
            Validator::NanpPhone => checks::nanp_phone(value),
            Validator::E164Phone => checks::e164_phone(value),
            Validator::Phone => match value.first() {
                Some(b'+') if !value.starts_with(b"+1") => checks::e164_phone(value),
                _ => checks::nanp_phone(value),
            },
            Validator::PersonName => person_name(value).into(),
            Validator::Ipv4 => checks::ipv4(value),
            Validator::Ipv6 => checks::ipv6(value),
            Validator::Email if machine_email(value) => Verdict::Invalid,
            Validator::Email => checks::email(value),
            Validator::Date => checks::date(value),
            Validator::UkNhs => checks::uk_nhs(value),
            Validator::UkNino => checks::uk_nino(value),
            Validator::AbaRouting => checks::aba_routing(value),
            Validator::Npi => checks::npi(value),
            Validator::Dea => checks::dea(value),
            Validator::Mbi => checks::mbi(value),
            Validator::Icd10 => checks::icd10(value),
            Validator::Ndc => checks::ndc(value),
            Validator::Cpt => checks::cpt(value),
            Validator::Zip if value.iter().any(u8::is_ascii_alphabetic) => {
                uk_postcode(value).into()
            }
            Validator::Zip => checks::zip(value),
            Validator::AgeOver89 => checks::age_over_89(value),
        };
        match one {
            Verdict::Invalid => return Verdict::Invalid,
            Verdict::Fake => verdict = Verdict::Fake,
            Verdict::Valid => {}
        }
    }
    verdict
}

impl From<bool> for Verdict {
    fn from(ok: bool) -> Verdict {
        if ok { Verdict::Valid } else { Verdict::Invalid }
    }
}

/// A UK postcode: an outward code (`SW1A`, `M1`, `B33`) and an inward
/// code (`1AA`), as Royal Mail writes them.
fn uk_postcode(value: &[u8]) -> bool {
    let compact: Vec<u8> = value.iter().copied().filter(|&b| b != b' ').collect();
    let n = compact.len();
    if !(5..=7).contains(&n) || value.iter().filter(|&&b| b == b' ').count() > 1 {
        return false;
    }
    let (outward, inward) = compact.split_at(n - 3);
    let inward_ok = inward[0].is_ascii_digit()
        && inward[1..]
            .iter()
            .all(|b| b.is_ascii_uppercase() && !b"CIKMOV".contains(b));
    let letters = outward
        .iter()
        .take_while(|b| b.is_ascii_uppercase())
        .count();
    let rest = &outward[letters..];
    let outward_ok = (1..=2).contains(&letters)
        && !rest.is_empty()
        && rest[0].is_ascii_digit()
        && rest.len() <= 2
        && rest[1..]
            .iter()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
    inward_ok && outward_ok
}

/// Addresses that belong to software, not people: cloud service accounts,
/// GitHub's no-reply addresses, `noreply@…`.
fn machine_email(value: &[u8]) -> bool {
    const DOMAINS: &[&[u8]] = &[b"gserviceaccount.com", b"noreply.github.com"];
    const LOCAL: &[&[u8]] = &[
        b"noreply",
        b"no-reply",
        b"donotreply",
        b"do-not-reply",
        b"mailer-daemon",
    ];
    let Some(at) = value.iter().rposition(|&b| b == b'@') else {
        return false;
    };
    let (local, domain) = (&value[..at], &value[at + 1..]);
    DOMAINS.iter().any(|d| {
        domain.len() >= d.len() && domain[domain.len() - d.len()..].eq_ignore_ascii_case(d)
    }) || LOCAL.iter().any(|l| local.eq_ignore_ascii_case(l))
}

/// Words that end the names of places, companies and things, which share
/// a person's name's shape (`Bowman Field`, `Acme Corp`).
const NOT_PERSON: &[&str] = &[
    "airport",
    "field",
    "municipal",
    "regional",
    "international",
    "county",
    "city",
    "inc",
    "llc",
    "ltd",
    "corp",
    "co",
    "company",
    "university",
    "college",
    "school",
    "hospital",
    "clinic",
    "center",
    "centre",
    "street",
    "avenue",
    "road",
    "park",
    "river",
    "lake",
    "airpark",
    "base",
    "station",
    "group",
    "bank",
    "store",
    "services",
    "state",
    "national",
    "memorial",
    "medical",
    // Stand-ins for a missing name.
    "unknown",
    "none",
    "null",
    "nan",
    "anonymous",
    "redacted",
    "withheld",
    "tbd",
];

/// One to six words with letters (and `.`, `'`, `-`, a comma, as in
/// `Braund, Mr. Owen Harris`; digits too, as synthetic data marks its
/// names: `Maynard46`), none of them a place's or a company's.
fn person_name(value: &[u8]) -> bool {
    let words: Vec<&[u8]> = value
        .split(|&b| b == b' ' || b == b',')
        .filter(|w| !w.is_empty())
        .collect();
    (1..=6).contains(&words.len())
        && words.iter().all(|w| {
            w.iter().any(u8::is_ascii_alphabetic)
                && w.iter()
                    .all(|&b| b.is_ascii_alphanumeric() || b"'.-()\"".contains(&b) || b >= 0x80)
        })
        && !words.iter().any(|w| {
            let lower = w.to_ascii_lowercase();
            NOT_PERSON.iter().any(|n| n.as_bytes() == lower.as_slice())
        })
}

/// Words that mark a value as a stand-in, lowercased. Each is unlikely
/// inside a random token (a given 5-letter word turns up in about one in
/// 10^8 random base62 positions).
const PLACEHOLDER_WORDS: &[&str] = &[
    "example",
    "xxxx",
    "****",
    "....",
    "placeholder",
    "changeme",
    "change_me",
    "change-me",
    "your_",
    "your-",
    "yourkey",
    "yourtoken",
    "yoursecret",
    "yourpass",
    "redacted",
    "dummy",
    "sample",
    "insert",
    "replace",
    "foobar",
    "notreal",
    "not_real",
    "fake",
    "secret_here",
    "token_here",
    "key_here",
    "password_here",
    "1234567890",
    "0123456789",
    "abcdefghij",
    "qwerty",
    // A password that spells out the word is a sample in documentation.
    "password",
    "passwd",
    // Counting sequences (`a1b2c3d4`, `abcd1234`).
    "a1b2c3",
    "abcd1234",
    "12345678",
];

/// Documented sample values that contain none of the words above.
const DOCUMENTED_EXAMPLES: &[&[u8]] = &[
    // Stripe's documentation keys.
    b"sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    b"sk_test_BQokikJOvBiI2HlWgH4olfQ2",
    b"pk_test_TYooMQauvdEDq54NiTphI7jx",
    // jwt.io's default token signature.
    b"SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    // Azurite's (the Azure storage emulator's) well-known account key.
    b"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    // RFC 6749's sample access and refresh tokens.
    b"2YotnFZFEjr1zCsicMWpAA",
    b"tGzv3JOkF0XG5Qx2TlKWIA",
    // PagerDuty's documented integration key.
    b"y_NbAkKc66ryYTWUXYEu",
    // PyJWT's README token, and RFC 6749's sample client credentials
    // (`s6BhdRkqt3:gX1fBat3bV`), and RFC 5849's sample token.
    b"4twFt5NiznN84AWoo1d7KO1T_yoc0Z6XOpOVswacPZg",
    b"czZCaGRSa3F0MzpnWDFmQmF0M2JW",
    b"ad180jjd733klru7",
    // The Cargo book's sample registry token.
    b"854DvwSlUwEHtIo3kWy6x7UCPKHfzCmy",
];

/// Template syntax and references to where the real value lives:
/// `${VAR}`, `{{ var }}`, `<your key>`, `%(var)s`, `$VAR`, `os.environ[...]`.
fn is_reference(value: &[u8]) -> bool {
    const MARKS: &[&[u8]] = &[
        b"${",
        b"{{",
        b"}}",
        b"<",
        b">",
        b"%(",
        b"os.environ",
        b"getenv",
    ];
    MARKS.iter().any(|m| contains(value, m))
        || (value.first() == Some(&b'$')
            && value[1..]
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_'))
}

pub fn is_placeholder(value: &[u8]) -> bool {
    if is_reference(value) || DOCUMENTED_EXAMPLES.iter().any(|e| contains(value, e)) {
        return true;
    }
    // `bm90IG15IHJlYWwgcGFzc3dvcmQ=` is "not my real password": a padded
    // base64 value that decodes to text is judged by that text.
    if value.len() >= 8
        && value.len().is_multiple_of(4)
        && value.ends_with(b"=")
        && let Some(decoded) = base64url(value)
        && decoded.iter().all(|b| (0x20..0x7f).contains(b))
        && is_placeholder(&decoded)
    {
        return true;
    }
    let lower = value.to_ascii_lowercase();
    if PLACEHOLDER_WORDS
        .iter()
        .any(|w| contains(&lower, w.as_bytes()))
    {
        return true;
    }
    // `aaaaaaaa`, `00000000`, `abababab`: too few distinct characters for a
    // secret of its length.
    let mut seen = [false; 256];
    let mut distinct = 0;
    for &b in value {
        if !seen[b as usize] {
            seen[b as usize] = true;
            distinct += 1;
        }
    }
    value.len() >= 8 && distinct <= 3
}

/// `2016-09-08T21:47:36Z` and the like: a field such as `PasswordLastUsed`
/// holds a date, not a password.
fn is_timestamp(value: &[u8]) -> bool {
    value.len() >= 10
        && value[..4].iter().all(u8::is_ascii_digit)
        && value[4] == b'-'
        && value[5..7].iter().all(u8::is_ascii_digit)
        && value[7] == b'-'
        && value[8..10].iter().all(u8::is_ascii_digit)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

/// Shannon entropy in bits per byte.
pub fn entropy(value: &[u8]) -> f64 {
    if value.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in value {
        counts[b as usize] += 1;
    }
    let n = value.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// A UUID, or hex of the length of MD5, SHA-1, SHA-256 or SHA-512.
fn is_hash(value: &[u8]) -> bool {
    let hex = value.iter().all(u8::is_ascii_hexdigit);
    if hex && matches!(value.len(), 32 | 40 | 64 | 128) {
        return true;
    }
    value.len() == 36
        && value.iter().enumerate().all(|(i, b)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *b == b'-'
            } else {
                b.is_ascii_hexdigit()
            }
        })
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// GitHub (`ghp_…`) and npm (`npm_…`) tokens: after the prefix and its
/// underscore come random base62 characters and then six characters that
/// are the CRC32 of the random part in base62, zero-padded.
fn base62_crc32(token: &[u8]) -> bool {
    let Some(underscore) = token.iter().rposition(|&b| b == b'_') else {
        return false;
    };
    let body = &token[underscore + 1..];
    if body.len() <= 6 {
        return false;
    }
    let (random, check) = body.split_at(body.len() - 6);
    let mut n = crc32(random);
    let mut expected = [b'0'; 6];
    for slot in expected.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    n == 0 && check == expected
}

/// CRC-32 (IEEE 802.3, as zlib computes it).
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A JWT's first part must decode to a JSON object naming its `alg`.
fn jwt(token: &[u8]) -> bool {
    let mut parts = token.split(|&b| b == b'.');
    let Some(header) = parts.next().and_then(base64url) else {
        return false;
    };
    let payload_ok = parts
        .next()
        .and_then(base64url)
        .is_some_and(|p| p.first() == Some(&b'{'));
    header.first() == Some(&b'{') && contains(&header, b"\"alg\"") && payload_ok
}

fn base64_credentials(value: &[u8]) -> bool {
    let Some(decoded) = base64url(value) else {
        return false;
    };
    let printable = decoded.iter().all(|b| (0x20..0x7f).contains(b));
    match decoded.iter().position(|&b| b == b':') {
        Some(colon) => {
            printable
                && colon > 0
                && colon + 1 < decoded.len()
                && !is_placeholder(&decoded[colon + 1..])
        }
        None => false,
    }
}

/// Decodes unpadded base64url (padding and the standard alphabet's `+/`
/// are accepted too).
pub fn base64url(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for &c in text {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_zlib() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn base62_checksum() {
        let random = b"abcdefghijklmnopqrstuvwxyz0123";
        let mut n = crc32(random);
        let mut check = [b'0'; 6];
        for slot in check.iter_mut().rev() {
            *slot = BASE62[(n % 62) as usize];
            n /= 62;
        }
        let token = [b"ghp_".as_slice(), random, &check].concat();
        assert!(base62_crc32(&token));
        let mut bad = token.clone();
        bad[5] = b'Z';
        assert!(!base62_crc32(&bad));
    }

    #[test]
    fn placeholders() {
        for p in [
            "AKIAIOSFODNN7EXAMPLE",
            "${OPENAI_API_KEY}",
            "<your-api-key>",
            "xxxxxxxxxxxxxxxx",
            "changeme",
            "your_token_here",
            "$API_TOKEN",
            "aaaaaaaaaaaa",
            "SomeKindOfPassword123!@#",
            "a1b2c3d4567890ab",
            "bm90IG15IHJlYWwgcGFzc3dvcmQ=",
        ] {
            assert!(is_placeholder(p.as_bytes()), "{p}");
        }
        assert!(!is_placeholder(b"Zq8rT2vLp9wX4mQ7"));
        assert!(is_timestamp(b"2016-09-08T21:47:36Z"));
        assert!(!is_timestamp(b"20160908T2147"));
    }

    #[test]
    fn basic_credentials() {
        assert!(base64_credentials(b"YWxpY2U6WnE4clQydkxwOXdYNG0="));
        assert!(!base64_credentials(b"YWxpY2U6")); // "alice:"
        assert!(!base64_credentials(b"dXNlcjpwYXNzd29yZA==")); // "user:password"
        assert!(!base64_credentials(b"aGVsbG8gd29ybGQ=")); // no colon
    }

    #[test]
    fn hashes() {
        assert!(is_hash(b"9fceb02d0ae598e95dc970b74767f19372d61af8"));
        assert!(is_hash(b"123e4567-e89b-12d3-a456-426614174000"));
        assert!(!is_hash(b"9fceb02d0ae598e95dc970b74767f19372d61afg"));
    }
}
