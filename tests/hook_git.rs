//! The pre-commit hook in real repositories: `git init`, `nbscrub install`,
//! real `git commit`s.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

use common::{EXECUTED_STRIPPED, error_in, error_of, executed_notebook, nbscrub, stderr, stdout};

fn stripped_notebook() -> String {
    EXECUTED_STRIPPED.to_owned()
}

const AWS_ID: &str = "AKIAZ3MSJV4WWNKWW5FG";
const AWS_SECRET: &str = "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";

fn git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@t")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@t")
        .output()
        .unwrap()
}

fn git_ok(dir: &Path, args: &[&str]) -> String {
    let out = git(dir, args);
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    stdout(&out)
}

/// A repository with the hook installed.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git_ok(dir.path(), &["init", "-q", "-b", "main"]);
    let out = nbscrub()
        .current_dir(dir.path())
        .arg("install")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    dir
}

fn head_file(dir: &Path, path: &str) -> String {
    git_ok(dir, &["show", &format!("HEAD:{path}")])
}

#[test]
fn a_staged_notebook_is_committed_stripped_on_the_first_commit() {
    let dir = repo();
    let d = dir.path();
    fs::write(d.join("nb.ipynb"), executed_notebook()).unwrap();
    git_ok(d, &["add", "nb.ipynb"]);
    let out = git(d, &["commit", "-q", "-m", "first"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nbscrub: stripped nb.ipynb"),
        "{}",
        stderr(&out)
    );
    assert_eq!(head_file(d, "nb.ipynb"), stripped_notebook());
    // The work-tree file was what was staged, so it is stripped too, and
    // nothing is left to commit.
    assert_eq!(
        fs::read_to_string(d.join("nb.ipynb")).unwrap(),
        stripped_notebook()
    );
    assert_eq!(git_ok(d, &["status", "--porcelain"]), "");
}

#[test]
fn partial_staging_keeps_the_unstaged_edits() {
    let dir = repo();
    let d = dir.path();
    fs::write(d.join("nb.ipynb"), stripped_notebook()).unwrap();
    git_ok(d, &["add", "nb.ipynb"]);
    git_ok(d, &["commit", "-q", "-m", "first"]);

    // Stage an executed, edited version, then keep editing without staging.
    let staged = executed_notebook().replace("hello", "staged");
    fs::write(d.join("nb.ipynb"), &staged).unwrap();
    git_ok(d, &["add", "nb.ipynb"]);
    let unstaged = executed_notebook().replace("hello", "work in progress");
    fs::write(d.join("nb.ipynb"), &unstaged).unwrap();

    let out = git(d, &["commit", "-q", "-m", "second"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        head_file(d, "nb.ipynb"),
        stripped_notebook().replace("hello", "staged")
    );
    // The unstaged edits are still there, outputs and all.
    assert_eq!(fs::read_to_string(d.join("nb.ipynb")).unwrap(), unstaged);
}

#[test]
fn commit_all_and_commit_file_strip_too() {
    let dir = repo();
    let d = dir.path();
    fs::write(d.join("a.ipynb"), stripped_notebook()).unwrap();
    fs::write(d.join("b.ipynb"), stripped_notebook()).unwrap();
    git_ok(d, &["add", "."]);
    git_ok(d, &["commit", "-q", "-m", "first"]);

    let changed = |name: &str| executed_notebook().replace("hello", name);
    fs::write(d.join("a.ipynb"), changed("from -a")).unwrap();
    let out = git(d, &["commit", "-q", "-a", "-m", "all"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let expected_a = stripped_notebook().replace("hello", "from -a");
    assert_eq!(head_file(d, "a.ipynb"), expected_a);

    fs::write(d.join("b.ipynb"), changed("from FILE")).unwrap();
    let out = git(d, &["commit", "-q", "-m", "only b", "b.ipynb"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let expected_b = stripped_notebook().replace("hello", "from FILE");
    assert_eq!(head_file(d, "b.ipynb"), expected_b);
}

#[test]
fn a_staged_aws_key_pair_stops_the_commit_and_is_not_printed() {
    let dir = repo();
    let d = dir.path();
    fs::write(d.join("README.md"), "hello\n").unwrap();
    git_ok(d, &["add", "."]);
    git_ok(d, &["commit", "-q", "-m", "first"]);
    fs::create_dir(d.join("my dir é")).unwrap();
    fs::write(
        d.join("my dir é/config.py"),
        format!("aws_access_key_id = \"{AWS_ID}\"\naws_secret_access_key = \"{AWS_SECRET}\"\n"),
    )
    .unwrap();
    git_ok(d, &["add", "."]);
    let out = git(d, &["commit", "-q", "-m", "oops"]);
    assert!(!out.status.success());
    let all = stdout(&out) + &stderr(&out);
    assert!(
        all.contains("my dir é/config.py:1:22: aws-access-key-id AKIA…W5FG"),
        "{all}"
    );
    assert!(
        all.contains("my dir é/config.py:2:26: aws-secret-access-key 9cW7…8iQw"),
        "{all}"
    );
    assert!(all.contains("git commit --no-verify"), "{all}");
    assert!(!all.contains(AWS_ID) && !all.contains(AWS_SECRET), "{all}");
    assert_eq!(git_ok(d, &["log", "--format=%s"]), "first\n");
}

#[test]
fn a_foreign_hook_is_chained_and_restored() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git_ok(d, &["init", "-q", "-b", "main"]);
    let hooks = d.join(".git/hooks");
    fs::create_dir_all(&hooks).unwrap();
    let foreign = "#!/bin/sh\necho ran >> \"$(git rev-parse --show-toplevel)/foreign.log\"\n";
    fs::write(hooks.join("pre-commit"), foreign).unwrap();
    fs::set_permissions(hooks.join("pre-commit"), fs::Permissions::from_mode(0o755)).unwrap();

    for _ in 0..2 {
        // Installing twice changes nothing the second time.
        let out = nbscrub().current_dir(d).arg("install").output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let status = nbscrub().current_dir(d).arg("status").output().unwrap();
    assert!(
        stdout(&status).contains("installed at"),
        "{}",
        stdout(&status)
    );
    assert!(stdout(&status).contains("pre-commit.before-nbscrub"));

    fs::write(d.join("nb.ipynb"), executed_notebook()).unwrap();
    git_ok(d, &["add", "nb.ipynb"]);
    let out = git(d, &["commit", "-q", "-m", "first"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(head_file(d, "nb.ipynb"), stripped_notebook());
    assert_eq!(fs::read_to_string(d.join("foreign.log")).unwrap(), "ran\n");

    let out = nbscrub().current_dir(d).arg("uninstall").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        fs::read_to_string(hooks.join("pre-commit")).unwrap(),
        foreign
    );
    assert!(!hooks.join("pre-commit.before-nbscrub").exists());
    let status = nbscrub().current_dir(d).arg("status").output().unwrap();
    assert!(
        stdout(&status).contains("not installed"),
        "{}",
        stdout(&status)
    );
}

#[test]
fn core_hooks_path_is_respected() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git_ok(d, &["init", "-q", "-b", "main"]);
    git_ok(d, &["config", "core.hooksPath", "githooks"]);
    let out = nbscrub().current_dir(d).arg("install").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(d.join("githooks/pre-commit").exists());
    assert!(!d.join(".git/hooks/pre-commit").exists());
}

#[test]
fn scan_staged_reads_the_index_not_the_work_tree() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git_ok(d, &["init", "-q", "-b", "main"]);
    fs::write(d.join("app.py"), format!("key = \"{AWS_ID}\"\n")).unwrap();
    git_ok(d, &["add", "app.py"]);
    // The work tree no longer has the key; the index still does.
    fs::write(
        d.join("app.py"),
        "key = os.environ[\"AWS_ACCESS_KEY_ID\"]\n",
    )
    .unwrap();

    let staged = nbscrub()
        .current_dir(d)
        .args(["scan", "--staged", "--format", "jsonl"])
        .output()
        .unwrap();
    assert_eq!(staged.status.code(), Some(1), "{}", stderr(&staged));
    let line: serde_json::Value = serde_json::from_str(stdout(&staged).trim()).unwrap();
    assert_eq!(line["path"], "app.py");
    assert_eq!(line["rule"], "aws-access-key-id");
    assert_eq!(
        (line["line"].as_u64(), line["column"].as_u64()),
        (Some(1), Some(8))
    );

    let work_tree = nbscrub()
        .current_dir(d)
        .args(["scan", "app.py"])
        .output()
        .unwrap();
    assert_eq!(work_tree.status.code(), Some(0), "{}", stdout(&work_tree));

    // Outside a repository: a clear error.
    let outside = tempfile::tempdir().unwrap();
    let out = nbscrub()
        .current_dir(outside.path())
        .args(["scan", "--staged"])
        .env("GIT_CEILING_DIRECTORIES", outside.path().parent().unwrap())
        .output()
        .unwrap();
    let err = error_of(&out);
    assert!(err.contains("not a git repository"), "{err}");
}

#[test]
fn the_filter_install_strips_on_git_add_and_uninstalls() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git_ok(d, &["init", "-q", "-b", "main"]);
    for _ in 0..2 {
        let out = nbscrub()
            .current_dir(d)
            .args(["install", "--filter", "--attributes", ".gitattributes"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    // Installed twice, written once.
    assert_eq!(
        fs::read_to_string(d.join(".gitattributes")).unwrap(),
        "*.ipynb filter=nbscrub diff=ipynb\n"
    );
    fs::write(d.join("nb.ipynb"), executed_notebook()).unwrap();
    git_ok(d, &["add", "nb.ipynb"]);
    assert_eq!(git_ok(d, &["show", ":nb.ipynb"]), stripped_notebook());
    // The work tree keeps its outputs; only what git stores is stripped.
    assert_eq!(
        fs::read_to_string(d.join("nb.ipynb")).unwrap(),
        executed_notebook()
    );
    let status = nbscrub().current_dir(d).arg("status").output().unwrap();
    assert!(
        stdout(&status).contains("clean filter: '"),
        "{}",
        stdout(&status)
    );

    let out = nbscrub()
        .current_dir(d)
        .args(["uninstall", "--filter", "--attributes", ".gitattributes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(d.join(".gitattributes")).unwrap(), "");
    assert!(
        !git(d, &["config", "--get", "filter.nbscrub.clean"])
            .status
            .success()
    );
}

/// Runs `nbscrub scan --git-history` with `extra` arguments: the findings
/// as (path, line, rule, commit).
fn history(d: &Path, extra: &[&str]) -> Vec<(String, u64, String, String)> {
    let out = nbscrub()
        .current_dir(d)
        .args(["scan", "--format", "json", "--git-history"])
        .args(extra)
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut found: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_owned(),
                f["commit"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn history_finds_a_removed_secret_once_with_the_commit_that_added_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git_ok(d, &["init", "-q", "-b", "main"]);
    let commit = |msg: &str| {
        git_ok(d, &["add", "-A"]);
        git_ok(d, &["commit", "-q", "-m", msg]);
        git_ok(d, &["rev-parse", "HEAD"]).trim().to_owned()
    };
    fs::write(d.join("README.md"), "hello\n").unwrap();
    commit("start");
    fs::write(
        d.join("config.py"),
        format!("region = 'eu'\nkey = \"{AWS_ID}\"\n"),
    )
    .unwrap();
    let added = commit("add config");
    // The same content again under another name: the same blob, one finding.
    fs::write(
        d.join("copy.py"),
        format!("region = 'eu'\nkey = \"{AWS_ID}\"\n"),
    )
    .unwrap();
    let copied = commit("copy");
    fs::remove_file(d.join("config.py")).unwrap();
    fs::remove_file(d.join("copy.py")).unwrap();
    commit("remove the key");
    for i in 0..3 {
        fs::write(d.join("README.md"), format!("hello {i}\n")).unwrap();
        commit("more");
    }
    let all = history(d, &[]);
    assert_eq!(
        all,
        [(
            "config.py".to_owned(),
            2,
            "aws-access-key-id".to_owned(),
            added.clone()
        )]
    );
    // Work tree scans no longer see it.
    let now = nbscrub()
        .current_dir(d)
        .args(["scan", "."])
        .output()
        .unwrap();
    assert_eq!(now.status.code(), Some(0), "{}", stdout(&now));

    let mut shards = history(d, &["--shard", "1/2"]);
    shards.extend(history(d, &["--shard", "2/2"]));
    shards.sort();
    assert_eq!(shards, all);
    // Revisions limit the history: from the commit after the first one,
    // the copy is where the blob first appears; after that, nowhere.
    assert_eq!(
        history(d, &[&format!("{added}..HEAD")]),
        [(
            "copy.py".to_owned(),
            2,
            "aws-access-key-id".to_owned(),
            copied.clone()
        )]
    );
    assert!(history(d, &[&format!("{copied}..HEAD")]).is_empty());

    let err = error_in(d, &["scan", "--git-history", "--shard", "3/2"]);
    assert!(
        err.contains("--shard: 3/2: K must be between 1 and N"),
        "{err}"
    );
}

/// Renames, deletions, symlinks, submodules, Git LFS pointers, a merge and
/// a linked worktree, in one repository.
#[test]
fn the_hook_handles_the_shapes_a_commit_can_take() {
    let dir = repo();
    let d = dir.path();
    fs::write(d.join("old.ipynb"), stripped_notebook()).unwrap();
    fs::write(d.join("gone.txt"), "bye\n").unwrap();
    git_ok(d, &["add", "."]);
    git_ok(d, &["commit", "-q", "-m", "first"]);

    // A rename with new outputs, a deletion, a symlink to a notebook and an
    // LFS pointer named like a notebook, in one commit.
    git_ok(d, &["mv", "old.ipynb", "new.ipynb"]);
    fs::write(d.join("new.ipynb"), executed_notebook()).unwrap();
    git_ok(d, &["rm", "-q", "gone.txt"]);
    std::os::unix::fs::symlink("new.ipynb", d.join("link.ipynb")).unwrap();
    let pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n";
    fs::write(d.join("big.ipynb"), pointer).unwrap();
    git_ok(d, &["add", "-A"]);
    let out = git(d, &["commit", "-q", "-m", "shapes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(head_file(d, "new.ipynb"), stripped_notebook());
    assert_eq!(head_file(d, "big.ipynb"), pointer);
    assert_eq!(
        git_ok(d, &["ls-files", "-s", "link.ipynb"])
            .split(' ')
            .next(),
        Some("120000")
    );

    // A submodule: its entry is a commit, not a blob, and is left alone.
    let sub = tempfile::tempdir().unwrap();
    git_ok(sub.path(), &["init", "-q", "-b", "main"]);
    fs::write(sub.path().join("x.txt"), "x\n").unwrap();
    git_ok(sub.path(), &["add", "."]);
    git_ok(sub.path(), &["commit", "-q", "-m", "sub"]);
    let sub_url = sub.path().to_string_lossy().into_owned();
    git_ok(
        d,
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            &sub_url,
            "vendor/sub",
        ],
    );
    let out = git(d, &["commit", "-q", "-m", "submodule"]);
    assert!(out.status.success(), "{}", stderr(&out));

    // A merge whose conflict is resolved with an executed notebook.
    git_ok(d, &["checkout", "-q", "-b", "side"]);
    fs::write(
        d.join("new.ipynb"),
        stripped_notebook().replace("hello", "side"),
    )
    .unwrap();
    git_ok(d, &["commit", "-q", "-am", "side"]);
    git_ok(d, &["checkout", "-q", "main"]);
    fs::write(
        d.join("new.ipynb"),
        stripped_notebook().replace("hello", "main"),
    )
    .unwrap();
    git_ok(d, &["commit", "-q", "-am", "main"]);
    assert!(!git(d, &["merge", "-q", "side"]).status.success());
    fs::write(
        d.join("new.ipynb"),
        executed_notebook().replace("hello", "merged"),
    )
    .unwrap();
    git_ok(d, &["add", "new.ipynb"]);
    let out = git(d, &["commit", "-q", "--no-edit"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        git_ok(d, &["rev-list", "--parents", "-n", "1", "HEAD"])
            .split(' ')
            .count(),
        3
    );
    assert_eq!(
        head_file(d, "new.ipynb"),
        stripped_notebook().replace("hello", "merged")
    );

    // A linked worktree shares the hook and has an index of its own.
    let wt = d.join("../wt-".to_owned() + &d.file_name().unwrap().to_string_lossy());
    git_ok(
        d,
        &["worktree", "add", "-q", wt.to_str().unwrap(), "-b", "wt"],
    );
    fs::write(wt.join("w.ipynb"), executed_notebook()).unwrap();
    git_ok(&wt, &["add", "w.ipynb"]);
    let out = git(&wt, &["commit", "-q", "-m", "in a worktree"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(git_ok(&wt, &["show", "HEAD:w.ipynb"]), stripped_notebook());
    let _ = fs::remove_dir_all(&wt);
}

#[test]
fn the_global_filter_install_writes_the_users_config_and_attributes() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git_ok(d, &["init", "-q", "-b", "main"]);
    let run = |verb: &str| {
        let out = nbscrub()
            .current_dir(d)
            .args([verb, "--filter", "--global"])
            .env("HOME", home.path())
            .env_remove("XDG_CONFIG_HOME")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    };
    run("install");
    let config = fs::read_to_string(home.path().join(".gitconfig")).unwrap();
    assert!(config.contains("[filter \"nbscrub\"]"), "{config}");
    assert!(config.contains("textconv = "), "{config}");
    let attributes = home.path().join(".config/git/attributes");
    assert_eq!(
        fs::read_to_string(&attributes).unwrap(),
        "*.ipynb filter=nbscrub diff=ipynb\n"
    );
    assert!(
        !d.join(".git/info/attributes").exists()
            || !fs::read_to_string(d.join(".git/info/attributes"))
                .unwrap()
                .contains("nbscrub")
    );
    run("uninstall");
    assert_eq!(fs::read_to_string(&attributes).unwrap(), "");
    let config = fs::read_to_string(home.path().join(".gitconfig")).unwrap();
    assert!(!config.contains("nbscrub strip"), "{config}");
}
