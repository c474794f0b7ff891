//! What a scan of some files needs from their configuration: the engine
//! with the built-in rules and every custom rule that applies, and each
//! file's settings. Shared by `scan` and the pre-commit hook.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::config::{Configs, ScanPolicy};
use crate::detect::{Confidence, Engine, Rule};
use crate::scan::{FileScan, Policy};

/// A file's scan settings: what scanning needs (confidence, allowed
/// values) and what is settled afterwards (disabled rules, allowed paths,
/// what fails).
pub struct FilePolicy {
    pub scan: Policy,
    pub config: ScanPolicy,
}

pub struct Setup {
    pub engine: Engine,
    pub configs: Configs,
    /// Where each custom rule applies: under its configuration file's
    /// directory, but not to that file, whose examples it must match.
    scopes: HashMap<String, (PathBuf, PathBuf)>,
    flag: Option<Confidence>,
    cache: Mutex<HashMap<Vec<PathBuf>, Arc<FilePolicy>>>,
}

impl Setup {
    /// Reads the configuration of every file in `paths` (once per
    /// directory) and builds the engine; `flag` is `--min-confidence`.
    pub fn new(paths: &[PathBuf], flag: Option<Confidence>) -> Result<Setup, String> {
        let configs = Configs::default();
        let customs = custom_rules(&configs, paths)?;
        let mut rules = crate::detect::builtin_rules().map_err(|e| e.to_string())?;
        rules.extend(customs.iter().map(|(_, r, _)| r.clone()));
        crate::detect::check_unique(&rules, "custom rules")
            .map_err(|e| format!("{e} (a built-in rule has this id)"))?;
        let engine = Engine::new(rules).map_err(|e| e.to_string())?;
        let scopes = customs
            .into_iter()
            .map(|(dir, rule, file)| (rule.id, (dir, file)))
            .collect();
        Ok(Setup {
            engine,
            configs,
            scopes,
            flag,
            cache: Mutex::default(),
        })
    }

    /// The settings for the file at `path`, worked out once per set of
    /// configuration files.
    pub fn policy(&self, path: &Path) -> Result<Arc<FilePolicy>, String> {
        let settings = self.configs.for_path(path)?;
        let key: Vec<PathBuf> = settings.layers.iter().map(|l| l.path.clone()).collect();
        if let Some(p) = self.cache.lock().expect("not poisoned").get(&key) {
            return Ok(p.clone());
        }
        let config = settings.scan();
        let min_confidence = self
            .flag
            .or(config.min_confidence)
            .unwrap_or(Confidence::Medium);
        let mut scan = Policy::new(min_confidence);
        for r in &config.allow_values {
            let regex =
                regex::bytes::Regex::new(r).map_err(|e| format!("allow-values `{r}`: {e}"))?;
            scan.allow_values.push(regex);
        }
        let policy = Arc::new(FilePolicy { scan, config });
        self.cache
            .lock()
            .expect("not poisoned")
            .insert(key, policy.clone());
        Ok(policy)
    }

    /// Leaves out what the file's configuration allows (its path, disabled
    /// rules, custom rules that do not apply here) and marks which
    /// findings fail the scan.
    pub fn settle(&self, path: &Path, scan: &mut FileScan, policy: &ScanPolicy) {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let allowed_path = policy.path_allowed(path);
        scan.findings.retain(|f| {
            !allowed_path
                && !policy.disabled.contains(&f.rule)
                && self
                    .scopes
                    .get(&f.rule)
                    .is_none_or(|(dir, file)| absolute.starts_with(dir) && absolute != *file)
        });
        for f in &mut scan.findings {
            f.fails = policy.fails_on(f.category);
        }
    }
}

/// The custom rules of every configuration file that applies to a path,
/// each with its directory and file; a rule id defined twice is an error.
fn custom_rules(
    configs: &Configs,
    paths: &[PathBuf],
) -> Result<Vec<(PathBuf, Rule, PathBuf)>, String> {
    let mut customs: Vec<(PathBuf, Rule, PathBuf)> = Vec::new();
    let mut seen_dirs = std::collections::HashSet::new();
    for at in paths {
        let dir = at.parent().map(Path::to_path_buf).unwrap_or_default();
        if !seen_dirs.insert(dir) {
            continue;
        }
        for layer in &configs.for_path(at)?.layers {
            for rule in &layer.file.rules {
                match customs.iter().find(|(_, r, _)| r.id == rule.id) {
                    Some((dir, _, _)) if *dir == layer.dir => {}
                    Some((_, _, other)) => {
                        return Err(format!(
                            "{}: rule `{}` is also defined in {}",
                            layer.path.display(),
                            rule.id,
                            other.display()
                        ));
                    }
                    None => customs.push((layer.dir.clone(), rule.clone(), layer.path.clone())),
                }
            }
        }
    }
    Ok(customs)
}
