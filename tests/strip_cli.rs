//! `nbscrub strip` on real files: in-place rules, atomic writes, and every
//! kind of bad input giving one clear message while the rest is processed.

mod common;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::Path;
use std::time::{Duration, SystemTime};

use common::*;

fn set_old_mtime(path: &Path) -> SystemTime {
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_500_000_000);
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(old)
        .unwrap();
    old
}

#[test]
fn stdin_to_stdout_strips_like_nbstripout() {
    let out = nbscrub()
        .args(["strip", "-"])
        .write_stdin(executed_notebook())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), EXECUTED_STRIPPED);
}

/// Without paths, a piped notebook is read as with `-`: nbstripout's git
/// filter (`nbstripout` with no arguments) works unchanged with nbscrub.
#[test]
fn no_paths_reads_a_piped_notebook() {
    let out = nbscrub()
        .arg("strip")
        .write_stdin(executed_notebook())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), EXECUTED_STRIPPED);
    // Nothing piped in is an empty notebook, which is an error.
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("nbscrub"))
        .arg("strip")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        error_of(&out),
        "nbscrub: <stdin>: not valid JSON: unexpected end of input, expected a value at line 1, column 1\n"
    );
    assert_eq!(stdout(&out), "");
}

/// At a terminal there is nothing to read: a message, not a wait.
#[test]
fn no_paths_at_a_terminal_is_an_error() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: no `script` (util-linux) to give the command a terminal");
        return;
    }
    let bin = assert_cmd::cargo::cargo_bin("nbscrub");
    let out = std::process::Command::new("script")
        .args(["-qec", &format!("{} strip", bin.display()), "/dev/null"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stdout(&out).trim_end(),
        "nbscrub: no paths given: name notebooks or directories, or pipe a notebook in (`-` reads stdin)"
    );
}

/// `--check` on stdin: `-` listed and exit 1 when it would change, nothing
/// and 0 when it is already stripped, and nothing written either way.
#[test]
fn check_reads_stdin_and_writes_no_notebook() {
    for (args, input, code, listed) in [
        (
            &["strip", "--check", "-"][..],
            executed_notebook(),
            1,
            "-\n",
        ),
        (&["strip", "--check"][..], executed_notebook(), 1, "-\n"),
        (
            &["strip", "--check", "-"][..],
            EXECUTED_STRIPPED.to_string(),
            0,
            "",
        ),
    ] {
        let out = nbscrub().args(args).write_stdin(input).output().unwrap();
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), listed, "{args:?}");
    }
    let out = nbscrub()
        .args(["strip", "--check", "-"])
        .write_stdin("[1]")
        .output()
        .unwrap();
    assert_eq!(
        error_of(&out),
        "nbscrub: <stdin>: not a notebook: the top-level JSON value is an array, not an object\n"
    );
}

/// nbstripout's command lines run unchanged: `--dry-run` lists like
/// `--check`, and `-f` and `--unix-newlines` are accepted and change
/// nothing (a named file is stripped whatever its extension).
#[test]
fn nbstripout_flags_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let nb = write(dir.path(), "notes.json", executed_notebook());
    let out = nbscrub()
        .current_dir(dir.path())
        .args(["strip", "--dry-run", "-f", "--unix-newlines", "notes.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stdout(&out), "notes.json\n");
    assert_eq!(fs::read_to_string(&nb).unwrap(), executed_notebook());
    let out = nbscrub()
        .current_dir(dir.path())
        .args(["strip", "-f", "--unix-newlines", "notes.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(&nb).unwrap(), EXECUTED_STRIPPED);
}

#[test]
fn stdin_cannot_be_mixed_with_paths() {
    let dir = tempfile::tempdir().unwrap();
    let nb = write(dir.path(), "a.ipynb", executed_notebook());
    let out = nbscrub()
        .args(["strip", "-"])
        .arg(&nb)
        .write_stdin(executed_notebook())
        .output()
        .unwrap();
    assert_eq!(
        error_of(&out),
        "nbscrub: `-` (stdin) cannot be combined with other paths\n"
    );
    assert_eq!(fs::read_to_string(&nb).unwrap(), executed_notebook());
}

/// A shell redirect gives a file (its size known), git's clean filter a
/// pipe: either way a notebook far past the pipe's 64 KiB is read whole.
#[test]
fn stdin_reads_a_large_notebook_whole_from_a_file_or_a_pipe() {
    let lines: Vec<String> = (0..20_000).map(|i| format!("\"line {i:05}\\n\"")).collect();
    let big = executed_notebook().replace("\"hello\\n\"", &lines.join(",\n      "));
    assert!(big.len() > 300_000, "{}", big.len());
    let dir = tempfile::tempdir().unwrap();
    let nb = write(dir.path(), "big.ipynb", &big);
    let from_file = std::process::Command::new(assert_cmd::cargo::cargo_bin("nbscrub"))
        .args(["strip", "-"])
        .stdin(fs::File::open(&nb).unwrap())
        .output()
        .unwrap();
    let from_pipe = nbscrub()
        .args(["strip", "-"])
        .write_stdin(big)
        .output()
        .unwrap();
    for out in [from_file, from_pipe] {
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(stdout(&out), EXECUTED_STRIPPED);
    }
}

#[test]
fn textconv_prints_the_stripped_file_and_leaves_it() {
    let dir = tempfile::tempdir().unwrap();
    let nb = write(dir.path(), "a.ipynb", executed_notebook());
    let out = nbscrub()
        .arg("strip")
        .arg("--textconv")
        .arg(&nb)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), EXECUTED_STRIPPED);
    assert_eq!(fs::read_to_string(&nb).unwrap(), executed_notebook());
}

/// The temporary file is created with the notebook's mode, which the
/// umask may narrow (0o666 under the usual 022): what is left is set after.
#[test]
fn in_place_keeps_every_mode_whatever_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let modes = [0o666, 0o644, 0o600, 0o755, 0o640, 0o604];
    for (i, mode) in modes.iter().enumerate() {
        let nb = write(dir.path(), &format!("{i}.ipynb"), executed_notebook());
        fs::set_permissions(&nb, fs::Permissions::from_mode(*mode)).unwrap();
    }
    let out = nbscrub().arg("strip").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for (i, mode) in modes.iter().enumerate() {
        let nb = dir.path().join(format!("{i}.ipynb"));
        assert_eq!(fs::read_to_string(&nb).unwrap(), EXECUTED_STRIPPED);
        assert_eq!(
            fs::metadata(&nb).unwrap().mode() & 0o7777,
            *mode,
            "{i}.ipynb"
        );
    }
    assert!(temp_files(dir.path()).is_empty());
}

#[test]
fn in_place_strips_keeps_mode_and_leaves_no_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let nb = write(dir.path(), "a.ipynb", executed_notebook());
    fs::set_permissions(&nb, fs::Permissions::from_mode(0o640)).unwrap();
    let out = nbscrub().arg("strip").arg(&nb).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(&nb).unwrap(), EXECUTED_STRIPPED);
    assert_eq!(fs::metadata(&nb).unwrap().mode() & 0o7777, 0o640);
    assert!(temp_files(dir.path()).is_empty());
}

#[test]
fn in_place_keeps_the_owner_when_run_as_root() {
    if unsafe { libc::geteuid() } != 0 {
        return; // only root can give a file to someone else
    }
    let dir = tempfile::tempdir().unwrap();
    let nb = write(dir.path(), "a.ipynb", executed_notebook());
    std::os::unix::fs::chown(&nb, Some(65534), Some(65534)).unwrap();
    let out = nbscrub().arg("strip").arg(&nb).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let meta = fs::metadata(&nb).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (65534, 65534));
    assert_eq!(fs::read_to_string(&nb).unwrap(), EXECUTED_STRIPPED);
}

#[test]
fn nothing_to_strip_keeps_bytes_and_mtime_whatever_the_format() {
    let dir = tempfile::tempdir().unwrap();
    // Clean, but formatted unlike nbformat: indent 2, unsorted keys, escapes.
    let clean = "{\"nbformat\": 4, \"nbformat_minor\": 4, \"metadata\": {\"x\": 1E5},\n  \"cells\": [{\"cell_type\": \"code\", \"source\": \"a = '\\u00e9'\", \"metadata\": {}, \"outputs\": [], \"execution_count\": null}]}";
    let nb = write(dir.path(), "clean.ipynb", clean);
    let old = set_old_mtime(&nb);
    for args in [vec!["strip"], vec!["strip", "--check"]] {
        let out = nbscrub().args(&args).arg(&nb).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "");
    }
    assert_eq!(fs::read_to_string(&nb).unwrap(), clean);
    assert_eq!(fs::metadata(&nb).unwrap().modified().unwrap(), old);
}

#[test]
fn check_lists_files_that_would_change_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let dirty = write(dir.path(), "dirty.ipynb", executed_notebook());
    write(dir.path(), "clean.ipynb", EXECUTED_STRIPPED);
    let out = nbscrub()
        .args(["strip", "--check"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), format!("{}\n", dirty.display()));
    assert_eq!(fs::read_to_string(&dirty).unwrap(), executed_notebook());
}

#[test]
fn symlink_is_written_through_to_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let target = write(dir.path(), "real.ipynb", executed_notebook());
    let link = dir.path().join("link.ipynb");
    symlink("real.ipynb", &link).unwrap();
    let out = nbscrub().arg("strip").arg(&link).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read_to_string(&target).unwrap(), EXECUTED_STRIPPED);
}

/// A batch of many notebooks syncs its filesystem once; a notebook reached
/// through a symlink onto another filesystem (here /dev/shm, where there is
/// one apart from the temporary directory's) is synced on its own. Both end
/// stripped, with their modes, and no temporary file is left in either place.
#[test]
fn a_batch_strips_notebooks_on_its_filesystem_and_beyond_a_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let mut notebooks: Vec<_> = (0..12)
        .map(|i| write(dir.path(), &format!("nb{i:02}.ipynb"), executed_notebook()))
        .collect();
    fs::set_permissions(&notebooks[3], fs::Permissions::from_mode(0o600)).unwrap();
    let elsewhere = Path::new("/dev/shm")
        .is_dir()
        .then(|| tempfile::tempdir_in("/dev/shm").unwrap());
    if let Some(other) = &elsewhere {
        let target = write(other.path(), "far.ipynb", executed_notebook());
        symlink(&target, dir.path().join("link.ipynb")).unwrap();
        notebooks.push(target);
    }
    let out = nbscrub().arg("strip").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for nb in &notebooks {
        assert_eq!(fs::read_to_string(nb).unwrap(), EXECUTED_STRIPPED, "{nb:?}");
    }
    assert_eq!(fs::metadata(&notebooks[3]).unwrap().mode() & 0o7777, 0o600);
    assert_eq!(temp_files(dir.path()), Vec::<String>::new());
    if let Some(other) = &elsewhere {
        assert_eq!(temp_files(other.path()), Vec::<String>::new());
    }
}

/// A batch prepares every rewrite before it renames any: a notebook named
/// twice (through a symlink, or twice over) is still one file to strip.
#[test]
fn one_notebook_under_several_names_is_stripped_once() {
    let dir = tempfile::tempdir().unwrap();
    let target = write(dir.path(), "real.ipynb", executed_notebook());
    symlink("real.ipynb", dir.path().join("link.ipynb")).unwrap();
    let out = nbscrub()
        .current_dir(dir.path())
        .args(["strip", "real.ipynb", "link.ipynb", "./real.ipynb"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    assert_eq!(fs::read_to_string(&target).unwrap(), EXECUTED_STRIPPED);
    assert_eq!(temp_files(dir.path()), Vec::<String>::new());
}

#[test]
fn directories_recurse_honour_gitignore_and_skip_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("sub/deeper")).unwrap();
    fs::create_dir_all(root.join("ignored")).unwrap();
    fs::create_dir_all(root.join(".ipynb_checkpoints")).unwrap();
    fs::write(root.join(".gitignore"), "ignored/\n").unwrap();
    let wanted = write(&root.join("sub/deeper"), "a.ipynb", executed_notebook());
    let ignored = write(&root.join("ignored"), "b.ipynb", executed_notebook());
    let checkpoint = write(
        &root.join(".ipynb_checkpoints"),
        "a-checkpoint.ipynb",
        executed_notebook(),
    );
    let other = write(root, "notes.txt", "not a notebook");
    let out = nbscrub().arg("strip").arg(root).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(&wanted).unwrap(), EXECUTED_STRIPPED);
    for untouched in [&ignored, &checkpoint] {
        assert_eq!(fs::read_to_string(untouched).unwrap(), executed_notebook());
    }
    assert_eq!(fs::read_to_string(&other).unwrap(), "not a notebook");
}

/// Each bad file gets one message naming it; the good file beside it is
/// still stripped; bad files keep their bytes; the exit code is 2.
#[test]
fn bad_inputs_are_reported_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("invalid.ipynb", b"{\"cells\": [}".to_vec(), "invalid.ipynb: not valid JSON: expected a value at line 1, column 12"),
        ("truncated.ipynb", executed_notebook().as_bytes()[..120].to_vec(), "truncated.ipynb: not valid JSON: unexpected end of input inside an object at line 8, column 3"),
        ("latin1.ipynb", b"{\"cells\": [], \"metadata\": {\"a\": \"caf\xe9\"}}".to_vec(), "latin1.ipynb: not valid UTF-8 (first bad byte at offset 36)"),
        ("array.ipynb", b"[1, 2]".to_vec(), "array.ipynb: not a notebook: the top-level JSON value is an array, not an object"),
        ("nocells.ipynb", b"{\"metadata\": {}, \"nbformat\": 4, \"nbformat_minor\": 5}".to_vec(), "nocells.ipynb: notebook has no `cells`"),
        ("future.ipynb", b"{\"cells\": [], \"metadata\": {}, \"nbformat\": 5, \"nbformat_minor\": 0}".to_vec(), "future.ipynb: unsupported nbformat version 5"),
        ("surrogate.ipynb", br#"{"cells": [{"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [], "source": "x = '\ud800'"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}"#.to_vec(), "surrogate.ipynb: holds a lone surrogate escape (such as \\ud800) where it must be written, and UTF-8 cannot hold one"),
        ("bom.ipynb", [b"\xef\xbb\xbf".as_slice(), EXECUTED_STRIPPED.as_bytes()].concat(), "bom.ipynb: starts with a UTF-8 byte-order mark, which Jupyter cannot read; remove its first 3 bytes"),
        ("empty.ipynb", Vec::new(), "empty.ipynb: not valid JSON: unexpected end of input, expected a value at line 1, column 1"),
    ];
    for (name, bytes, _) in &cases {
        write(d, name, bytes);
    }
    let good = write(d, "good.ipynb", executed_notebook());
    let missing = d.join("missing.ipynb");
    let out = nbscrub()
        .arg("strip")
        .arg(d)
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    for (name, bytes, message) in &cases {
        let line = format!("nbscrub: {}/{message}", d.display());
        assert!(
            err.lines().any(|l| l == line),
            "missing `{line}` in:\n{err}"
        );
        assert_eq!(
            &fs::read(d.join(name)).unwrap(),
            bytes,
            "{name} was modified"
        );
    }
    let line = format!("nbscrub: {}: no such file or directory", missing.display());
    assert!(err.lines().any(|l| l == line), "{err}");
    assert_eq!(
        err.lines().count(),
        cases.len() + 1,
        "one line per problem:\n{err}"
    );
    assert_eq!(fs::read_to_string(&good).unwrap(), EXECUTED_STRIPPED);
    assert!(temp_files(d).is_empty());
}

/// Python reads a lone surrogate and fails only to write it: in an output
/// that stripping deletes it is no problem, as for nbstripout.
#[test]
fn lone_surrogate_in_a_deleted_output_is_stripped() {
    let nb = r#"{"cells": [{"cell_type": "code", "execution_count": 1, "id": "0", "metadata": {}, "outputs": [{"name": "stdout", "output_type": "stream", "text": "\udc00"}], "source": []}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}"#;
    let out = nbscrub()
        .args(["strip", "-"])
        .write_stdin(nb)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("\"outputs\": [],"));
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "a.ipynb", nb);
    let out = nbscrub()
        .args(["strip", "--check"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn bad_stdin_writes_nothing_to_stdout() {
    let out = nbscrub()
        .args(["strip", "-"])
        .write_stdin("{\"cells\": ")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "nbscrub: <stdin>: not valid JSON: unexpected end of input, expected a value at line 1, column 11\n"
    );
}

#[test]
fn a_directory_without_notebooks_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "readme.md", "hi");
    let out = nbscrub().arg("strip").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!(
            "nbscrub: {}: no .ipynb files in this directory\n",
            dir.path().display()
        )
    );
}

/// Permission errors need a user the kernel checks: as root, the test drops
/// to `nobody` with setpriv.
#[test]
fn unreadable_and_unwritable_files_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::set_permissions(d, fs::Permissions::from_mode(0o755)).unwrap();
    let unreadable = write(d, "secret.ipynb", executed_notebook());
    fs::set_permissions(&unreadable, fs::Permissions::from_mode(0o000)).unwrap();
    let readonly_dir = d.join("ro");
    fs::create_dir(&readonly_dir).unwrap();
    let in_ro = write(&readonly_dir, "a.ipynb", executed_notebook());
    fs::set_permissions(&in_ro, fs::Permissions::from_mode(0o666)).unwrap();
    fs::set_permissions(&readonly_dir, fs::Permissions::from_mode(0o555)).unwrap();

    let mut cmd = common::unprivileged();
    let out = cmd
        .arg("strip")
        .arg(&unreadable)
        .arg(&in_ro)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "nbscrub: {}: permission denied\n",
            unreadable.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "nbscrub: {}: permission denied\n",
            in_ro.display()
        )),
        "{err}"
    );
    fs::set_permissions(&readonly_dir, fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(fs::read_to_string(&in_ro).unwrap(), executed_notebook());
    assert!(temp_files(&readonly_dir).is_empty());
}

#[test]
fn keep_format_keeps_a_colab_files_style() {
    let colab = "{\n  \"nbformat\": 4,\n  \"nbformat_minor\": 0,\n  \"metadata\": {\n    \"colab\": {\n      \"provenance\": []\n    }\n  },\n  \"cells\": [\n    {\n      \"cell_type\": \"code\",\n      \"source\": [\n        \"x = 1e-5\\n\",\n        \"print(x)\"\n      ],\n      \"metadata\": {\n        \"id\": \"AbC\",\n        \"outputId\": \"f00\"\n      },\n      \"execution_count\": 2,\n      \"outputs\": [\n        {\n          \"output_type\": \"stream\",\n          \"name\": \"stdout\",\n          \"text\": [\n            \"1e-05\\n\"\n          ]\n        }\n      ]\n    }\n  ]\n}";
    let want = "{\n  \"nbformat\": 4,\n  \"nbformat_minor\": 0,\n  \"metadata\": {\n    \"colab\": {\n      \"provenance\": []\n    }\n  },\n  \"cells\": [\n    {\n      \"cell_type\": \"code\",\n      \"source\": [\n        \"x = 1e-5\\n\",\n        \"print(x)\"\n      ],\n      \"metadata\": {\n        \"id\": \"AbC\",\n        \"outputId\": \"f00\"\n      },\n      \"execution_count\": null,\n      \"outputs\": []\n    }\n  ]\n}";
    let out = nbscrub()
        .args(["strip", "--keep-format", "-"])
        .write_stdin(colab)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), want);
}

#[test]
fn usage_errors_exit_2() {
    let out = nbscrub()
        .args(["strip", "--max-size", "lots", "x.ipynb"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "nbscrub: --max-size: `lots` is not a size (e.g. 500, 10k, 2M)\n"
    );
    let out = nbscrub().arg("strip").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Ctrl-C during a batch: every notebook is either as it was or stripped,
/// no temporary file is left, and the run says so and exits 2. A FIFO
/// named like a notebook holds the batch in its first round (prepared, not
/// yet renamed) until the signal has arrived.
#[test]
fn interrupted_batch_leaves_every_notebook_whole() {
    let dir = tempfile::tempdir().unwrap();
    let original = executed_notebook();
    let names: Vec<String> = (0..6).map(|i| format!("nb{i}.ipynb")).collect();
    for name in &names {
        write(dir.path(), name, &original);
    }
    let fifo = dir.path().join("zz-fifo.ipynb");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("nbscrub"))
        .current_dir(dir.path())
        .env("RAYON_NUM_THREADS", "8")
        .arg("strip")
        .args(&names)
        .arg("zz-fifo.ipynb")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Every real notebook waits in a temporary file once the batch is held.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while temp_files(dir.path()).len() < names.len() {
        assert!(
            std::time::Instant::now() < deadline,
            "the batch never got to its renames"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    // Let the held read finish: the process must now stop, not rename.
    fs::write(&fifo, &original).unwrap();
    let out = child.wait_with_output().unwrap();
    let err = error_of(&out);
    assert_eq!(
        err,
        "nbscrub: interrupted; 7 of 7 notebooks left as they were\n"
    );
    for name in &names {
        assert_eq!(fs::read_to_string(dir.path().join(name)).unwrap(), original);
    }
    assert_eq!(temp_files(dir.path()), Vec::<String>::new());
}
