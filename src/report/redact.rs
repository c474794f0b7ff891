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

fn push_visible(out: &mut String, c: char) {
    if c.is_control() {
        out.extend(c.escape_default());
    } else {
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

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
