//! Check digits and structural checks for personal identifiers.
//!
//! Every function takes the value a rule matched, as raw ASCII bytes with
//! its separators exactly as found in the text, and says whether it can be
//! the identifier at all. None of them looks at context: a bare 10-digit
//! number that passes a check digit is `Valid` here, and whether it is worth
//! reporting without a keyword or column header near it is the caller's call.
//! No function panics, whatever the input.

/// What a check makes of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Not the identifier: wrong shape, failed check digit, reserved value.
    Invalid,
    /// Well formed, check digit passes, inside an issued range.
    Valid,
    /// A known published test/sample value: reported at low confidence only.
    Fake,
}

use Verdict::{Fake, Invalid, Valid};

fn all_digits(v: &[u8]) -> bool {
    !v.is_empty() && v.iter().all(u8::is_ascii_digit)
}

/// Decimal value of a run of ASCII digits; only called on short runs that
/// were checked to be digits, and wrapping so that it can never panic.
fn num(v: &[u8]) -> u32 {
    v.iter().fold(0u32, |n, &b| {
        n.wrapping_mul(10)
            .wrapping_add(u32::from(b.wrapping_sub(b'0')))
    })
}

fn same_digit(d: &[u8]) -> bool {
    d.windows(2).all(|w| w[0] == w[1])
}

/// `v` split at its separators (any byte of `seps`), with the separator
/// used. `None` when two different separators are mixed or a group is
/// empty (a doubled, leading or trailing separator).
fn groups<'a>(v: &'a [u8], seps: &[u8]) -> Option<(Vec<&'a [u8]>, Option<u8>)> {
    let mut sep = None;
    for &b in v {
        if seps.contains(&b) {
            match sep {
                None => sep = Some(b),
                Some(s) if s != b => return None,
                Some(_) => {}
            }
        }
    }
    let parts: Vec<&[u8]> = match sep {
        None => vec![v],
        Some(s) => v.split(|&b| b == s).collect(),
    };
    if parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    Some((parts, sep))
}

/// The digits of `v` when it is either bare digits of the total length, or
/// exactly the groups `lens` joined by one separator from `seps`.
fn grouped_digits(v: &[u8], lens: &[usize], seps: &[u8]) -> Option<Vec<u8>> {
    let (parts, sep) = groups(v, seps)?;
    let shape = match sep {
        None => v.len() == lens.iter().sum::<usize>(),
        Some(_) => parts.len() == lens.len() && parts.iter().zip(lens).all(|(p, &n)| p.len() == n),
    };
    (shape && parts.iter().all(|p| all_digits(p))).then(|| parts.concat())
}

/// The Luhn (ISO/IEC 7812-1 "mod 10") check over ASCII digits, last digit
/// being the check digit: payment cards, NPIs and IMEIs all use it. False
/// for an empty input or any non-digit.
pub fn luhn(digits: &[u8]) -> bool {
    if !all_digits(digits) {
        return false;
    }
    let sum = digits.iter().rev().enumerate().fold(0u32, |acc, (i, &b)| {
        let d = u32::from(b - b'0');
        let d = if i % 2 == 1 {
            if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
        } else {
            d
        };
        (acc + d) % 10
    });
    sum == 0
}

/// Card numbers that issuers and payment processors (Stripe, Braintree,
/// Adyen, PayPal, Worldpay) publish for testing: they pass every check and
/// fill notebooks that demo payments, but belong to nobody.
const FAKE_CARDS: &[&str] = &[
    "4111111111111111",
    "4242424242424242",
    "4012888888881881",
    "4000056655665556",
    "4222222222222",
    "4000002500003155",
    "4000000000000002",
    "4000000000000069",
    "4000000000000077",
    "4000000000000119",
    "4000000000000127",
    "4000000000003220",
    "4000000000009995",
    "4000000760000002",
    "4005519200000004",
    "4009348888881881",
    "4012000033330026",
    "4012000077777777",
    "4217651111111119",
    "4462030000000000",
    "4484070000000000",
    "4500600000000061",
    "4903010000000009",
    "4917610000000000",
    "4917610000000000003",
    "4988080000000000",
    "5555555555554444",
    "5105105105105100",
    "5200828282828210",
    "5424000000000015",
    "5454545454545454",
    "5500000000000004",
    "5019717010103742",
    "2223003122003222",
    "2222400010000008",
    "2223000048400011",
    "378282246310005",
    "371449635398431",
    "378734493671000",
    "6011111111111117",
    "6011000990139424",
    "6011981111111113",
    "6011000000000004",
    "6011000991300009",
    "6555900000604105",
    "3056930009020004",
    "30569309025904",
    "36227206271667",
    "38520000023237",
    "3566002020360505",
    "3566111111111113",
    "3530111333300000",
    "6200000000000005",
    "6200000000000047",
    "6205500000000000004",
    "6304000000000000",
    "6331101999990016",
    "6759649826438453",
    "6799990100000000019",
];

/// Payment card number (ISO/IEC 7812 PAN). Luhn alone passes one random
/// number in ten, so the number must also start with a prefix an issuer
/// network actually uses, at a length that network issues (Visa, Mastercard,
/// Amex, Discover, Diners, JCB, UnionPay, Maestro, Mir, RuPay, Troy ranges),
/// and printed groups must follow the embossing (4-4-4-4, Amex 4-6-5, ...):
/// that is what tells a card from a timestamp or a float's digits.
pub fn card(v: &[u8]) -> Verdict {
    let Some((parts, sep)) = groups(v, b" -") else {
        return Invalid;
    };
    if !parts.iter().all(|p| all_digits(p)) {
        return Invalid;
    }
    let d = parts.concat();
    if !(13..=19).contains(&d.len()) {
        return Invalid;
    }
    if sep.is_some() {
        let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
        if !card_grouping(d.len(), &lens) {
            return Invalid;
        }
    }
    if same_digit(&d) || !luhn(&d) || !card_issuer(&d) {
        return Invalid;
    }
    if FAKE_CARDS.iter().any(|f| f.as_bytes() == d.as_slice()) {
        Fake
    } else {
        Valid
    }
}

/// How card numbers of each length are printed on cards and receipts.
fn card_grouping(len: usize, lens: &[usize]) -> bool {
    matches!(
        (len, lens),
        (13, [4, 4, 5])
            | (14, [4, 6, 4])
            | (15, [4, 6, 5])
            | (16, [4, 4, 4, 4])
            | (17, [4, 4, 4, 5])
            | (18, [4, 4, 4, 6])
            | (19, [4, 4, 4, 4, 3] | [6, 13])
    )
}

/// Issuer identification number ranges and lengths as the networks publish
/// them (13 to 19 digits are checked by the caller).
fn card_issuer(d: &[u8]) -> bool {
    let len = d.len();
    let (p2, p3, p4, p6) = (num(&d[..2]), num(&d[..3]), num(&d[..4]), num(&d[..6]));
    let visa = d[0] == b'4' && matches!(len, 13 | 16 | 19);
    let mastercard = ((51..=55).contains(&p2) || (2221..=2720).contains(&p4)) && len == 16;
    let amex = matches!(p2, 34 | 37) && len == 15;
    let discover =
        (p4 == 6011 || (644..=649).contains(&p3) || p2 == 65 || (622_126..=622_925).contains(&p6))
            && len >= 16;
    let diners =
        ((300..=305).contains(&p3) || p4 == 3095 || matches!(p2, 36 | 38 | 39)) && len >= 14;
    let jcb = (3528..=3589).contains(&p4) && len >= 16;
    let unionpay = p2 == 62 && len >= 16;
    let maestro = (p2 == 50 || (56..=69).contains(&p2)) && len >= 12;
    let mir = (2200..=2204).contains(&p4) && len >= 16;
    let rupay = (matches!(p2, 60 | 65 | 81 | 82) || p3 == 508) && len == 16;
    let troy = p4 == 9792 && len == 16;
    visa || mastercard
        || amex
        || discover
        || diners
        || jcb
        || unionpay
        || maestro
        || mir
        || rupay
        || troy
}

/// IBAN length per country code: the SWIFT IBAN registry (ISO 13616,
/// December 2024), with the territories that use their parent's format
/// (AX with FI; GF GP MQ RE PF TF YT NC BL MF PM WF with FR; IM JE GG with GB).
const IBAN_LENGTHS: &str = "\
    AD24 AE23 AL28 AT20 AX18 AZ28 BA20 BE16 BG22 BH22 BI27 BL27 BR29 BY28 CH21 CR22 \
    CY28 CZ24 DE22 DJ27 DK18 DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GF27 \
    GG22 GI23 GL18 GP27 GR27 GT28 HN28 HR21 HU28 IE22 IL23 IM22 IQ23 IS26 IT27 JE22 \
    JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MF27 MK19 MN20 \
    MQ27 MR27 MT31 MU30 NC27 NI28 NL18 NO15 OM23 PF27 PK24 PL28 PM27 PS29 PT25 QA29 \
    RE27 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 TF27 TL23 \
    TN24 TR26 UA29 VA22 VG24 WF27 XK20 YE30 YT27";

/// The example IBANs of the SWIFT registry and of the standard's and
/// Wikipedia's documentation, copied into countless tutorials and tests.
const IBAN_EXAMPLES: &str = "\
    AD1200012030200359100100 AE070331234567890123456 AL47212110090000000235698741 \
    AT611904300234573201 AZ21NABZ00000000137010001944 BA391290079401028494 \
    BE68539007547034 BE71096123456769 BG80BNBG96611020345678 BH67BMAG00001299123456 \
    BI4210000100010000332045181 BR1800360305000010009795493C1 \
    BR9700360305000010009795493P1 BY13NBRB3600900000002Z00AB00 CH9300762011623852957 \
    CR05015202001026284066 CY17002001280000001200527600 CZ6508000000192000145399 \
    DE44500105175407324931 DE89370400440532013000 DK5000400440116243 \
    DO28BAGR00000001212453611324 EE382200221020145685 EG380019000500000000263180002 \
    ES7921000813610123456789 ES9121000418450200051332 FI2112345600000785 \
    FO6264600001631634 FR1420041010050500013M02606 FR7630006000011234567890189 \
    GB29NWBK60161331926819 GB33BUKB20201555555555 GB82WEST12345698765432 \
    GE29NB0000000101904917 GI75NWBK000000007099453 GL8964710001000206 \
    GR1601101250000000012300695 GT82TRAJ01020000001210029690 HR1210010051863000160 \
    HU42117730161111101800000000 IE29AIBK93115212345678 IL620108000000099999999 \
    IQ98NBIQ850123456789012 IS140159260076545510730339 IT60X0542811101000000123456 \
    JO94CBJO0010000000000131000302 KW81CBKU0000000000001234560101 KZ86125KZT5004100100 \
    LB62099900000001001901229114 LC55HEMM000100010012001200023015 LI21088100002324013AA \
    LT121000011101001000 LU280019400644750000 LV80BANK0000435195001 \
    LY83002048000020100120361 MC5811222000010123456789030 MD24AG000225100013104168 \
    ME25505000012345678951 MK07250120000058984 MR1300020001010000123456753 \
    MT84MALT011000012345MTLCAST001S MU17BOMM0101101030300200000MUR NL02ABNA0123456789 \
    NL91ABNA0417164300 NO9386011117947 PK36SCBL0000001123456702 \
    PL61109010140000071219812874 PS92PALS000000000400123456702 \
    PT50000201231234567890154 QA58DOHB00001234567890ABCDEFG RO49AAAA1B31007593840000 \
    RS35260005601001611379 RU0204452560040702810412345678901 \
    RU0304452522540817810538091310419 SA0380000000608010167519 \
    SC18SSCB11010000000000001497USD SD2129010501234001 SE4550000000058398257466 \
    SI56263300012039086 SK3112000000198742637541 SM86U0322509800000000270100 \
    ST23000100010051845310146 ST68000100010051845310112 SV62CENR00000000000000700025 \
    TL380080012345678910157 TN5910006035183598478831 TR330006100519786457841326 \
    UA213223130000026007233566001 VA59001123000012345678 VG96VPVG0000012345678901 \
    XK051212012345678906";

fn iban_length(country: &[u8]) -> Option<usize> {
    IBAN_LENGTHS
        .split_ascii_whitespace()
        .find(|t| t.as_bytes().get(..2) == Some(country))
        .and_then(|t| t.get(2..))
        .and_then(|n| n.parse().ok())
}

/// International Bank Account Number (ISO 13616). The length is fixed per
/// country by the registry and the two check digits make the whole number
/// equal 1 modulo 97 (ISO 7064 MOD 97-10), which catches all single-character
/// errors and transpositions; printed IBANs come in groups of four.
pub fn iban(v: &[u8]) -> Verdict {
    let Some((parts, _)) = groups(v, b" ") else {
        return Invalid;
    };
    let last = parts.len() - 1;
    let grouped = parts
        .iter()
        .enumerate()
        .all(|(i, p)| if i < last { p.len() == 4 } else { p.len() <= 4 });
    if parts.len() > 1 && !grouped {
        return Invalid;
    }
    let s = parts.concat();
    if s.len() < 5
        || !s[..2].iter().all(u8::is_ascii_uppercase)
        || !all_digits(&s[2..4])
        || !s[4..]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        || iban_length(&s[..2]) != Some(s.len())
        || !(2..=98).contains(&num(&s[2..4]))
    {
        return Invalid;
    }
    let rem = s[4..].iter().chain(&s[..4]).fold(0u32, |r, &b| {
        if b.is_ascii_digit() {
            (r * 10 + u32::from(b - b'0')) % 97
        } else {
            (r * 100 + u32::from(b - b'A') + 10) % 97
        }
    });
    if rem != 1 {
        Invalid
    } else if IBAN_EXAMPLES
        .split_ascii_whitespace()
        .any(|e| e.as_bytes() == s.as_slice())
    {
        Fake
    } else {
        Valid
    }
}

/// A US SSN or ITIN as written: `NNN-NN-NNNN`, `NNN NN NNNN` or nine bare
/// digits; one separator used throughout.
fn ssn_digits(v: &[u8]) -> Option<Vec<u8>> {
    grouped_digits(v, &[3, 2, 4], b"- ")
}

/// US Social Security Number. The SSA has never issued area 000, 666 or
/// 900-999, group 00 or serial 0000 (SSA POMS RM 10201.035; 9xx is the ITIN
/// and advertising space), so those are not SSNs at all. 078-05-1120 (the
/// Woolworth wallet card), 219-09-9999 (an SSA pamphlet) and 123-45-6789
/// are the famous published samples.
pub fn us_ssn(v: &[u8]) -> Verdict {
    let Some(d) = ssn_digits(v) else {
        return Invalid;
    };
    let (area, group, serial) = (num(&d[..3]), num(&d[3..5]), num(&d[5..]));
    if area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 || same_digit(&d) {
        return Invalid;
    }
    if matches!(d.as_slice(), b"078051120" | b"219099999" | b"123456789") {
        Fake
    } else {
        Valid
    }
}

/// US Individual Taxpayer Identification Number: the IRS issues them with a
/// leading 9 and the middle "group" in 50-65, 70-88, 90-92 or 94-99, which
/// is what separates an ITIN from the never-issued 9xx SSNs.
pub fn us_itin(v: &[u8]) -> Verdict {
    let Some(d) = ssn_digits(v) else {
        return Invalid;
    };
    let group = num(&d[3..5]);
    if d[0] == b'9'
        && matches!(group, 50..=65 | 70..=88 | 90..=92 | 94..=99)
        && num(&d[5..]) != 0
        && !same_digit(&d)
    {
        Valid
    } else {
        Invalid
    }
}

fn take_sep(s: &mut &[u8]) -> Option<u8> {
    match s.split_first() {
        Some((&b, rest)) if matches!(b, b' ' | b'-' | b'.') => {
            *s = rest;
            Some(b)
        }
        _ => None,
    }
}

/// The ten digits of a NANP number in one of the usual layouts: an optional
/// `+1`/`1` prefix, the area code bare or in parentheses, then exchange and
/// line, with one separator style throughout.
fn nanp_digits(v: &[u8]) -> Option<[u8; 10]> {
    let mut s = v;
    // None: no country code; Some(sep): "+1" or "1" and the separator after it.
    let mut cc: Option<Option<u8>> = None;
    if let Some(rest) = s.strip_prefix(b"+1") {
        s = rest;
        cc = Some(None);
    } else if s.len() > 10 && s[0] == b'1' {
        s = &s[1..];
        cc = Some(None);
    }
    if cc.is_some() {
        cc = Some(take_sep(&mut s));
    }
    let mut out = [0u8; 10];
    let paren = s.first() == Some(&b'(');
    if paren {
        if s.len() < 5 || s[4] != b')' || !all_digits(&s[1..4]) {
            return None;
        }
        out[..3].copy_from_slice(&s[1..4]);
        s = &s[5..];
    } else {
        if s.len() < 3 || !all_digits(&s[..3]) {
            return None;
        }
        out[..3].copy_from_slice(&s[..3]);
        s = &s[3..];
    }
    let sep1 = take_sep(&mut s);
    if s.len() < 3 || !all_digits(&s[..3]) {
        return None;
    }
    out[3..6].copy_from_slice(&s[..3]);
    s = &s[3..];
    let sep2 = take_sep(&mut s);
    if s.len() != 4 || !all_digits(s) {
        return None;
    }
    out[6..].copy_from_slice(s);
    let consistent = if paren {
        matches!(sep1, None | Some(b' '))
    } else {
        sep1 == sep2
            && match cc {
                Some(Some(c)) => sep1.is_none() || sep1 == Some(c) || c == b' ',
                Some(None) => sep1.is_none(),
                None => true,
            }
    };
    consistent.then_some(out)
}

/// The NANP numbering plan (ATIS-0300115) rules on ten digits.
fn nanp_classify(d: &[u8; 10]) -> Verdict {
    let (area, exchange, line) = (num(&d[..3]), num(&d[3..6]), num(&d[6..]));
    let unassignable = d[0] < b'2'
        || d[3] < b'2'
        || area % 100 == 11
        || exchange % 100 == 11
        || d[1] == b'9'
        || matches!(area / 10, 37 | 96)
        || area == 555
        || matches!(area, 800 | 833 | 844 | 855 | 866 | 877 | 888)
        || same_digit(d);
    if unassignable {
        Invalid
    } else if exchange == 555 && (100..=199).contains(&line) {
        Fake
    } else {
        Valid
    }
}

/// North American (NANP, +1) phone number. Area codes and exchanges have
/// the form NXX (N = 2-9) and are never N11 (service codes); N9X, 37X and
/// 96X area codes are held back for expansion and 555 is not an area code;
/// toll-free codes (8XX with a doubled digit) reach businesses, not people.
/// 555-0100 to 555-0199 is the range reserved for fiction, hence `Fake`.
/// Ten bare digits are structurally valid: the caller decides confidence.
pub fn nanp_phone(v: &[u8]) -> Verdict {
    nanp_digits(v).map_or(Invalid, |d| nanp_classify(&d))
}

/// ITU-T E.164 two-digit country codes.
fn is_cc2(c: u32) -> bool {
    matches!(
        c,
        20 | 27
            | 30..=34
            | 36
            | 39
            | 40
            | 41
            | 43..=49
            | 51..=58
            | 60..=66
            | 81
            | 82
            | 84
            | 86
            | 90..=95
            | 98
    )
}

/// ITU-T E.164 three-digit country codes in service (geographic ones and
/// the global services: 800, 808, 870, 881-883, 888, 979).
fn is_cc3(c: u32) -> bool {
    matches!(
        c,
        211..=213
            | 216
            | 218
            | 220..=258
            | 260..=269
            | 290
            | 291
            | 297..=299
            | 350..=359
            | 370..=383
            | 385..=387
            | 389
            | 420
            | 421
            | 423
            | 500..=509
            | 590..=599
            | 670
            | 672..=683
            | 685..=692
            | 800
            | 808
            | 850
            | 852
            | 853
            | 855
            | 856
            | 870
            | 880..=883
            | 886
            | 888
            | 960..=968
            | 970..=977
            | 979
            | 992..=998
    )
}

/// UK national numbers that Ofcom reserves for drama and documentation
/// (without the trunk 0): 020 7946 0xxx, 01x1 496 0xxx, 0191 498 0xxx,
/// 07700 900xxx, 01632 960xxx, 08081 570xxx, 0909 8790xxx, 03069 990xxx.
const UK_DRAMA: &[&str] = &[
    "2079460", "1134960", "1144960", "1154960", "1164960", "1174960", "1184960", "1214960",
    "1314960", "1414960", "1514960", "1614960", "1914980", "7700900", "1632960", "8081570",
    "9098790", "3069990",
];

/// International phone number in E.164 form: `+`, a country code the ITU
/// has assigned (codes are prefix-free, so the first one to match is the
/// one), at most 15 digits in all (E.164 section 6) and at least 8; spaces
/// or dashes may group the digits but not split the country code. +1
/// numbers get the NANP rules; Ofcom's drama ranges are `Fake`.
pub fn e164_phone(v: &[u8]) -> Verdict {
    let Some(rest) = v.strip_prefix(b"+") else {
        return Invalid;
    };
    if !rest.first().is_some_and(u8::is_ascii_digit) || !rest.last().is_some_and(u8::is_ascii_digit)
    {
        return Invalid;
    }
    let mut digits = Vec::with_capacity(15);
    let mut first_group = None;
    let mut prev_sep = false;
    for &b in rest {
        if b.is_ascii_digit() {
            digits.push(b);
            prev_sep = false;
        } else if matches!(b, b' ' | b'-') && !prev_sep {
            first_group.get_or_insert(digits.len());
            prev_sep = true;
        } else {
            return Invalid;
        }
    }
    if !(8..=15).contains(&digits.len()) {
        return Invalid;
    }
    let cc_len = if matches!(digits[0], b'1' | b'7') {
        1
    } else if is_cc2(num(&digits[..2])) {
        2
    } else if is_cc3(num(&digits[..3])) {
        3
    } else {
        return Invalid;
    };
    let national = &digits[cc_len..];
    if first_group.is_some_and(|n| n < cc_len) || national.iter().all(|&b| b == b'0') {
        return Invalid;
    }
    if digits[0] == b'1' {
        return <[u8; 10]>::try_from(national).map_or(Invalid, |d| nanp_classify(&d));
    }
    if digits.starts_with(b"44")
        && national.len() == 10
        && UK_DRAMA.iter().any(|p| national.starts_with(p.as_bytes()))
    {
        return Fake;
    }
    Valid
}

fn parse_ipv4(v: &[u8]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut n = 0;
    for part in v.split(|&b| b == b'.') {
        if n == 4 || part.len() > 3 || !all_digits(part) || (part.len() > 1 && part[0] == b'0') {
            return None;
        }
        out[n] = u8::try_from(num(part)).ok()?;
        n += 1;
    }
    (n == 4).then_some(out)
}

/// The IANA special-purpose registry (RFC 6890 and successors) on IPv4.
fn ipv4_classify([a, b, c, _]: [u8; 4]) -> Verdict {
    match (a, b, c) {
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => Fake,
        (0 | 10 | 127 | 224..=255, _, _)
        | (100, 64..=127, _)
        | (169, 254, _)
        | (172, 16..=31, _)
        | (192, 168, _)
        | (192, 0, 0)
        | (192, 88, 99)
        | (198, 18..=19, _) => Invalid,
        _ => Valid,
    }
}

/// IPv4 address in dotted-quad form. Only a public address can point at a
/// person's machine: "this network", private (RFC 1918), shared CGNAT
/// (RFC 6598), loopback, link-local, benchmarking, multicast, reserved and
/// broadcast space is `Invalid`, and the three documentation networks of
/// RFC 5737 (192.0.2/24, 198.51.100/24, 203.0.113/24) are `Fake`. Leading
/// zeros are refused: many parsers read them as octal, and version strings
/// and section numbers are where they show up.
pub fn ipv4(v: &[u8]) -> Verdict {
    parse_ipv4(v).map_or(Invalid, ipv4_classify)
}

fn hex_value(b: u8) -> u16 {
    match b {
        b'0'..=b'9' => u16::from(b - b'0'),
        b'a'..=b'f' => u16::from(b - b'a') + 10,
        b'A'..=b'F' => u16::from(b - b'A') + 10,
        _ => 0,
    }
}

/// Appends the colon-separated 16-bit pieces of `s` to `out`; the last
/// piece may be a dotted IPv4 address (two pieces) when `v4_last`.
fn parse_h16s(s: &[u8], v4_last: bool, out: &mut Vec<u16>) -> Option<()> {
    if s.is_empty() {
        return Some(());
    }
    let parts: Vec<&[u8]> = s.split(|&b| b == b':').collect();
    let last = parts.len() - 1;
    for (i, p) in parts.iter().enumerate() {
        if i == last && v4_last && p.contains(&b'.') {
            let [a, b, c, d] = parse_ipv4(p)?;
            out.push(u16::from_be_bytes([a, b]));
            out.push(u16::from_be_bytes([c, d]));
        } else {
            if p.is_empty() || p.len() > 4 || !p.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            out.push(p.iter().fold(0u16, |n, &b| n << 4 | hex_value(b)));
        }
        if out.len() > 8 {
            return None;
        }
    }
    Some(())
}

fn parse_ipv6(v: &[u8]) -> Option<[u16; 8]> {
    if v.len() < 2 || v.len() > 45 {
        return None;
    }
    let gap = v.windows(2).position(|w| w == b"::");
    let (head, tail) = match gap {
        Some(i) => (&v[..i], &v[i + 2..]),
        None => (v, &v[..0]),
    };
    let mut h = Vec::with_capacity(8);
    parse_h16s(head, gap.is_none(), &mut h)?;
    let mut t = Vec::with_capacity(8);
    parse_h16s(tail, true, &mut t)?;
    let total = h.len() + t.len();
    if (gap.is_some() && total > 7) || (gap.is_none() && total != 8) {
        return None;
    }
    let mut out = [0u16; 8];
    out[..h.len()].copy_from_slice(&h);
    out[8 - t.len()..].copy_from_slice(&t);
    Some(out)
}

fn embedded_ipv4(g: &[u16; 8]) -> [u8; 4] {
    let [a, b] = g[6].to_be_bytes();
    let [c, d] = g[7].to_be_bytes();
    [a, b, c, d]
}

/// IPv6 address in any RFC 4291 text form (`::` compression, embedded
/// dotted IPv4). Only global unicast space (2000::/3, RFC 4291 2.4) reaches
/// a person: loopback, unspecified, link-local, unique-local, multicast and
/// everything the IANA has not allocated is `Invalid`; the documentation
/// prefixes 2001:db8::/32 (RFC 3849) and 3fff::/20 (RFC 9637) are `Fake`.
/// IPv4-mapped and NAT64 addresses are judged by their IPv4 address.
pub fn ipv6(v: &[u8]) -> Verdict {
    let Some(g) = parse_ipv6(v) else {
        return Invalid;
    };
    let mapped = g[..5] == [0; 5] && g[5] == 0xffff;
    let nat64 = g[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    if mapped || nat64 {
        return ipv4_classify(embedded_ipv4(&g));
    }
    if g[0] & 0xe000 != 0x2000 {
        return Invalid;
    }
    if (g[0] == 0x2001 && g[1] == 0x0db8) || (g[0] == 0x3fff && g[1] < 0x1000) {
        Fake
    } else if g[0] == 0x2001 && g[1] == 0x0002 && g[2] == 0 {
        // 2001:2::/48, benchmarking (RFC 5180).
        Invalid
    } else {
        Valid
    }
}

/// Top-level domains in the IANA root zone that mail is sent to: every
/// delegated two-letter country code, the legacy generic and sponsored
/// ones, and the new generic ones in real use. Sorted, one space apart.
const TLDS: &str = "\
    ac academy accountant accountants actor ad adult ae aero af africa ag agency ai \
    airforce al am amsterdam analytics ao apartments app aq ar archi army art as asia \
    associates at attorney au auction audio auto autos aw ax az ba baby band bank bar \
    barcelona bargains bb bd be beer berlin best bet bf bg bh bi bible bid bike bingo \
    bio biz bj black blog blue bm bn bo boston boutique br bs bt build builders \
    business buzz bv bw by bz bzh ca cab cafe cam camera camp capital car cards care \
    career careers cars casa cash casino cat catering cc cd center ceo cf cg ch charity \
    chat cheap church ci city ck cl claims cleaning click clinic clothing cloud club cm \
    cn co coach codes coffee college com community company computer condos construction \
    consulting contractors cooking cool coop country coupons courses cr credit \
    creditcard cricket cruises cu cv cw cx cy cymru cz dance date dating day de deals \
    degree delivery democrat dental dentist design dev diamonds diet digital direct \
    directory discount dj dk dm do doctor dog domains download dz earth ec eco edu \
    education ee eg email energy engineer engineering enterprises equipment er es \
    estate et eu eus events exchange expert exposed express fail faith family fan fans \
    farm fashion fi film finance financial fish fishing fit fitness fj fk flights \
    florist fm fo football forsale foundation fr frl fun fund furniture futbol fyi ga \
    gal gallery game games garden gay gb gd ge gent gf gg gh gi gift gifts gives gl \
    glass global gm gmbh gn gold golf gov gp gq gr graphics gratis green gripe group gs \
    gt gu guide guitars guru gw gy hamburg haus health healthcare help hiphop hk hm hn \
    hockey holdings holiday homes horse hospital host hosting house how hr ht hu icu id \
    ie il im immo immobilien in inc industries info ink institute insure int \
    international investments io iq ir irish is it je jetzt jewelry jm jo jobs jp \
    juegos kaufen ke kg kh ki kim kitchen kiwi km kn koeln kp kr kw ky kz la land lat \
    law lawyer lb lc lease legal lgbt li life lighting limited limo link live lk llc \
    loan loans lol london love lr ls lt ltd ltda lu luxury lv ly ma maison management \
    market marketing markets mba mc md me media memorial men menu mg mh miami mil mk ml \
    mm mn mo mobi moda moe mom money monster mortgage moscow movie mp mq mr ms mt mu \
    museum mv mw mx my mz na nagoya name navy nc ne net network new news nf ng ngo ni \
    ninja nl no np nr nrw nu nyc nz observer office okinawa om one ong onl online ooo \
    org organic osaka pa page paris partners parts party pe pet pf pg ph phd photo \
    photography photos pics pictures pink pizza pk pl place plumbing plus pm pn poker \
    porn post pr press pro productions prof promo properties property ps pt pub pw py \
    qa quebec racing radio re realestate realty recipes red rehab reise reisen rent \
    rentals repair report republican rest restaurant review reviews rich rip ro rocks \
    rodeo rs ru ruhr run rw sa saarland sale salon sarl sb sc school schule science \
    scot sd se services sex sexy sg sh shiksha shoes shop shopping show si singles site \
    sj sk ski skin sl sm sn so soccer social software solar solutions soy spa space \
    sport sr ss st store stream studio study style su sucks supplies supply support \
    surf surgery sv swiss sx sy sydney systems sz taipei tattoo tax taxi tc td team \
    tech technology tel tennis tf tg th theater theatre tickets tienda tips tires tirol \
    tj tk tl tm tn to today tokyo tools top tours town toys tr trade trading training \
    travel tt tube tv tw tz ua ug uk university uno us uy uz va vacations vc ve vegas \
    ventures vet vg vi viajes video villas vin vip vision vlaanderen vn vodka vote \
    voting voto voyage vu wales wang watch webcam website wedding wf wien wiki win wine \
    work works world ws wtf xxx xyz ye yoga yokohama yt za zm zone zw";

/// TLDs that are, or would be read as, file extensions: `image@2x.png`,
/// `model@v2.py` or `notes@final.md` are file names, not mailboxes, even
/// where the extension is also a real TLD (.py, .zip, .mov, .md, .sh).
const FILE_EXTENSIONS: &str = "bmp css csv gif htm html ico ipynb jpeg jpg js json md mov pdf png \
    py sh svg toml ts tsx txt webp xml yaml yml zip";

/// Whether `word` is one of the words of `list`, which is split into a
/// set once (a scan asks millions of times).
fn in_list(list: &'static std::sync::LazyLock<WordSet>, word: &[u8]) -> bool {
    list.contains(word)
}

type WordSet = std::collections::HashSet<&'static [u8], Fnv>;

/// FNV-1a: the words are short and not chosen by an attacker; SipHash
/// costs more than the lookup it guards.
#[derive(Default, Clone, Copy)]
struct Fnv;

struct FnvHasher(u64);

impl std::hash::BuildHasher for Fnv {
    type Hasher = FnvHasher;
    fn build_hasher(&self) -> FnvHasher {
        FnvHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

fn word_set(text: &'static str) -> WordSet {
    text.split_ascii_whitespace().map(str::as_bytes).collect()
}

static TLD_LIST: std::sync::LazyLock<WordSet> = std::sync::LazyLock::new(|| word_set(TLDS));
static FILE_EXTENSION_LIST: std::sync::LazyLock<WordSet> =
    std::sync::LazyLock::new(|| word_set(FILE_EXTENSIONS));

/// Email address (RFC 5322 dot-atom local part, RFC 1035 host name). The
/// TLD has to exist in the root zone, which is what tells a mailbox from
/// `user@localhost`, `image@2x.png` or a decorator. The names RFC 2606
/// reserves for documentation and testing (example.com/.net/.org and their
/// subdomains, .example, .test, .invalid, .localhost) are never mailboxes,
/// so they are `Invalid` rather than `Fake`. Quoted local parts and
/// address literals are not supported.
pub fn email(v: &[u8]) -> Verdict {
    let Some(at) = v.iter().position(|&b| b == b'@') else {
        return Invalid;
    };
    let (local, domain) = (&v[..at], &v[at + 1..]);
    let atext = |b: &u8| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~-.".contains(b);
    if local.is_empty()
        || local.len() > 64
        || local.first() == Some(&b'.')
        || local.last() == Some(&b'.')
        || local.windows(2).any(|w| w == b"..")
        || !local.iter().all(atext)
        || domain.is_empty()
        || domain.len() > 253
    {
        return Invalid;
    }
    // Lowercased on the stack: this runs for every value of an e-mail
    // column.
    let mut lower = [0u8; 253];
    let domain = {
        let buf = &mut lower[..domain.len()];
        buf.copy_from_slice(domain);
        buf.make_ascii_lowercase();
        &*buf
    };
    let label_ok = |l: &[u8]| {
        (1..=63).contains(&l.len())
            && l.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
            && l.first() != Some(&b'-')
            && l.last() != Some(&b'-')
    };
    let mut labels = domain.rsplit(|&b| b == b'.');
    let (Some(tld), Some(second)) = (labels.next(), labels.next()) else {
        return Invalid;
    };
    let reserved = (second == b"example" && matches!(tld, b"com" | b"net" | b"org"))
        || matches!(tld, b"example" | b"test" | b"invalid" | b"localhost");
    if !domain.split(|&b| b == b'.').all(label_ok)
        || !tld.iter().all(u8::is_ascii_alphabetic)
        || reserved
        || in_list(&FILE_EXTENSION_LIST, tld)
        || !in_list(&TLD_LIST, tld)
    {
        return Invalid;
    }
    Valid
}

fn leap(y: u32) -> bool {
    y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400))
}

/// Year, month and day make a real date in the Gregorian calendar, in the
/// range a birth date or visit date in a dataset can have.
fn valid_ymd(y: u32, m: u32, d: u32) -> bool {
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap(y) => 29,
        2 => 28,
        _ => return false,
    };
    (1900..=2030).contains(&y) && (1..=days).contains(&d)
}

fn numeric_date(v: &[u8]) -> bool {
    let Some((parts, Some(sep))) = groups(v, b"-/.") else {
        return false;
    };
    let [a, b, c] = parts.as_slice() else {
        return false;
    };
    let short = |p: &[u8]| (1..=2).contains(&p.len());
    if !parts.iter().all(|p| all_digits(p)) {
        return false;
    }
    if a.len() == 4 && short(b) && short(c) {
        // YYYY-MM-DD, YYYY/MM/DD
        sep != b'.' && valid_ymd(num(a), num(b), num(c))
    } else if short(a) && short(b) && c.len() == 4 {
        let (x, z, y) = (num(a), num(b), num(c));
        if sep == b'.' {
            // DD.MM.YYYY
            valid_ymd(y, z, x)
        } else {
            // MM/DD/YYYY or DD/MM/YYYY: either reading will do.
            valid_ymd(y, x, z) || valid_ymd(y, z, x)
        }
    } else {
        false
    }
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Month number of a full English month name, its three-letter
/// abbreviation (with or without a dot) or "Sept".
fn month(t: &[u8]) -> Option<u32> {
    let t = t.strip_suffix(b".").unwrap_or(t).to_ascii_lowercase();
    let i = MONTHS.iter().position(|m| {
        let m = m.as_bytes();
        t == m || (t.len() == 3 && m.starts_with(&t)) || (t == b"sept" && m == b"september")
    })?;
    u32::try_from(i + 1).ok()
}

/// Day of the month, optionally with an English ordinal suffix ("5th").
fn day(t: &[u8]) -> Option<u32> {
    let digits = [b"st", b"nd", b"rd", b"th"]
        .iter()
        .find_map(|s| t.strip_suffix(*s))
        .unwrap_or(t);
    ((1..=2).contains(&digits.len()) && all_digits(digits)).then(|| num(digits))
}

fn named_date(v: &[u8]) -> bool {
    let parts: Vec<&[u8]> = v.split(|&b| b == b' ').collect();
    let [t0, t1, t2] = parts.as_slice() else {
        return false;
    };
    if t2.len() != 4 || !all_digits(t2) {
        return false;
    }
    let y = num(t2);
    let t1 = t1.strip_suffix(b",").unwrap_or(t1);
    match (month(t0), day(t0)) {
        // Jan 5, 1980
        (Some(m), _) => day(t1).is_some_and(|d| valid_ymd(y, m, d)),
        // 5 January 1980
        (None, Some(d)) => month(t1).is_some_and(|m| valid_ymd(y, m, d)),
        (None, None) => false,
    }
}

/// Calendar date as people write birth dates: `YYYY-MM-DD`, `YYYY/MM/DD`,
/// `MM/DD/YYYY` or `DD/MM/YYYY` (either reading), `DD.MM.YYYY`,
/// `Jan 5, 1980` and `5 January 1980`. The day must exist in that month
/// (leap years included) and the year be 1900-2030, so that version numbers,
/// section numbers and ratios that merely look like dates are refused.
pub fn date(v: &[u8]) -> Verdict {
    if numeric_date(v) || named_date(v) {
        Valid
    } else {
        Invalid
    }
}

/// UK NHS number (NHS Data Dictionary): ten digits, printed 3-3-4, the last
/// a modulus 11 check digit over the first nine weighted 10 down to 2
/// (11 becomes 0; a computed 10 means the number is never issued). Numbers
/// starting 999 are the range the NHS sets aside for testing, and
/// 943 476 5919 is the Data Dictionary's own example: both `Fake`. Mod 11
/// passes one random 10-digit number in eleven, so a bare one (a page or
/// row id) comes out `Valid`: the caller must ask for context.
pub fn uk_nhs(v: &[u8]) -> Verdict {
    let Some(d) = grouped_digits(v, &[3, 3, 4], b" -") else {
        return Invalid;
    };
    if same_digit(&d) {
        return Invalid;
    }
    let sum: u32 = d[..9]
        .iter()
        .zip((2..=10).rev())
        .map(|(&b, w)| u32::from(b - b'0') * w)
        .sum();
    let check = match 11 - sum % 11 {
        11 => 0,
        10 => return Invalid,
        c => c,
    };
    if u32::from(d[9] - b'0') != check {
        Invalid
    } else if d.starts_with(b"999") || d == b"9434765919" {
        Fake
    } else {
        Valid
    }
}

/// UK National Insurance number (HMRC NIM39110): two prefix letters, six
/// digits, suffix A-D. D, F, I, Q, U and V are never used in the prefix, O
/// never second, and BG, GB, KN, NK, NT, TN and ZZ are never allocated.
/// HMRC documents the format with the QQ prefix ("QQ 12 34 56 C"), which no
/// real number can have, and AB 12 34 56 C is the usual form-filling
/// sample: both `Fake`. Spaces may separate the prefix, the digit pairs and
/// the suffix.
pub fn uk_nino(v: &[u8]) -> Verdict {
    let mut s = Vec::with_capacity(9);
    let mut after_space = true;
    for &b in v {
        if b == b' ' {
            if after_space || !matches!(s.len(), 2 | 4 | 6 | 8) {
                return Invalid;
            }
            after_space = true;
        } else {
            s.push(b);
            after_space = false;
        }
    }
    if after_space
        || s.len() != 9
        || !s[..2].iter().all(u8::is_ascii_uppercase)
        || !all_digits(&s[2..8])
        || !(b'A'..=b'D').contains(&s[8])
    {
        return Invalid;
    }
    let prefix = &s[..2];
    if prefix == b"QQ" || s == b"AB123456C" {
        return Fake;
    }
    if b"DFIQUV".contains(&s[0])
        || b"DFIOQUV".contains(&s[1])
        || matches!(
            prefix,
            b"BG" | b"GB" | b"KN" | b"NK" | b"NT" | b"TN" | b"ZZ"
        )
    {
        Invalid
    } else {
        Valid
    }
}

/// ABA routing transit number (ABA / Federal Reserve): nine digits whose
/// first two name a Federal Reserve district (00 US Government, 01-12
/// ordinary, 21-32 thrifts, 61-72 electronic, 80 traveller's cheques), with
/// the 3-7-1 weighted checksum 3(d1+d4+d7) + 7(d2+d5+d8) + (d3+d6+d9) ≡ 0
/// (mod 10).
pub fn aba_routing(v: &[u8]) -> Verdict {
    if v.len() != 9 || !all_digits(v) || same_digit(v) {
        return Invalid;
    }
    let d: Vec<u32> = v.iter().map(|&b| u32::from(b - b'0')).collect();
    let sum = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8]);
    if matches!(num(&v[..2]), 0..=12 | 21..=32 | 61..=72 | 80) && sum.is_multiple_of(10) {
        Valid
    } else {
        Invalid
    }
}

/// US National Provider Identifier (CMS, "Requirements for NPI Check
/// Digit"): ten digits starting 1 or 2, the last a Luhn check digit computed
/// as if the card-issuer prefix 80840 stood in front. 1234567893 is the
/// worked example of that CMS document, hence `Fake`.
pub fn npi(v: &[u8]) -> Verdict {
    if v.len() != 10 || !all_digits(v) || !matches!(v[0], b'1' | b'2') {
        return Invalid;
    }
    let mut full = b"80840".to_vec();
    full.extend_from_slice(v);
    if !luhn(&full) {
        Invalid
    } else if v == b"1234567893" {
        Fake
    } else {
        Valid
    }
}

/// US DEA registration number: a registrant-type letter (A-H, J-M, P, R-U,
/// X), the first letter of the registrant's surname or business (9 for a
/// name starting with a digit), six digits and a check digit equal to the
/// last digit of (d1 + d3 + d5) + 2 (d2 + d4 + d6).
pub fn dea(v: &[u8]) -> Verdict {
    let [kind, initial, digits @ ..] = v else {
        return Invalid;
    };
    if digits.len() != 7
        || !b"ABCDEFGHJKLMPRSTUX".contains(kind)
        || !(initial.is_ascii_uppercase() || *initial == b'9')
        || !all_digits(digits)
    {
        return Invalid;
    }
    let d: Vec<u32> = digits.iter().map(|&b| u32::from(b - b'0')).collect();
    if (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6] {
        Valid
    } else {
        Invalid
    }
}

/// US Medicare Beneficiary Identifier (CMS "Understanding the MBI format"):
/// eleven characters C A AN N A AN N A A N N, where C is 1-9, N 0-9 and A a
/// letter other than S, L, O, I, B and Z (too easily misread); printed 4-3-4
/// with dashes, and CMS reads lower case as upper. 1EG4-TE5-MK73 is CMS's
/// own example, hence `Fake`.
pub fn mbi(v: &[u8]) -> Verdict {
    let compact = match groups(v, b"-") {
        Some((parts, None)) => parts.concat(),
        Some((parts, Some(_))) if parts.iter().map(|p| p.len()).eq([4, 3, 4]) => parts.concat(),
        _ => return Invalid,
    };
    if compact.len() != 11 {
        return Invalid;
    }
    let c = compact.to_ascii_uppercase();
    let alpha = |b: u8| b.is_ascii_uppercase() && !b"SLOIBZ".contains(&b);
    let digit = |b: u8| b.is_ascii_digit();
    let alnum = |b: u8| alpha(b) || digit(b);
    let shape = (b'1'..=b'9').contains(&c[0])
        && alpha(c[1])
        && alnum(c[2])
        && digit(c[3])
        && alpha(c[4])
        && alnum(c[5])
        && digit(c[6])
        && alpha(c[7])
        && alpha(c[8])
        && digit(c[9])
        && digit(c[10]);
    if !shape {
        Invalid
    } else if c == b"1EG4TE5MK73" {
        Fake
    } else {
        Valid
    }
}

/// ICD-10-CM diagnosis code (CDC/CMS code set): a category of a letter, a
/// digit and a digit (or A/B, as in C7A, D3A, M1A, O9A, Z3A), then up to
/// four more characters for the subcategory and 7th-character extension,
/// after a dot or run on. Every letter opens a chapter (U for special
/// purposes, e.g. U07.1), so the letter itself proves nothing; upper case
/// only, as the code set prints it.
pub fn icd10(v: &[u8]) -> Verdict {
    let (head, tail, dotted) = match v.iter().position(|&b| b == b'.') {
        Some(i) => (&v[..i], &v[i + 1..], true),
        None if v.len() >= 3 => (&v[..3], &v[3..], false),
        None => return Invalid,
    };
    let category = head.len() == 3
        && head[0].is_ascii_uppercase()
        && head[1].is_ascii_digit()
        && (head[2].is_ascii_digit() || matches!(head[2], b'A' | b'B'));
    let rest = tail.len() <= 4
        && !(dotted && tail.is_empty())
        && tail
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if category && rest { Valid } else { Invalid }
}

/// US National Drug Code (FDA): labeler, product and package segments in
/// the three 10-digit layouts 4-4-2, 5-3-2 and 5-4-1, or the 11-digit 5-4-2
/// form that HIPAA billing pads them to (with dashes, or bare). Without
/// dashes a 10-digit code is ambiguous, so only 11 bare digits count.
/// Labeler 00000 is never assigned.
pub fn ndc(v: &[u8]) -> Verdict {
    let Some((parts, sep)) = groups(v, b"-") else {
        return Invalid;
    };
    if !parts.iter().all(|p| all_digits(p)) {
        return Invalid;
    }
    let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
    let shape = match sep {
        None => v.len() == 11 && !same_digit(v),
        Some(_) => matches!(
            lens.as_slice(),
            [4, 4, 2] | [5, 3, 2] | [5, 4, 1] | [5, 4, 2]
        ),
    };
    let labeler = if sep.is_some() {
        parts[0]
    } else {
        &v[..v.len().min(5)]
    };
    if shape && labeler.iter().any(|&b| b != b'0') {
        Valid
    } else {
        Invalid
    }
}

/// CPT procedure code (AMA). Category I codes are five digits in the
/// sections' published ranges: anesthesia 00100-01999, surgery 10004-69990,
/// radiology 70010-79999, pathology 80047-89398, medicine and E/M
/// 90281-99607; category II, III and PLA codes are four digits and F, T or U.
pub fn cpt(v: &[u8]) -> Verdict {
    if v.len() != 5 || !all_digits(&v[..4]) {
        return Invalid;
    }
    let ok = if v[4].is_ascii_digit() {
        matches!(
            num(v),
            100..=1999 | 10_004..=69_990 | 70_010..=79_999 | 80_047..=89_398 | 90_281..=99_607
        )
    } else {
        matches!(v[4], b'F' | b'T' | b'U') && num(&v[..4]) != 0
    };
    if ok { Valid } else { Invalid }
}

/// US ZIP code, five digits or ZIP+4 (`NNNNN-NNNN`). USPS has never used
/// codes below 00501 (Holtsville, NY), so 00000-00500 are not ZIP codes.
pub fn zip(v: &[u8]) -> Verdict {
    let five = match v.len() {
        5 => v,
        10 if v[5] == b'-' && all_digits(&v[6..]) => &v[..5],
        _ => return Invalid,
    };
    if all_digits(five) && num(five) >= 501 {
        Valid
    } else {
        Invalid
    }
}

/// An age of 90 or more: HIPAA Safe Harbor (45 CFR 164.514(b)(2)(i)(C))
/// treats ages over 89 as identifying and requires them grouped as "90 or
/// older". Ages above 120 are not human ages but other numbers.
pub fn age_over_89(v: &[u8]) -> Verdict {
    if (1..=3).contains(&v.len()) && all_digits(v) && v[0] != b'0' && (90..=120).contains(&num(v)) {
        Valid
    } else {
        Invalid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(f: fn(&[u8]) -> Verdict, cases: &[(&str, Verdict)]) {
        for (v, want) in cases {
            assert_eq!(f(v.as_bytes()), *want, "{v:?}");
        }
    }

    #[test]
    fn luhn_published_examples() {
        // The worked example of the Luhn algorithm on Wikipedia and in ISO/IEC 7812-1.
        assert!(luhn(b"79927398713"));
        assert!(!luhn(b"79927398710"));
        assert!(!luhn(b""));
        assert!(!luhn(b"7992 7398 713"));
        assert!(!luhn("٧٩".as_bytes()));
    }

    #[test]
    fn card_issuer_test_numbers_are_fake() {
        for f in FAKE_CARDS {
            assert_eq!(card(f.as_bytes()), Fake, "{f}");
        }
        check(
            card,
            &[
                ("4111 1111 1111 1111", Fake),
                ("4111-1111-1111-1111", Fake),
                ("3782 822463 10005", Fake),
                ("3056 930009 020004", Invalid),
                ("3622 720627 1667", Fake),
            ],
        );
    }

    #[test]
    fn card_valid_in_issuer_ranges() {
        check(
            card,
            &[
                ("4526018159083012", Valid),
                ("4526 0181 5908 3012", Valid),
                ("4661318609133", Valid),
                ("4909960308246281946", Valid),
                ("5382199351819096", Valid),
                ("2720378657975434", Valid),
                ("372319487574919", Valid),
                ("3723 194875 74919", Valid),
                ("341862527601893", Valid),
                ("6011555979711477", Valid),
                ("6510497465075291705", Valid),
                ("36342366712762", Valid),
                ("3095842684656320", Valid),
                ("3541122330792443", Valid),
                ("62026859952890787", Valid),
                ("5066661760310", Valid),
                ("2201372159010921", Valid),
                ("9792815901396246", Valid),
                ("8159571177774124", Valid),
            ],
        );
    }

    #[test]
    fn card_traps() {
        check(
            card,
            &[
                // Luhn passes, but no network issues these prefixes or lengths.
                ("1234567890123452", Invalid),
                ("7000123456789010", Invalid),
                ("9999123456789019", Invalid),
                ("3123456789012341", Invalid),
                ("1735379907511636", Invalid),
                ("415472803852805", Invalid),
                ("538414852538887", Invalid),
                ("3753933633875005", Invalid),
                ("3512746591834026", Invalid),
                // Epoch milliseconds, with and without a passing Luhn digit.
                ("1699999999999", Invalid),
                ("1699999999996", Invalid),
                // The fraction digits of floats: sqrt(2), pi, e.
                ("4142135623730951", Invalid),
                ("1415926535897932", Invalid),
                ("7182818284590452", Invalid),
                ("0.4111111111111111", Invalid),
                // All one digit (passes Luhn).
                ("0000000000000000", Invalid),
                // Luhn fails.
                ("4111111111111112", Invalid),
                // Grouping that no card is printed with, or mixed separators.
                ("4111 1111-1111 1111", Invalid),
                ("41111 111 1111 1111", Invalid),
                ("4111  1111 1111 1111", Invalid),
                ("3782 8224 6310 005", Invalid),
                (" 4111111111111111", Invalid),
                ("411111111111", Invalid),
                ("41111111111111111111", Invalid),
                ("", Invalid),
            ],
        );
    }

    #[test]
    fn iban_registry_examples_are_fake() {
        for e in IBAN_EXAMPLES.split_ascii_whitespace() {
            assert_eq!(iban(e.as_bytes()), Fake, "{e}");
        }
        check(
            iban,
            &[
                ("GB82 WEST 1234 5698 7654 32", Fake),
                ("DE89 3704 0044 0532 0130 00", Fake),
                ("FR14 2004 1010 0505 0001 3M02 606", Fake),
            ],
        );
    }

    #[test]
    fn iban_checks() {
        check(
            iban,
            &[
                // Generated by mobilefish.com's random IBAN generator for
                // the Lino demo data: valid, but not documentation examples.
                ("AL32293653370340154130927280", Valid),
                ("AL68897217980092911449710922", Valid),
                ("AD5257784281812851432256", Valid),
                ("AD52 5778 4281 8128 5143 2256", Valid),
                // Check digits off by one.
                ("GB83WEST12345698765432", Invalid),
                ("AD5357784281812851432256", Invalid),
                // Length wrong for the country.
                ("DE8937040044053201300", Invalid),
                ("AD525778428181285143225", Invalid),
                // No IBAN country; lower case; bad grouping.
                ("US64SVBKUS6S3300958879", Invalid),
                ("gb82west12345698765432", Invalid),
                ("GB82W EST1 2345 6987 6543 2", Invalid),
                ("GB82  WEST 1234 5698 7654 32", Invalid),
                ("GB82-WEST-1234-5698-7654-32", Invalid),
                ("GB", Invalid),
                ("", Invalid),
            ],
        );
        for window in IBAN_LENGTHS
            .split_ascii_whitespace()
            .collect::<Vec<_>>()
            .windows(2)
        {
            assert!(window[0] < window[1], "{window:?}");
        }
    }

    #[test]
    fn ssn() {
        check(
            us_ssn,
            &[
                ("078-05-1120", Fake),
                ("219-09-9999", Fake),
                ("123-45-6789", Fake),
                ("123 45 6789", Fake),
                ("123456789", Fake),
                ("536-22-8726", Valid),
                ("536 22 8726", Valid),
                ("536228726", Valid),
                ("001-01-0001", Valid),
                ("900-12-3456", Invalid),
                ("987-65-4321", Invalid),
                ("999-45-6789", Invalid),
                ("666-12-3456", Invalid),
                ("000-12-3456", Invalid),
                ("123-00-4567", Invalid),
                ("123-45-0000", Invalid),
                ("111-11-1111", Invalid),
                ("123-45 6789", Invalid),
                ("123 45-6789", Invalid),
                ("123.45.6789", Invalid),
                ("12-345-6789", Invalid),
                ("123-45-67890", Invalid),
                ("1234567890", Invalid),
            ],
        );
    }

    #[test]
    fn itin() {
        check(
            us_itin,
            &[
                ("912-70-1234", Valid),
                ("900-50-1234", Valid),
                ("912 94 1234", Valid),
                ("912991234", Valid),
                ("912-93-1234", Invalid),
                ("912-49-1234", Invalid),
                ("912-66-1234", Invalid),
                ("912-89-1234", Invalid),
                ("812-70-1234", Invalid),
                ("912-70-0000", Invalid),
                ("912-70 1234", Invalid),
            ],
        );
    }

    #[test]
    fn nanp() {
        check(
            nanp_phone,
            &[
                // 555-0100..0199 is reserved for fiction.
                ("(212) 555-0123", Fake),
                ("212-555-0123", Fake),
                ("212.555.0123", Fake),
                ("+1 212 555 0123", Fake),
                ("2125550123", Fake),
                ("212-555-0199", Fake),
                ("212-555-0200", Valid),
                ("212-736-5000", Valid),
                ("(212) 736-5000", Valid),
                ("(212)736-5000", Valid),
                ("+1 (212) 736-5000", Valid),
                ("1-212-736-5000", Valid),
                ("1 212 736 5000", Valid),
                ("+1 212-736-5000", Valid),
                ("+12127365000", Valid),
                ("12127365000", Valid),
                ("2127365000", Valid),
                ("123-456-7890", Invalid),
                ("012-736-5000", Invalid),
                ("211-736-5000", Invalid),
                ("212-911-1234", Invalid),
                ("212-155-1234", Invalid),
                ("212-736.5000", Invalid),
                ("212 736-5000", Invalid),
                ("+1-212 736 5000", Invalid),
                ("+1212-736-5000", Invalid),
                ("800-736-5000", Invalid),
                ("555-736-5000", Invalid),
                ("290-736-5000", Invalid),
                ("372-736-5000", Invalid),
                ("222-222-2222", Invalid),
                ("212-736-500", Invalid),
                ("212-736-50000", Invalid),
                ("(212 736-5000", Invalid),
                ("+2 212 736 5000", Invalid),
                ("", Invalid),
            ],
        );
    }

    #[test]
    fn e164() {
        check(
            e164_phone,
            &[
                ("+44 20 7946 0958", Fake),
                ("+447700900123", Fake),
                ("+44 161 496 0000", Fake),
                ("+44 20 7219 3000", Valid),
                ("+33 1 42 92 81 00", Valid),
                ("+81 3-3581-0101", Valid),
                ("+49 30 227 0", Valid),
                ("+353 1 618 3000", Valid),
                ("+7 495 606 3602", Valid),
                ("+1 212 555 0123", Fake),
                ("+1 212 736 5000", Valid),
                ("+1 123 456 7890", Invalid),
                ("+1 212 736 500", Invalid),
                ("+999 1234 5678", Invalid),
                ("+28 1234 5678", Invalid),
                ("+0 1234 5678", Invalid),
                ("+44  20 7946 0958", Invalid),
                ("+4 420 7219 3000", Invalid),
                ("+44 20 7219 300-", Invalid),
                ("+44 (0)20 7219 3000", Invalid),
                ("+4412345", Invalid),
                ("+1234567890123456", Invalid),
                ("+44 0000 000000", Invalid),
                ("442072193000", Invalid),
                ("+", Invalid),
            ],
        );
    }

    #[test]
    fn ip_v4() {
        check(
            ipv4,
            &[
                ("8.8.8.8", Valid),
                ("1.1.1.1", Valid),
                ("172.32.0.1", Valid),
                ("100.128.0.1", Valid),
                ("192.0.2.1", Fake),
                ("198.51.100.7", Fake),
                ("203.0.113.255", Fake),
                ("10.0.0.1", Invalid),
                ("172.16.5.4", Invalid),
                ("172.31.255.255", Invalid),
                ("192.168.1.1", Invalid),
                ("127.0.0.1", Invalid),
                ("169.254.1.1", Invalid),
                ("100.64.0.1", Invalid),
                ("198.18.0.1", Invalid),
                ("224.0.0.1", Invalid),
                ("240.0.0.1", Invalid),
                ("255.255.255.255", Invalid),
                ("0.0.0.0", Invalid),
                ("01.2.3.4", Invalid),
                ("256.1.1.1", Invalid),
                ("1.2.3", Invalid),
                ("1.2.3.4.5", Invalid),
                ("8.8.8.8.", Invalid),
                ("8..8.8", Invalid),
                ("", Invalid),
            ],
        );
    }

    #[test]
    fn ip_v6() {
        check(
            ipv6,
            &[
                ("2001:4860:4860::8888", Valid),
                ("2001:4860:4860:0:0:0:0:8888", Valid),
                ("2606:4700:4700::1111", Valid),
                ("2A00:1450:4001:82B::200E", Valid),
                ("::ffff:8.8.8.8", Valid),
                ("64:ff9b::8.8.8.8", Valid),
                ("2001:db8::1", Fake),
                ("2001:0db8:85a3:0000:0000:8a2e:0370:7334", Fake),
                ("2001:db8:0:0:0:0:2:1", Fake),
                ("3fff::1", Fake),
                ("::ffff:192.0.2.1", Fake),
                ("::1", Invalid),
                ("::", Invalid),
                ("fe80::1", Invalid),
                ("fd12:3456:789a::1", Invalid),
                ("fc00::1", Invalid),
                ("ff02::1", Invalid),
                ("::ffff:192.168.0.1", Invalid),
                ("::8.8.8.8", Invalid),
                ("dead::beef", Invalid),
                ("1:2:3:4:5:6:7::", Invalid),
                ("2001:2::1", Invalid),
                ("2001:4860::8888::1", Invalid),
                ("2001:4860:4860:0:0:0:0:0:8888", Invalid),
                ("2001:4860:4860:0:0:0:8888", Invalid),
                ("2001:4860:4860::0:0:0:0:8888", Invalid),
                ("12345::", Invalid),
                (":2001:4860::8888", Invalid),
                ("2001:4860::8888:", Invalid),
                ("2001:4860:::8888", Invalid),
                ("2001:4860:4860::8888%eth0", Invalid),
                ("2001:4860:8.8.8.8::1", Invalid),
                ("::ffff:08.8.8.8", Invalid),
                ("std::vec", Invalid),
                ("", Invalid),
            ],
        );
    }

    #[test]
    fn email_addresses() {
        check(
            email,
            &[
                ("jane.doe@gmail.com", Valid),
                ("JANE.DOE@GMAIL.COM", Valid),
                ("first+tag@sub.domain.co.uk", Valid),
                ("a@b.co", Valid),
                ("o'brien@company.io", Valid),
                ("someone@startup.ai", Valid),
                ("user@mail.example.org", Invalid),
                ("user@example.com", Invalid),
                ("user@example.net", Invalid),
                ("x@foo.example", Invalid),
                ("x@foo.test", Invalid),
                ("x@host.invalid", Invalid),
                ("x@my.localhost", Invalid),
                ("x@localhost", Invalid),
                ("image@2x.png", Invalid),
                ("logo@3x.jpg", Invalid),
                ("model@v2.py", Invalid),
                ("run@final.ipynb", Invalid),
                ("notes@draft.md", Invalid),
                ("bundle@1.2.zip", Invalid),
                ("pkg@1.2.3", Invalid),
                (".jane@gmail.com", Invalid),
                ("jane.@gmail.com", Invalid),
                ("ja..ne@gmail.com", Invalid),
                ("jane@gmail..com", Invalid),
                ("jane@-gmail.com", Invalid),
                ("jane@gmail-.com", Invalid),
                ("jane@gmail.con", Invalid),
                ("jane@corp.local", Invalid),
                ("jane@@gmail.com", Invalid),
                ("jane@gmail", Invalid),
                ("jane doe@gmail.com", Invalid),
                ("@gmail.com", Invalid),
                ("jane@", Invalid),
                ("", Invalid),
            ],
        );
    }

    #[test]
    fn tld_list_is_sorted_and_unique() {
        let tlds: Vec<&str> = TLDS.split_ascii_whitespace().collect();
        assert!(tlds.len() >= 300, "{}", tlds.len());
        for w in tlds.windows(2) {
            assert!(w[0] < w[1], "{w:?}");
        }
        assert!(
            tlds.iter()
                .all(|t| t.bytes().all(|b| b.is_ascii_lowercase()))
        );
        for t in [
            "com", "org", "uk", "de", "io", "ai", "app", "dev", "zw", "ac",
        ] {
            assert!(tlds.contains(&t), "{t}");
        }
        for t in [
            "local", "lan", "corp", "internal", "example", "test", "con", "png",
        ] {
            assert!(!tlds.contains(&t), "{t}");
        }
    }

    #[test]
    fn dates() {
        check(
            date,
            &[
                ("1980-01-05", Valid),
                ("1980/01/05", Valid),
                ("1980/1/5", Valid),
                ("01/05/1980", Valid),
                ("1/5/1980", Valid),
                ("31/12/1999", Valid),
                ("12/31/1999", Valid),
                ("31.12.1999", Valid),
                ("12-31-1999", Valid),
                ("Jan 5, 1980", Valid),
                ("Jan. 5, 1980", Valid),
                ("January 5 1980", Valid),
                ("5 January 1980", Valid),
                ("5th Jan 1980", Valid),
                ("Sept 30, 2001", Valid),
                ("2000-02-29", Valid),
                ("2024-02-29", Valid),
                ("1900-01-01", Valid),
                ("2030-12-31", Valid),
                ("1900-02-29", Invalid),
                ("2023-02-29", Invalid),
                ("1899-12-31", Invalid),
                ("2031-01-01", Invalid),
                ("1980-13-01", Invalid),
                ("1980-04-31", Invalid),
                ("1980-00-10", Invalid),
                ("1980-01/05", Invalid),
                ("1980.01.05", Invalid),
                ("12.31.1999", Invalid),
                ("13/13/1999", Invalid),
                ("1980-001-05", Invalid),
                ("Foo 5, 1980", Invalid),
                ("32 Jan 1980", Invalid),
                ("Feb 30, 1980", Invalid),
                ("Jan 5,1980", Invalid),
                ("Ja 5, 1980", Invalid),
                ("1.2.3", Invalid),
                ("", Invalid),
            ],
        );
    }

    #[test]
    fn nhs_numbers() {
        check(
            uk_nhs,
            &[
                // The NHS Data Dictionary's example, and the test range.
                ("943 476 5919", Fake),
                ("9434765919", Fake),
                ("943-476-5919", Fake),
                ("999 888 7771", Fake),
                ("485 777 3457", Valid),
                ("4010232137", Valid),
                ("727-236-1808", Valid),
                // Any 10-digit id passing mod 11 is structurally an NHS
                // number; the caller requires context for bare digits.
                ("1000000001", Valid),
                ("943 476 5918", Invalid),
                ("943 476-5919", Invalid),
                ("94 3476 5919", Invalid),
                // Check digit computes to 10: never issued.
                ("9991234560", Invalid),
                ("1234567890", Invalid),
                ("0000000000", Invalid),
                ("1111111111", Invalid),
                ("943476591", Invalid),
            ],
        );
    }

    #[test]
    fn national_insurance_numbers() {
        check(
            uk_nino,
            &[
                ("QQ123456C", Fake),
                ("QQ 12 34 56 C", Fake),
                ("AB123456C", Fake),
                ("AB 123456 C", Fake),
                ("JG103759A", Valid),
                ("JG 10 37 59 A", Valid),
                ("JG 103759 A", Valid),
                ("JG103759 D", Valid),
                ("JG123456E", Invalid),
                ("DA123456A", Invalid),
                ("AO123456A", Invalid),
                ("GB123456A", Invalid),
                ("TN123456A", Invalid),
                ("ZZ123456A", Invalid),
                ("JG1234567A", Invalid),
                ("JG 1 23456 A", Invalid),
                ("JG  123456A", Invalid),
                ("JG123456A ", Invalid),
                ("jg123456a", Invalid),
                ("JG12345A", Invalid),
            ],
        );
    }

    #[test]
    fn routing_numbers() {
        check(
            aba_routing,
            &[
                // JPMorgan Chase NY, Federal Reserve Bank of Boston, Bank of
                // America TX, Wells Fargo CA, Chase CA.
                ("021000021", Valid),
                ("011000015", Valid),
                ("111000025", Valid),
                ("121000248", Valid),
                ("322271627", Valid),
                ("021000022", Invalid),
                // Checksum passes, prefix is no Federal Reserve district.
                ("131000021", Invalid),
                ("510000011", Invalid),
                ("000000000", Invalid),
                ("02100002", Invalid),
                ("0210-0002-1", Invalid),
            ],
        );
    }

    #[test]
    fn npis() {
        check(
            npi,
            &[
                ("1234567893", Fake),
                ("1558598797", Valid),
                ("1234567890", Invalid),
                ("3234567893", Invalid),
                ("123456789", Invalid),
                ("12345678931", Invalid),
            ],
        );
    }

    #[test]
    fn dea_numbers() {
        check(
            dea,
            &[
                // takerx.com's worked example: 5+3+7 + 2(8+6+2) = 47.
                ("AP5836727", Valid),
                ("AB1234563", Valid),
                ("AB4523761", Valid),
                ("A91234563", Valid),
                // The worked counter-examples: the check digit would be 1.
                ("AB4523767", Invalid),
                ("AB4523763", Invalid),
                ("IB1234563", Invalid),
                ("ab1234563", Invalid),
                ("AB123456", Invalid),
                ("AB12345637", Invalid),
            ],
        );
    }

    #[test]
    fn mbis() {
        check(
            mbi,
            &[
                ("1EG4-TE5-MK73", Fake),
                ("1EG4TE5MK73", Fake),
                ("1eg4te5mk73", Fake),
                ("2EG4TE5MK73", Valid),
                ("9AA0AA0AA00", Valid),
                ("1E14-T95-MK73", Valid),
                ("0EG4TE5MK73", Invalid),
                ("1SG4TE5MK73", Invalid),
                ("1EG4TE5MZ73", Invalid),
                ("1EGATE5MK73", Invalid),
                ("1EG4-TE5MK73", Invalid),
                ("1EG4 TE5 MK73", Invalid),
                ("1EG4TE5MK7", Invalid),
            ],
        );
    }

    #[test]
    fn icd10_codes() {
        check(
            icd10,
            &[
                ("E11.9", Valid),
                ("E119", Valid),
                ("A00", Valid),
                ("U07.1", Valid),
                ("S72.001A", Valid),
                ("T36.0X1A", Valid),
                ("C7A.010", Valid),
                ("O9A.211", Valid),
                ("E1.9", Invalid),
                ("EE1.9", Invalid),
                ("E11.", Invalid),
                ("E11.12345", Invalid),
                ("E1112345", Invalid),
                ("e11.9", Invalid),
                ("E1C.0", Invalid),
                ("11.9", Invalid),
                ("E11.9.1", Invalid),
                ("", Invalid),
            ],
        );
    }

    #[test]
    fn ndc_codes() {
        check(
            ndc,
            &[
                ("0777-3105-02", Valid),
                ("50580-506-02", Valid),
                ("00002-7597-1", Valid),
                ("00777-3105-02", Valid),
                ("00777310502", Valid),
                ("0777310502", Invalid),
                ("00000-1234-12", Invalid),
                ("0777-3105-2", Invalid),
                ("0777 3105 02", Invalid),
                ("0777-3105-02-1", Invalid),
                ("11111111111", Invalid),
            ],
        );
    }

    #[test]
    fn cpt_codes() {
        check(
            cpt,
            &[
                ("99213", Valid),
                ("00100", Valid),
                ("99607", Valid),
                ("10004", Valid),
                ("0001F", Valid),
                ("0042T", Valid),
                ("0001U", Valid),
                ("99608", Invalid),
                ("00099", Invalid),
                ("05000", Invalid),
                ("0000F", Invalid),
                ("9921", Invalid),
                ("992134", Invalid),
                ("1234X", Invalid),
                ("0001f", Invalid),
            ],
        );
    }

    #[test]
    fn zip_codes() {
        check(
            zip,
            &[
                ("10001", Valid),
                ("90210-1234", Valid),
                ("00501", Valid),
                ("00000", Invalid),
                ("00500", Invalid),
                ("1000", Invalid),
                ("10001-123", Invalid),
                ("10001 1234", Invalid),
                ("1000A", Invalid),
            ],
        );
    }

    #[test]
    fn ages() {
        check(
            age_over_89,
            &[
                ("90", Valid),
                ("104", Valid),
                ("120", Valid),
                ("89", Invalid),
                ("121", Invalid),
                ("090", Invalid),
                ("9O", Invalid),
                ("-95", Invalid),
                ("", Invalid),
            ],
        );
    }

    /// Random byte strings, some drawn from the characters these values are
    /// made of, through every check: none may panic.
    #[test]
    fn no_panics_on_random_input() {
        let checks: [fn(&[u8]) -> Verdict; 21] = [
            card,
            iban,
            us_ssn,
            us_itin,
            nanp_phone,
            e164_phone,
            ipv4,
            ipv6,
            email,
            date,
            uk_nhs,
            uk_nino,
            aba_routing,
            npi,
            dea,
            mbi,
            icd10,
            ndc,
            cpt,
            zip,
            age_over_89,
        ];
        let alphabet = b"0123456789ABCDEFabcdefQZ+-.:/@ (),";
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..20_000 {
            let len = usize::try_from(next() % 48).unwrap_or(0);
            let v: Vec<u8> = (0..len)
                .map(|_| {
                    let r = next();
                    if round % 2 == 0 {
                        r.to_le_bytes()[0]
                    } else {
                        alphabet[usize::try_from(r % alphabet.len() as u64).unwrap_or(0)]
                    }
                })
                .collect();
            for f in checks {
                let _ = f(&v);
            }
            let _ = luhn(&v);
        }
    }
}
