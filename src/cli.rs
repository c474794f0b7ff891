//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "nbscrub",
    version,
    about = "Strip Jupyter notebook outputs, byte for byte like nbstripout, only faster."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The command line, with the git clean filter's `nbscrub strip -` read
    /// directly: building clap's parser for every subcommand took 40% of
    /// the filter's own CPU time on a small notebook, paid once per
    /// notebook that git stages or checks out.
    pub fn from_env() -> Cli {
        let mut args = std::env::args_os().skip(1);
        if let (Some(command), Some(path), None) = (args.next(), args.next(), args.next())
            && command == "strip"
            && path == "-"
        {
            return Cli {
                command: Command::Strip(StripArgs::stdin()),
            };
        }
        Cli::parse()
    }
}

impl StripArgs {
    /// What clap makes of `strip -`: no flags, the defaults clap fills in.
    /// A test holds the two equal.
    fn stdin() -> StripArgs {
        StripArgs {
            paths: vec![PathBuf::from("-")],
            max_size: "0".to_owned(),
            ..StripArgs::default()
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Strip outputs, execution counts and volatile metadata from notebooks.
    ///
    /// Files are rewritten in place, and only when stripping changes them.
    /// Directories are searched for *.ipynb files (honouring .gitignore).
    /// `-` reads a notebook on stdin and writes it stripped to stdout, which
    /// is what a git clean filter needs.
    Strip(StripArgs),

    /// Scan files for secrets: notebooks (sources and outputs), datasets and
    /// any other text file.
    ///
    /// Directories are walked honouring .gitignore; hidden files such as
    /// .env are scanned, .git is not. Binary files, lockfiles and minified
    /// bundles are skipped and counted. Exit 0 clean, 1 findings, 2 errors.
    Scan(ScanArgs),

    /// List the rules; `--test` checks every rule's examples and negatives.
    Rules(RulesArgs),

    /// What git hooks run (installed by `nbscrub install`).
    #[command(subcommand)]
    Hook(HookCommand),

    /// Install the pre-commit hook in this repository (respecting
    /// core.hooksPath); an existing hook is kept and runs after nbscrub's.
    /// With --filter, set up the clean filter and diff textconv instead,
    /// the way `nbstripout --install` does.
    Install(InstallArgs),

    /// Remove the pre-commit hook (putting back the hook it chained), or
    /// with --filter the clean filter and its attributes.
    Uninstall(InstallArgs),

    /// Say whether the pre-commit hook is installed.
    Status,

    /// Strip the notebooks under ROOTs periodically (SageMaker Studio):
    /// those unchanged for --min-age and not open in a running Jupyter
    /// server. One JSON line per action; SIGTERM finishes the current file.
    Sweep(SweepArgs),

    /// Print the configuration that applies to PATH: the files it comes
    /// from (nbscrub.toml, .nbscrub.toml, [tool.nbscrub] in pyproject.toml,
    /// closest last) and every setting they decide.
    Config {
        #[arg(value_name = "PATH", default_value = ".")]
        path: std::path::PathBuf,
    },
}

#[derive(Debug, Clone, Args)]
pub struct InstallArgs {
    /// The git clean filter (`nbscrub strip -` on `git add`) and diff
    /// textconv, instead of the pre-commit hook.
    #[arg(long)]
    pub filter: bool,

    /// With --filter: in your global git config and attributes file, for
    /// every repository.
    #[arg(long, requires = "filter")]
    pub global: bool,

    /// With --filter: the attributes file to write instead of
    /// `.git/info/attributes`, e.g. `.gitattributes` to share with the team.
    #[arg(
        long,
        value_name = "FILE",
        requires = "filter",
        conflicts_with = "global"
    )]
    pub attributes: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Strip the staged notebooks (in the index, and in the work tree where
    /// the file is what was staged) and scan everything staged: exit 1 on a
    /// finding, which stops the commit.
    PreCommit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// path:line:column, rule and redacted value, for people.
    Text,
    /// One JSON object with every finding and the statistics.
    Json,
    /// One JSON object per finding, one per line.
    Jsonl,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// JUnit XML: a test case per file, a failure per finding.
    Junit,
    /// A JSON line per file with an S3 TagSet (Classification PHI, PII,
    /// SECRET or CLEAN), for `aws s3api put-object-tagging`.
    Tags,
}

#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// Files and directories to scan.
    #[arg(value_name = "PATHS", default_value = ".")]
    pub paths: Vec<PathBuf>,

    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,

    /// Write the report to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Scan what is staged in git's index (the content about to be
    /// committed), not the work tree.
    #[arg(long, conflicts_with = "paths")]
    pub staged: bool,

    /// Scan every file blob reachable from REVS (all refs when none are
    /// given) once, reporting the commit that introduced each finding.
    #[arg(long, value_name = "REVS", num_args = 0.., conflicts_with_all = ["paths", "staged"])]
    pub git_history: Option<Vec<String>>,

    /// With --git-history: scan only shard K of N (by blob id), so a CI
    /// matrix can split a large history; the shards together equal the whole.
    #[arg(long, value_name = "K/N", requires = "git_history")]
    pub shard: Option<String>,

    /// Report findings at or above this confidence: low, medium or high
    /// (default: the configuration's `[scan] min-confidence`, else medium).
    #[arg(long, value_name = "LEVEL")]
    pub min_confidence: Option<String>,

    /// Report only findings not recorded in this baseline (exit 0 when
    /// there are none).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Record the findings of this scan in FILE (sorted, no values, no
    /// timestamps), to acknowledge them with --baseline later.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct SweepArgs {
    /// Directories whose notebooks are swept (checkpoints included).
    #[arg(value_name = "ROOT", required = true)]
    pub roots: Vec<PathBuf>,

    /// Time between sweeps, such as 30m (default: [sweep] interval, else 30m).
    #[arg(long, value_name = "DURATION")]
    pub interval: Option<String>,

    /// Leave notebooks changed less than this long ago (default: [sweep]
    /// min-age, else 10m).
    #[arg(long, value_name = "DURATION")]
    pub min_age: Option<String>,

    /// Sweep once and exit.
    #[arg(long)]
    pub once: bool,

    /// Say what would be stripped; write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Also scan each notebook and log its findings (redacted).
    #[arg(long)]
    pub scan: bool,

    /// Append the JSON lines to FILE instead of printing them.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct RulesArgs {
    /// Check every rule's examples and negatives; exit 1 on a failure.
    #[arg(long)]
    pub test: bool,

    /// Rule files of your own (same TOML format), loaded after the
    /// built-in rules.
    #[arg(value_name = "FILES")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Clone, Default, Args)]
pub struct StripArgs {
    /// Notebooks or directories; `-` for stdin.
    #[arg(value_name = "PATHS")]
    pub paths: Vec<PathBuf>,

    /// Write nothing; list the files that would change and exit 1 if any would.
    #[arg(long, visible_aliases = ["verify", "dry-run"])]
    pub check: bool,

    /// Accepted for nbstripout's command lines, and changes nothing: a file
    /// named on the command line is stripped whatever its extension.
    #[arg(long, short = 'f', hide = true)]
    pub force: bool,

    /// Accepted for nbstripout's command lines, and changes nothing: lines
    /// always end in `\n`, as nbformat writes them.
    #[arg(long, hide = true)]
    pub unix_newlines: bool,

    /// Print FILE stripped to stdout (for git's diff textconv).
    #[arg(long, short = 't', value_name = "FILE", conflicts_with_all = ["paths", "check"])]
    pub textconv: Option<PathBuf>,

    /// Keep the file's own formatting (indentation, key order, escapes,
    /// number spelling) instead of nbformat's, for a minimal diff.
    #[arg(long)]
    pub keep_format: bool,

    /// Do not strip outputs.
    #[arg(long)]
    pub keep_output: bool,

    /// Do not strip execution counts and prompt numbers.
    #[arg(long)]
    pub keep_count: bool,

    /// Keep cell ids instead of renumbering them 0, 1, 2, …
    #[arg(long)]
    pub keep_id: bool,

    /// Space-separated metadata keys to strip as well, e.g.
    /// "metadata.foo cell.metadata.bar".
    #[arg(long, value_name = "KEYS", default_value = "")]
    pub extra_keys: String,

    /// Space-separated metadata keys to keep although stripped by default,
    /// e.g. "cell.metadata.scrolled metadata.widgets".
    #[arg(long, value_name = "KEYS", default_value = "")]
    pub keep_metadata_keys: String,

    /// Remove cells whose source is empty or only whitespace.
    #[arg(long)]
    pub drop_empty_cells: bool,

    /// Space-separated cell tags; cells carrying any of them are removed.
    #[arg(long, value_name = "TAGS", default_value = "")]
    pub drop_tagged_cells: String,

    /// Strip outputs of cells with `init_cell: true` metadata too.
    #[arg(long)]
    pub strip_init_cells: bool,

    /// Keep outputs no larger than SIZE characters (e.g. 500, 10k, 1M).
    #[arg(long, value_name = "SIZE", default_value = "0")]
    pub max_size: String,

    /// Output types to keep even when stripping, e.g. `stream` or
    /// `stream:stderr`. Values that look like paths (`-`, or with `.` or
    /// `/`) are taken as paths.
    #[arg(long, value_name = "TYPE", num_args = 1..)]
    pub keep_output_type: Vec<String>,

    /// Output types to drop from kept output, e.g. `error`.
    #[arg(long, value_name = "TYPE", num_args = 1..)]
    pub drop_output_type: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_stdin_is_what_clap_makes_of_it() {
        let Command::Strip(parsed) = Cli::parse_from(["nbscrub", "strip", "-"]).command else {
            panic!("not the strip command");
        };
        assert_eq!(format!("{parsed:?}"), format!("{:?}", StripArgs::stdin()));
    }
}
