//! What the Studio sweeper needs to know before it touches a notebook:
//! which notebooks are open in a running Jupyter server (asked over
//! loopback, from the servers' runtime files), how long ago a file changed,
//! and how to say what it did as one JSON line.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;

/// `30m`, `10s`, `2h`, `1d`, or plain seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (digits, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (such as 30m, 10s, 2h)"))?;
    let seconds = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86400,
        _ => return Err(format!("`{text}`: the unit must be s, m, h or d")),
    };
    Ok(Duration::from_secs(seconds))
}

/// A running Jupyter server as its runtime file describes it.
#[derive(Debug, Clone, Deserialize)]
pub struct Server {
    pub url: String,
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub token: String,
    /// `root_dir` (Jupyter Server) or `notebook_dir` (classic Notebook).
    #[serde(default, alias = "notebook_dir")]
    pub root_dir: Option<String>,
    #[serde(default)]
    pub pid: Option<i32>,
}

/// Where runtime files are: `$JUPYTER_RUNTIME_DIR`, else
/// `~/.local/share/jupyter/runtime`.
pub fn runtime_dirs() -> Vec<PathBuf> {
    if let Some(dir) = std::env::var_os("JUPYTER_RUNTIME_DIR") {
        return vec![PathBuf::from(dir)];
    }
    match std::env::var_os("HOME") {
        Some(home) => vec![Path::new(&home).join(".local/share/jupyter/runtime")],
        None => Vec::new(),
    }
}

/// The servers whose runtime files are in `dirs` and whose process is
/// alive (a server killed without cleaning up leaves its file behind).
pub fn servers(dirs: &[PathBuf]) -> Vec<(PathBuf, Result<Server, String>)> {
    let mut found = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let runtime = (name.starts_with("jpserver-") || name.starts_with("nbserver-"))
                && name.ends_with(".json");
            if !runtime {
                continue;
            }
            let path = entry.path();
            let server = std::fs::read_to_string(&path)
                .map_err(|e| crate::io_message(&e))
                .and_then(|t| serde_json::from_str::<Server>(&t).map_err(|e| e.to_string()));
            if let Ok(s) = &server
                && s.pid.is_some_and(|pid| !alive(pid))
            {
                continue;
            }
            found.push((path, server));
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    unsafe { libc::kill(pid, 0) == 0 || *libc::__errno_location() == libc::EPERM }
}

#[derive(Deserialize)]
struct Session {
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    notebook: Option<SessionNotebook>,
}

#[derive(Deserialize)]
struct SessionNotebook {
    path: String,
}

/// The notebooks a server has open, as absolute paths; an error when it
/// cannot be asked (then no notebook under it may be touched).
pub fn open_notebooks(server: &Server) -> Result<HashSet<PathBuf>, String> {
    let rest = server.url.strip_prefix("http://").ok_or_else(|| {
        format!(
            "{}: only a plain http server on loopback can be asked",
            server.url
        )
    })?;
    let (authority, url_path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    let loopback = matches!(host, "127.0.0.1" | "localhost" | "[::1]" | "::1");
    if !loopback {
        return Err(format!("{}: not a loopback address", server.url));
    }
    let base = server
        .base_url
        .clone()
        .unwrap_or_else(|| format!("/{url_path}"));
    let base = if base.ends_with('/') {
        base
    } else {
        format!("{base}/")
    };
    let path = format!("{base}api/sessions");
    let body = http_get(authority, &path, &server.token)?;
    let sessions: Vec<Session> =
        serde_json::from_slice(&body).map_err(|e| format!("{}: sessions: {e}", server.url))?;
    let root = PathBuf::from(server.root_dir.clone().unwrap_or_else(|| ".".into()));
    Ok(sessions
        .into_iter()
        .filter_map(|s| s.notebook.map(|n| n.path).or(s.path))
        .map(|p| {
            let p = root.join(p);
            std::fs::canonicalize(&p).unwrap_or(p)
        })
        .collect())
}

/// A GET over loopback HTTP/1.1, for the one request the sweeper makes; a
/// status other than 200 is an error.
fn http_get(authority: &str, path: &str, token: &str) -> Result<Vec<u8>, String> {
    let fail = |what: String| format!("http://{authority}{path}: {what}");
    let addr = authority
        .to_socket_addrs()
        .map_err(|e| fail(e.to_string()))?
        .next()
        .ok_or_else(|| fail("no address".into()))?;
    let timeout = Duration::from_secs(5);
    let mut stream =
        TcpStream::connect_timeout(&addr, timeout).map_err(|e| fail(crate::io_message(&e)))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| fail(e.to_string()))?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nAuthorization: token {token}\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| fail(crate::io_message(&e)))?;
    let mut response = Vec::new();
    stream
        .take(64 << 20)
        .read_to_end(&mut response)
        .map_err(|e| fail(crate::io_message(&e)))?;
    let head_end = memchr::memmem::find(&response, b"\r\n\r\n")
        .ok_or_else(|| fail("no HTTP response".into()))?;
    let head = String::from_utf8_lossy(&response[..head_end]).into_owned();
    let status = head.split_whitespace().nth(1).unwrap_or("");
    if status != "200" {
        return Err(fail(format!("status {status}")));
    }
    let body = &response[head_end + 4..];
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return Ok(unchunk(body));
    }
    Ok(body.to_vec())
}

/// The body of a chunked HTTP response (Tornado sends one).
fn unchunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = memchr::memmem::find(body, b"\r\n") {
        let size = std::str::from_utf8(&body[..line_end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok())
            .unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        let end = (start + size).min(body.len());
        out.extend_from_slice(&body[start..end]);
        body = body.get(end + 2..).unwrap_or(&[]);
    }
    out
}

/// Seconds since the epoch as `2026-11-23T16:50:00Z`.
pub fn utc(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rest) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5w").is_err());
    }

    #[test]
    fn utc_times() {
        assert_eq!(utc(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            utc(UNIX_EPOCH + Duration::from_secs(1_795_452_645)),
            "2026-11-23T16:50:45Z"
        );
        assert_eq!(
            utc(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
    }

    #[test]
    fn chunked_bodies() {
        assert_eq!(unchunk(b"4\r\n[{}]\r\n2\r\n  \r\n0\r\n\r\n"), b"[{}]  ");
    }
}
