//! `nbscrub install | uninstall | status`: the pre-commit hook, chaining a
//! hook that was there before rather than overwriting it.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::Exit;
use crate::cli::InstallArgs;
use crate::git::Repo;

const SCRIPT: &str = include_str!("../../hooks/pre-commit");
/// The line that marks a hook as ours.
const MARK: &str = "# nbscrub pre-commit hook";
const CHAINED: &str = "pre-commit.before-nbscrub";

struct Hooks {
    hook: PathBuf,
    chained: PathBuf,
}

fn hooks() -> Result<Hooks, String> {
    let repo = Repo::discover().map_err(|e| e.to_string())?;
    let dir = repo.hooks_dir().map_err(|e| e.to_string())?;
    Ok(Hooks {
        hook: dir.join("pre-commit"),
        chained: dir.join(CHAINED),
    })
}

fn is_ours(path: &Path) -> bool {
    fs::read_to_string(path).is_ok_and(|s| s.contains(MARK))
}

fn fail(message: String) -> Exit {
    eprintln!("nbscrub: {message}");
    Exit::Error
}

pub fn install(args: &InstallArgs) -> Exit {
    if args.filter {
        return install_filter(args);
    }
    let h = match hooks() {
        Ok(h) => h,
        Err(e) => return fail(e),
    };
    let script = SCRIPT.replace("@NBSCRUB@", &quoted_exe().replace('\'', "'\\''"));
    if let Some(dir) = h.hook.parent()
        && let Err(e) = fs::create_dir_all(dir)
    {
        return fail(format!("{}: {}", dir.display(), crate::io_message(&e)));
    }
    let existed = h.hook.symlink_metadata().is_ok();
    if existed && !is_ours(&h.hook) {
        if h.chained.symlink_metadata().is_ok() {
            return fail(format!(
                "{} exists and so does {}; move one of them away first",
                h.hook.display(),
                h.chained.display()
            ));
        }
        if let Err(e) = fs::rename(&h.hook, &h.chained) {
            return fail(format!("{}: {}", h.hook.display(), crate::io_message(&e)));
        }
        println!(
            "nbscrub: the existing pre-commit hook moved to {}; it still runs after nbscrub's",
            h.chained.display()
        );
    }
    let write = crate::atomic::write(&h.hook, script.as_bytes()).map_err(|e| e.to_string());
    let chmod = || fs::set_permissions(&h.hook, fs::Permissions::from_mode(0o755));
    if let Err(e) = write.and_then(|()| chmod().map_err(|e| crate::io_message(&e))) {
        return fail(format!("{}: {e}", h.hook.display()));
    }
    println!("nbscrub: pre-commit hook installed at {}", h.hook.display());
    Exit::Clean
}

pub fn uninstall(args: &InstallArgs) -> Exit {
    if args.filter {
        return uninstall_filter(args);
    }
    let h = match hooks() {
        Ok(h) => h,
        Err(e) => return fail(e),
    };
    if !is_ours(&h.hook) {
        println!(
            "nbscrub: no nbscrub pre-commit hook at {}",
            h.hook.display()
        );
        return Exit::Clean;
    }
    if let Err(e) = fs::remove_file(&h.hook) {
        return fail(format!("{}: {}", h.hook.display(), crate::io_message(&e)));
    }
    if h.chained.symlink_metadata().is_ok() {
        if let Err(e) = fs::rename(&h.chained, &h.hook) {
            return fail(format!(
                "{}: {}",
                h.chained.display(),
                crate::io_message(&e)
            ));
        }
        println!(
            "nbscrub: removed; the previous hook is back at {}",
            h.hook.display()
        );
    } else {
        println!("nbscrub: removed {}", h.hook.display());
    }
    Exit::Clean
}

/// This binary's path (so hooks and filters run the nbscrub that installed
/// them), or `nbscrub` from PATH when it cannot be known.
fn quoted_exe() -> String {
    std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "nbscrub".into())
}

/// The attributes line that routes notebooks through the filter.
const ATTRIBUTES: &str = "*.ipynb filter=nbscrub diff=ipynb";

fn filter_places(args: &InstallArgs) -> Result<(Repo, PathBuf), String> {
    let repo = Repo::discover().map_err(|e| e.to_string())?;
    let attributes = match &args.attributes {
        Some(path) => repo.top.join(path),
        None => repo
            .attributes_file(args.global)
            .map_err(|e| e.to_string())?,
    };
    Ok((repo, attributes))
}

fn install_filter(args: &InstallArgs) -> Exit {
    let (repo, attributes) = match filter_places(args) {
        Ok(places) => places,
        Err(e) => return fail(e),
    };
    let exe = format!("'{}'", quoted_exe().replace('\'', "'\\''"));
    let settings = [
        ("filter.nbscrub.clean", format!("{exe} strip -")),
        ("filter.nbscrub.smudge", "cat".to_owned()),
        ("diff.ipynb.textconv", format!("{exe} strip --textconv")),
    ];
    for (key, value) in &settings {
        if let Err(e) = repo.config_set(args.global, key, value) {
            return fail(e.to_string());
        }
    }
    let current = fs::read_to_string(&attributes).unwrap_or_default();
    if !current.lines().any(|l| l.trim() == ATTRIBUTES) {
        let mut text = current;
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(ATTRIBUTES);
        text.push('\n');
        if let Some(dir) = attributes.parent() {
            let _ = fs::create_dir_all(dir);
        }
        if let Err(e) = crate::atomic::write(&attributes, text.as_bytes()) {
            return fail(format!("{}: {e}", attributes.display()));
        }
    }
    println!(
        "nbscrub: clean filter and diff textconv installed; notebooks are routed through them by {}",
        attributes.display()
    );
    Exit::Clean
}

fn uninstall_filter(args: &InstallArgs) -> Exit {
    let (repo, attributes) = match filter_places(args) {
        Ok(places) => places,
        Err(e) => return fail(e),
    };
    for key in [
        "filter.nbscrub.clean",
        "filter.nbscrub.smudge",
        "diff.ipynb.textconv",
    ] {
        repo.config_unset(args.global, key);
    }
    if let Ok(current) = fs::read_to_string(&attributes)
        && current.lines().any(|l| l.trim() == ATTRIBUTES)
    {
        let kept: String = current
            .lines()
            .filter(|l| l.trim() != ATTRIBUTES)
            .map(|l| format!("{l}\n"))
            .collect();
        if let Err(e) = crate::atomic::write(&attributes, kept.as_bytes()) {
            return fail(format!("{}: {e}", attributes.display()));
        }
    }
    println!("nbscrub: clean filter removed");
    Exit::Clean
}

pub fn status() -> Exit {
    let h = match hooks() {
        Ok(h) => h,
        Err(e) => return fail(e),
    };
    if is_ours(&h.hook) {
        let chained = if h.chained.exists() {
            format!(", then runs {}", h.chained.display())
        } else {
            String::new()
        };
        println!(
            "pre-commit hook: installed at {}{chained}",
            h.hook.display()
        );
    } else if h.hook.exists() {
        println!(
            "pre-commit hook: not installed ({} is another hook)",
            h.hook.display()
        );
    } else {
        println!("pre-commit hook: not installed");
    }
    if let Ok(repo) = Repo::discover() {
        match repo.config_get("filter.nbscrub.clean") {
            Some(clean) => println!("clean filter: {clean}"),
            None => println!("clean filter: not installed"),
        }
    }
    Exit::Clean
}
