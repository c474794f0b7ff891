//! The Studio sweeper on real files, with a fake Jupyter server on
//! 127.0.0.1 that serves `/api/sessions` and a runtime file naming it.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{EXECUTED_STRIPPED, executed_notebook, write};
use serde_json::Value;

/// A Jupyter server answering every request with the sessions `open` and
/// counting requests that carry the right token.
fn fake_server(open: Vec<String>) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = asked.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = vec![0u8; 4096];
            let n = stream.read(&mut request).unwrap_or(0);
            let request = String::from_utf8_lossy(&request[..n]).into_owned();
            let authorized = request.starts_with("GET /lab/api/sessions ")
                && request.contains("Authorization: token s3cr3t-t0ken");
            let (status, body) = if authorized {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let sessions: Vec<Value> = open
                    .iter()
                    .map(|p| serde_json::json!({"id": "1", "path": p, "type": "notebook", "notebook": {"path": p, "name": p}}))
                    .collect();
                ("200 OK", serde_json::to_string(&sessions).unwrap())
            } else {
                ("403 Forbidden", "{}".to_owned())
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (port, asked)
}

fn runtime_file(dir: &Path, port: u16, root: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    write(
        dir,
        "jpserver-4242.json",
        serde_json::json!({
            "url": format!("http://127.0.0.1:{port}/lab/"),
            "base_url": "/lab/",
            "token": "s3cr3t-t0ken",
            "root_dir": root,
            "pid": std::process::id(),
        })
        .to_string(),
    );
}

fn age(path: &Path, seconds: u64) {
    let when = format!(
        "@{}",
        (std::time::SystemTime::now() - Duration::from_secs(seconds))
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    );
    let ok = Command::new("touch")
        .args(["-d", &when])
        .arg(path)
        .status()
        .unwrap();
    assert!(ok.success());
}

fn sweep(runtime: &Path, args: &[&str]) -> (i32, Vec<Value>) {
    let out = Command::new(assert_cmd::cargo::cargo_bin("nbscrub"))
        .env("JUPYTER_RUNTIME_DIR", runtime)
        .arg("sweep")
        .args(args)
        .output()
        .unwrap();
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (out.status.code().unwrap(), lines)
}

fn events(lines: &[Value], event: &str) -> Vec<String> {
    let mut paths: Vec<String> = lines
        .iter()
        .filter(|l| l["event"] == event)
        .map(|l| {
            let p = l["path"].as_str().unwrap_or("");
            Path::new(p)
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned())
        })
        .collect();
    paths.sort();
    paths
}

#[test]
fn old_closed_notebooks_are_stripped_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("home");
    std::fs::create_dir_all(root.join("work/.ipynb_checkpoints")).unwrap();
    for name in [
        "work/old.ipynb",
        "work/open.ipynb",
        "work/recent.ipynb",
        "work/.ipynb_checkpoints/old-checkpoint.ipynb",
    ] {
        write(&root, name, executed_notebook());
    }
    write(&root, "work/broken.ipynb", "{\"cells\": [");
    std::fs::set_permissions(
        root.join("work/old.ipynb"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    for name in [
        "work/old.ipynb",
        "work/open.ipynb",
        "work/broken.ipynb",
        "work/.ipynb_checkpoints/old-checkpoint.ipynb",
    ] {
        age(&root.join(name), 3600);
    }
    let (port, asked) = fake_server(vec!["work/open.ipynb".into()]);
    let runtime = dir.path().join("runtime");
    runtime_file(&runtime, port, &root);

    let (code, lines) = sweep(&runtime, &["--once", root.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(
        events(&lines, "stripped"),
        ["old-checkpoint.ipynb", "old.ipynb"]
    );
    assert_eq!(events(&lines, "skipped"), ["open.ipynb"]);
    assert_eq!(events(&lines, "error"), ["broken.ipynb"]);
    let round = lines.iter().find(|l| l["event"] == "round").unwrap();
    assert_eq!(round["recent"], 1);
    for l in &lines {
        assert!(l["time"].as_str().unwrap().ends_with('Z'), "{l}");
    }

    let read = |name: &str| std::fs::read_to_string(root.join(name)).unwrap();
    assert_eq!(read("work/old.ipynb"), EXECUTED_STRIPPED);
    assert_eq!(
        read("work/.ipynb_checkpoints/old-checkpoint.ipynb"),
        EXECUTED_STRIPPED
    );
    assert_eq!(read("work/open.ipynb"), executed_notebook());
    assert_eq!(read("work/recent.ipynb"), executed_notebook());
    assert_eq!(read("work/broken.ipynb"), "{\"cells\": [");
    let mode = std::fs::metadata(root.join("work/old.ipynb"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);

    // --dry-run says what it would do and writes nothing.
    write(&root, "work/again.ipynb", executed_notebook());
    age(&root.join("work/again.ipynb"), 3600);
    let (_, lines) = sweep(&runtime, &["--once", "--dry-run", root.to_str().unwrap()]);
    assert_eq!(events(&lines, "would-strip"), ["again.ipynb"]);
    assert_eq!(read("work/again.ipynb"), executed_notebook());
}

#[test]
fn a_server_that_cannot_be_asked_means_no_notebook_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("home");
    std::fs::create_dir_all(&root).unwrap();
    write(&root, "old.ipynb", executed_notebook());
    age(&root.join("old.ipynb"), 3600);
    // A port nothing listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let runtime = dir.path().join("runtime");
    runtime_file(&runtime, port, &root);
    let log = dir.path().join("sweep.log");
    let (code, lines) = sweep(
        &runtime,
        &[
            "--once",
            "--log",
            log.to_str().unwrap(),
            root.to_str().unwrap(),
        ],
    );
    assert_eq!((code, lines.len()), (0, 0), "lines go to --log");
    let logged: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let skipped = logged.iter().find(|l| l["event"] == "skipped").unwrap();
    assert!(
        skipped["reason"]
            .as_str()
            .unwrap()
            .contains("cannot be asked"),
        "{skipped}"
    );
    assert!(logged.iter().all(|l| l["event"] != "stripped"));
    assert_eq!(
        std::fs::read_to_string(root.join("old.ipynb")).unwrap(),
        executed_notebook()
    );
}

#[test]
fn one_sweeper_per_root_and_sigterm_stops_it_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("home");
    std::fs::create_dir_all(&root).unwrap();
    let runtime = dir.path().join("runtime");
    std::fs::create_dir_all(&runtime).unwrap();
    let log = dir.path().join("first.log");
    let mut first = Command::new(assert_cmd::cargo::cargo_bin("nbscrub"))
        .env("JUPYTER_RUNTIME_DIR", &runtime)
        .args(["sweep", "--interval", "1h", "--log"])
        .arg(&log)
        .arg(&root)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // Wait for its first round.
    let started = Instant::now();
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("\"round\"")
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the sweeper did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let (code, lines) = sweep(&runtime, &["--once", root.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["event"], "locked");

    // SAFETY: signalling the child this test started.
    unsafe { libc::kill(first.id() as i32, libc::SIGTERM) };
    let status = first.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.lines().last().unwrap().contains("\"stop\""), "{text}");
}

#[test]
fn with_scan_findings_are_logged_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("home");
    std::fs::create_dir_all(&root).unwrap();
    let key = "AKIAZ3MSJV4WWNKWW5FG";
    let nb = executed_notebook().replace("print('hello')", &format!("key = '{key}'"));
    write(&root, "keys.ipynb", &nb);
    age(&root.join("keys.ipynb"), 3600);
    let runtime = dir.path().join("runtime");
    std::fs::create_dir_all(&runtime).unwrap();
    let out = Command::new(assert_cmd::cargo::cargo_bin("nbscrub"))
        .env("JUPYTER_RUNTIME_DIR", &runtime)
        .args(["sweep", "--once", "--scan"])
        .arg(&root)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains(key), "{text}");
    let finding: Value = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|l| l["event"] == "finding")
        .unwrap();
    assert_eq!(finding["rule"], "aws-access-key-id");
    assert_eq!(finding["redacted"], "AKIA…W5FG");
    assert!(text.contains("\"stripped\""), "{text}");
}
