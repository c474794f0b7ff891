//! Configuration files: `nbscrub.toml`, `.nbscrub.toml` or `[tool.nbscrub]`
//! in `pyproject.toml`. A file's settings are those of the configuration
//! files in its directory and every directory above it, the closest
//! deciding each setting; command-line flags decide over all of them.
//! Unknown keys are errors that name the key and the file, so a typo never
//! silently turns a check off.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::detect::{Category, Confidence, Engine, Rule};

/// The names looked for in each directory, in order; the first one that
/// holds nbscrub settings is that directory's configuration.
pub const NAMES: &[&str] = &["nbscrub.toml", ".nbscrub.toml", "pyproject.toml"];

/// One configuration file as written.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct File {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strip: Option<Strip>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan: Option<Scan>,
    #[serde(default, skip_serializing)]
    pub rules: Vec<Rule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<Sweep>,
}

/// `nbscrub strip`'s options, named as its flags are.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Strip {
    pub keep_output: Option<bool>,
    pub keep_count: Option<bool>,
    pub keep_id: Option<bool>,
    pub extra_keys: Option<Vec<String>>,
    pub keep_metadata_keys: Option<Vec<String>>,
    pub drop_empty_cells: Option<bool>,
    pub drop_tagged_cells: Option<Vec<String>>,
    pub strip_init_cells: Option<bool>,
    pub max_size: Option<String>,
    pub keep_output_type: Option<Vec<String>>,
    pub drop_output_type: Option<Vec<String>>,
    pub keep_format: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Scan {
    /// Rules not to report (ids).
    pub disable: Option<Vec<String>>,
    /// Rules to report again that a configuration further up disabled.
    pub enable: Option<Vec<String>>,
    pub min_confidence: Option<Confidence>,
    /// Categories whose findings fail the scan (exit 1); the others are
    /// reported without failing it. Default: all.
    pub fail_on: Option<Vec<Category>>,
    /// Globs, relative to the configuration file's directory, of files
    /// whose findings are not reported.
    pub allow_paths: Option<Vec<String>>,
    /// Regexes; a value one of them matches whole is not reported.
    pub allow_values: Option<Vec<String>>,
}

/// The Studio sweeper's settings (`nbscrub sweep`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Sweep {
    pub interval: Option<String>,
    pub min_age: Option<String>,
    pub log: Option<String>,
    pub scan: Option<bool>,
}

/// A configuration file found on disk.
#[derive(Debug, Clone)]
pub struct Layer {
    pub path: PathBuf,
    pub dir: PathBuf,
    pub file: File,
}

/// The settings for one file: its layers, farthest first.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub layers: Vec<Arc<Layer>>,
}

#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ConfigError {
    pub path: String,
    pub message: String,
}

/// Reads the configuration in `dir`, if any.
fn read_dir_config(dir: &Path) -> Result<Option<Layer>, ConfigError> {
    for name in NAMES {
        let path = dir.join(name);
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let error = |message: String| ConfigError {
            path: path.display().to_string(),
            message,
        };
        let file = if *name == "pyproject.toml" {
            if !may_name_nbscrub_table(&text) {
                continue;
            }
            let table: toml::Table =
                toml::from_str(&text).map_err(|e| error(e.to_string().trim_end().to_owned()))?;
            let Some(section) = table.get("tool").and_then(|t| t.get("nbscrub")).cloned() else {
                continue;
            };
            section
                .try_into::<File>()
                .map_err(|e| error(format!("[tool.nbscrub]: {}", e.to_string().trim_end())))?
        } else {
            toml::from_str::<File>(&text).map_err(|e| error(e.to_string().trim_end().to_owned()))?
        };
        check_file(&file).map_err(error)?;
        return Ok(Some(Layer {
            path,
            dir: dir.to_path_buf(),
            file,
        }));
    }
    Ok(None)
}

/// Whether a `pyproject.toml` could hold a `tool.nbscrub` table: it has
/// `nbscrub` outside comments and other than as a value (`name =
/// "nbscrub"`). Most projects' files don't, and reading one as TOML cost a
/// git clean filter a fifth of its CPU time on a small notebook. Generous:
/// a false yes costs only the parse.
fn may_name_nbscrub_table(text: &str) -> bool {
    text.lines().any(|line| {
        let line = line.split('#').next().unwrap_or_default();
        line.match_indices("nbscrub").any(|(at, _)| {
            let before = line[..at].trim_end_matches(['"', '\'']).trim_end();
            !before.ends_with('=')
        })
    })
}

/// What can be checked of a file on its own: custom rules (their regexes
/// compile, their examples are found and negatives not), regexes and globs.
fn check_file(file: &File) -> Result<(), String> {
    if let Some(scan) = &file.scan {
        for r in scan.allow_values.iter().flatten() {
            regex::Regex::new(r).map_err(|e| format!("[scan] allow-values: `{r}`: {e}"))?;
        }
        for g in scan.allow_paths.iter().flatten() {
            globset::Glob::new(g).map_err(|e| format!("[scan] allow-paths: `{g}`: {e}"))?;
        }
    }
    if let Some(strip) = &file.strip
        && let Some(size) = &strip.max_size
    {
        crate::strip::parse_size(size).map_err(|e| format!("[strip] max-size: {e}"))?;
    }
    if file.rules.is_empty() {
        return Ok(());
    }
    for rule in &file.rules {
        crate::detect::rule::check_rule(rule)
            .map_err(|m| format!("[[rules]] `{}`: {m}", rule.id))?;
    }
    crate::detect::check_unique(&file.rules, "[[rules]]").map_err(|e| e.to_string())?;
    let engine = Engine::new(file.rules.clone()).map_err(|e| e.to_string())?;
    if let Some(failure) = engine.test_rules().into_iter().next() {
        return Err(format!("[[rules]] {failure}"));
    }
    Ok(())
}

/// Configuration lookups, cached by directory (a scan asks for every file).
#[derive(Default)]
pub struct Configs {
    cache: Mutex<HashMap<PathBuf, Result<Settings, String>>>,
}

impl Configs {
    /// The settings for a file or directory at `path`.
    pub fn for_path(&self, path: &Path) -> Result<Settings, String> {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let dir = if absolute.is_dir() {
            absolute
        } else {
            absolute
                .parent()
                .map_or_else(|| PathBuf::from("/"), Path::to_path_buf)
        };
        self.for_dir(&dir)
    }

    fn for_dir(&self, dir: &Path) -> Result<Settings, String> {
        if let Some(found) = self.cache.lock().expect("not poisoned").get(dir) {
            return found.clone();
        }
        let result = (|| {
            let mut settings = match dir.parent() {
                Some(parent) => self.for_dir(parent)?,
                None => Settings::default(),
            };
            if let Some(layer) = read_dir_config(dir).map_err(|e| e.to_string())? {
                settings.layers.push(Arc::new(layer));
            }
            Ok(settings)
        })();
        self.cache
            .lock()
            .expect("not poisoned")
            .insert(dir.to_path_buf(), result.clone());
        result
    }
}

impl Settings {
    /// The closest layer's value of a setting.
    fn closest<T: Clone>(&self, get: impl Fn(&File) -> Option<T>) -> Option<T> {
        self.layers.iter().rev().find_map(|l| get(&l.file))
    }

    pub fn strip(&self) -> Strip {
        let s = |f: &File| f.strip.clone();
        Strip {
            keep_output: self.closest(|f| s(f)?.keep_output),
            keep_count: self.closest(|f| s(f)?.keep_count),
            keep_id: self.closest(|f| s(f)?.keep_id),
            extra_keys: self.closest(|f| s(f)?.extra_keys),
            keep_metadata_keys: self.closest(|f| s(f)?.keep_metadata_keys),
            drop_empty_cells: self.closest(|f| s(f)?.drop_empty_cells),
            drop_tagged_cells: self.closest(|f| s(f)?.drop_tagged_cells),
            strip_init_cells: self.closest(|f| s(f)?.strip_init_cells),
            max_size: self.closest(|f| s(f)?.max_size),
            keep_output_type: self.closest(|f| s(f)?.keep_output_type),
            drop_output_type: self.closest(|f| s(f)?.drop_output_type),
            keep_format: self.closest(|f| s(f)?.keep_format),
        }
    }

    pub fn sweep(&self) -> Sweep {
        let s = |f: &File| f.sweep.clone();
        Sweep {
            interval: self.closest(|f| s(f)?.interval),
            min_age: self.closest(|f| s(f)?.min_age),
            log: self.closest(|f| s(f)?.log),
            scan: self.closest(|f| s(f)?.scan),
        }
    }

    /// The scan settings, layered: disabled rules and allowed paths and
    /// values add up from the farthest file to the closest (`enable` takes
    /// a rule back); the rest is the closest file's.
    pub fn scan(&self) -> ScanPolicy {
        let mut policy = ScanPolicy::default();
        for layer in &self.layers {
            let Some(scan) = &layer.file.scan else {
                continue;
            };
            for id in scan.disable.iter().flatten() {
                if !policy.disabled.contains(id) {
                    policy.disabled.push(id.clone());
                }
            }
            if let Some(enable) = &scan.enable {
                policy.disabled.retain(|id| !enable.contains(id));
            }
            for glob in scan.allow_paths.iter().flatten() {
                policy.allow_paths.push((layer.dir.clone(), glob.clone()));
            }
            policy
                .allow_values
                .extend(scan.allow_values.iter().flatten().cloned());
        }
        policy.min_confidence = self.closest(|f| f.scan.as_ref()?.min_confidence);
        policy.fail_on = self.closest(|f| f.scan.clone()?.fail_on);
        policy
    }

    /// The custom rules of every layer, with the directory each applies
    /// under.
    pub fn rules(&self) -> Vec<(PathBuf, Rule)> {
        self.layers
            .iter()
            .flat_map(|l| l.file.rules.iter().map(|r| (l.dir.clone(), r.clone())))
            .collect()
    }
}

/// How a scan treats the files under one set of layers.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ScanPolicy {
    pub disabled: Vec<String>,
    pub min_confidence: Option<Confidence>,
    pub fail_on: Option<Vec<Category>>,
    /// Globs with the directory they are relative to.
    pub allow_paths: Vec<(PathBuf, String)>,
    pub allow_values: Vec<String>,
}

impl ScanPolicy {
    /// Whether findings in the file at `path` are allowed by a glob.
    pub fn path_allowed(&self, path: &Path) -> bool {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        self.allow_paths.iter().any(|(dir, glob)| {
            let Ok(relative) = absolute.strip_prefix(dir) else {
                return false;
            };
            globset::GlobBuilder::new(glob)
                .literal_separator(false)
                .build()
                .is_ok_and(|g| g.compile_matcher().is_match(relative))
        })
    }

    pub fn fails_on(&self, category: &str) -> bool {
        self.fail_on
            .as_ref()
            .is_none_or(|cats| cats.iter().any(|c| c.as_str() == category))
    }
}

/// The effective configuration for a path, as `nbscrub config` prints it.
pub fn render(settings: &Settings) -> String {
    #[derive(Serialize)]
    #[serde(rename_all = "kebab-case")]
    struct Effective {
        files: Vec<String>,
        strip: Strip,
        scan: ScanShown,
        rules: Vec<String>,
        sweep: Sweep,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "kebab-case")]
    struct ScanShown {
        disable: Vec<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        min_confidence: Option<&'static str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        fail_on: Option<Vec<&'static str>>,
        allow_paths: Vec<String>,
        allow_values: Vec<String>,
    }
    let policy = settings.scan();
    let effective = Effective {
        files: settings
            .layers
            .iter()
            .map(|l| l.path.display().to_string())
            .collect(),
        strip: settings.strip(),
        scan: ScanShown {
            disable: policy.disabled.clone(),
            min_confidence: policy.min_confidence.map(Confidence::as_str),
            fail_on: policy
                .fail_on
                .as_ref()
                .map(|c| c.iter().map(|c| c.as_str()).collect()),
            allow_paths: policy
                .allow_paths
                .iter()
                .map(|(dir, g)| dir.join(g).display().to_string())
                .collect(),
            allow_values: policy.allow_values.clone(),
        },
        rules: settings
            .rules()
            .iter()
            .map(|(dir, r)| format!("{} ({})", r.id, dir.display()))
            .collect(),
        sweep: settings.sweep(),
    };
    toml::to_string(&effective).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyproject_tables_that_may_be_nbscrubs_are_read() {
        for text in [
            "[tool.nbscrub]\n",
            "[tool.nbscrub.strip]\nkeep-output = true\n",
            "[ tool . \"nbscrub\" ]\n",
            "tool.nbscrub.strip.keep-output = true\n",
            "[tool]\nnbscrub = { strip = {} }\n",
            "[tool]\n'nbscrub'.strip = {}\n",
            "tool = { nbscrub = {} }\n",
            "tool = {\n  nbscrub = {},\n}\n",
            "[project]\nname = \"nbscrub\"\n[tool.nbscrub]\n",
        ] {
            assert!(may_name_nbscrub_table(text), "{text}");
        }
        for text in [
            "",
            "[project]\nname = \"nbscrub\"\n",
            "[project]\nname='nbscrub'\n",
            "# There is no [tool.nbscrub] table here\n[project]\n",
            "[tool.ruff]\nline-length = 100\n",
        ] {
            assert!(!may_name_nbscrub_table(text), "{text}");
        }
    }
}
