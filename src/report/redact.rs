//! Values as reports show them: enough to recognise, never enough to use.

/// `AKIA…3XYZ` for long values, `Zq…4m` for medium ones, `T…` for short
/// ones; a private key shows only its `-----BEGIN … KEY-----` line. Control
/// characters are escaped so a value cannot rewrite the terminal.
pub fn redact(value: &[u8]) -> String {
    let text = String::from_utf8_lossy(value);
    if text.starts_with("-----BEGIN")
        && let Some(end) = text[5..].find("-----")
    {
        return format!("{}…", &text[..end + 10]);
    }
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    let (head, tail) = match n {
        20.. => (4, 4),
        12..=19 => (2, 2),
        4..=11 => (1, 0),
        _ => (0, 0),
    };
    let mut out = String::new();
    for &c in &chars[..head] {
        push_visible(&mut out, c);
    }
    out.push('…');
    for &c in &chars[n - tail..] {
        push_visible(&mut out, c);
    }
    out
}

/// A personal identifier with its letters and digits masked but its shape
/// kept: `***-**-6789`, `j***@example.org`, `**** 1111`. Only the last four
/// (two of a short value, none of a very short one) stay, as on a receipt.
pub fn mask(value: &[u8]) -> String {
    let text = String::from_utf8_lossy(value);
    if let Some(at) = text.rfind('@') {
        let mut out = String::new();
        if let Some(c) = text.chars().next().filter(|_| at > 0) {
            push_visible(&mut out, c);
        }
        out.push_str("***");
        for c in text[at..].chars() {
            push_visible(&mut out, c);
        }
        return out;
    }
    let alnum = text.chars().filter(|c| c.is_alphanumeric()).count();
    let digits = text.chars().filter(char::is_ascii_digit).count();
    if digits == 0 {
        // A name or a street: its first letter, the rest masked.
        let mut out = String::new();
        for (i, c) in text.chars().enumerate() {
            if i == 0 || !c.is_alphanumeric() {
                push_visible(&mut out, c);
            } else {
                out.push('*');
            }
        }
        return out;
    }
    if digits >= 12 && digits == alnum && !text.starts_with('+') {
        // A card number: its last four, as a receipt prints it.
        let last: String = text
            .chars()
            .filter(char::is_ascii_digit)
            .skip(digits - 4)
            .collect();
        return format!("**** {last}");
    }
    let keep = match alnum {
        8.. => 4,
        5..=7 => 2,
        _ => 0,
    };
    let mut seen = 0;
    let mut out = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            seen += 1;
            if seen > alnum - keep {
                out.push(c);
            } else {
                out.push('*');
            }
        } else {
            push_visible(&mut out, c);
        }
    }
    out
}

fn push_visible(out: &mut String, c: char) {
    if c.is_control() {
        out.extend(c.escape_default());
    } else {
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::{mask, redact};

    #[test]
    fn personal_values_keep_their_shape() {
        assert_eq!(mask(b"123-45-6789"), "***-**-6789");
        assert_eq!(mask(b"jane.doe@example.org"), "j***@example.org");
        assert_eq!(mask(b"4111 1111 1111 1111"), "**** 1111");
        assert_eq!(mask(b"4111111111111111"), "**** 1111");
        assert_eq!(mask(b"(212) 555-0123"), "(***) ***-0123");
        assert_eq!(mask(b"02155"), "***55");
        assert_eq!(mask(b"93"), "**");
        assert_eq!(mask(b"+44 20 7123 4567"), "+** ** **** 4567");
        assert_eq!(mask(b"Braund, Mr. Owen"), "B*****, **. ****");
    }

    #[test]
    fn shapes() {
        assert_eq!(redact(b"AKIAZ3MSJV4WWNKWW5FG"), "AKIA…W5FG");
        assert_eq!(redact(b"Zq8#rT2!vLp9wX4m"), "Zq…4m");
        assert_eq!(redact(b"hunter22"), "h…");
        assert_eq!(
            redact(b"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"),
            "-----BEGIN RSA PRIVATE KEY-----…"
        );
        assert_eq!(redact(b"\x1b[31mabcdefghijklmnopqrstu"), "\\u{1b}[31…rstu");
    }
}
