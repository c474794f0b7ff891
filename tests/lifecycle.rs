//! The SageMaker lifecycle scripts in `lifecycle/`, each run with bash
//! against stub commands: `aws s3 cp` and `python3 -m pip install` put a fake
//! nbscrub in place, `sudo` runs its command as it is, and `crontab`,
//! `systemctl`, `service` and `su` only record that they were called. The
//! fake nbscrub answers `--version` and, for `sweep`, records its pid and
//! arguments and sleeps; every fake still running is killed when its test
//! ends.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::{EXECUTED_STRIPPED, executed_notebook, repo_root, stderr, stdout};

const SCRIPTS: [&str; 4] = [
    "studio-jupyterlab.sh",
    "studio-code-editor.sh",
    "studio-classic-jupyterserver.sh",
    "notebook-instance-on-start.sh",
];

/// A lifecycle script must hand over at once; the fake sweeper sleeps 30 s,
/// so a script that kept it attached (or waited for it) takes far longer.
const QUICK: Duration = Duration::from_secs(10);

fn script(name: &str) -> PathBuf {
    repo_root().join("lifecycle").join(name)
}

/// A temporary directory with a home, the stub commands first on PATH, and
/// files where the stubs record their calls.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let s = Sandbox { dir };
        for sub in ["home", "stubs", "calls"] {
            fs::create_dir(s.path(sub)).unwrap();
        }
        let root = s.dir.path().to_str().unwrap().to_owned();
        assert!(!root.contains('\''), "{root}");
        let prelude = format!("#!/bin/bash\nS='{root}'\n");

        // The stand-in for the binary, without the execute bit: the S3 copy
        // must set it.
        fs::write(
            s.path("fake-nbscrub"),
            format!(
                "#!/bin/sh\nS='{root}'\n{}",
                r#"case "$1" in
--version) echo "nbscrub 0.1.0" ;;
sweep)
    if [ -e "$S/sweep-fails" ]; then
        echo "error: invalid value 'soon' for '--interval <DURATION>'" >&2
        exit 2
    fi
    echo "$$ $*" >>"$S/sweeps"
    sleep 30 &
    wait
    ;;
*) exit 2 ;;
esac
"#
            ),
        )
        .unwrap();

        let stubs = [
            (
                "aws",
                r#"echo "$*" >>"$S/calls/aws"
[ "$1 $2" = "s3 cp" ] || exit 2
if [ -e "$S/aws-fails" ]; then
    echo "fatal error: An error occurred (403) when calling the HeadObject operation: Forbidden" >&2
    exit 1
fi
cp "$S/fake-nbscrub" "$4"
"#,
            ),
            (
                "python3",
                r#"echo "PYTHONUSERBASE=${PYTHONUSERBASE:-} $*" >>"$S/calls/pip"
[ "$1 $2 $3" = "-m pip install" ] || exit 2
bin=
prev=
for a in "$@"; do
    [ "$prev" = --prefix ] && bin="$a/bin"
    [ "$a" = --user ] && bin="$PYTHONUSERBASE/bin"
    prev=$a
done
[ -n "$bin" ] || exit 2
mkdir -p "$bin" && install -m 755 "$S/fake-nbscrub" "$bin/nbscrub"
"#,
            ),
            (
                "sudo",
                r#"echo "$*" >>"$S/calls/sudo"
while [ $# -gt 0 ]; do
    case "$1" in
    -u) shift 2 ;;
    -H | -i) shift ;;
    --) shift; break ;;
    *) break ;;
    esac
done
exec "$@"
"#,
            ),
            ("crontab", "echo \"$*\" >>\"$S/calls/crontab\"\n"),
            ("su", "echo \"$*\" >>\"$S/calls/su\"\nexit 1\n"),
            ("systemctl", "echo \"$*\" >>\"$S/calls/systemctl\"\n"),
            ("service", "echo \"$*\" >>\"$S/calls/service\"\n"),
        ];
        for (name, body) in stubs {
            let path = s.path("stubs").join(name);
            fs::write(&path, format!("{prelude}{body}")).unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        }
        s
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn home(&self) -> PathBuf {
        self.path("home")
    }

    /// `bash lifecycle/NAME` with only PATH (stubs first), HOME and `env`.
    fn run(&self, name: &str, env: &[(&str, &str)]) -> (Output, Duration) {
        let path = format!(
            "{}:{}",
            self.path("stubs").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let started = Instant::now();
        let out = Command::new("bash")
            .arg(script(name))
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.home())
            .envs(env.iter().copied())
            .output()
            .unwrap();
        (out, started.elapsed())
    }

    /// The lines a stub recorded (one per call).
    fn calls(&self, stub: &str) -> Vec<String> {
        fs::read_to_string(self.path("calls").join(stub))
            .map(|s| s.lines().map(str::to_owned).collect())
            .unwrap_or_default()
    }

    /// The sweepers the fake has seen start: (pid, arguments).
    fn sweeps(&self) -> Vec<(i32, String)> {
        fs::read_to_string(self.path("sweeps"))
            .unwrap_or_default()
            .lines()
            .map(|line| {
                let (pid, args) = line.split_once(' ').unwrap();
                (pid.parse().unwrap(), args.to_owned())
            })
            .collect()
    }

    fn wait_for_sweeps(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.sweeps().len() < n && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(self.sweeps().len(), n, "{:?}", self.sweeps());
    }

    fn touch(&self, rel: &str) {
        fs::write(self.path(rel), "").unwrap();
    }
}

/// The processes whose command line names a path in `dir`.
fn processes_under(dir: &Path) -> Vec<i32> {
    let pattern: String = dir
        .display()
        .to_string()
        .chars()
        .flat_map(|c| {
            let special = "\\.[]()*+?{}|^$".contains(c);
            special.then_some('\\').into_iter().chain([c])
        })
        .collect();
    let out = Command::new("pgrep").arg("-f").arg(pattern).output();
    out.map(|o| {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect()
    })
    .unwrap_or_default()
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // The fake runs in its own session (setsid), so its process group
        // holds its sleep as well; the real binary records nothing, so
        // anything still running from this sandbox goes too.
        let mut pids: Vec<i32> = self.sweeps().into_iter().map(|(pid, _)| pid).collect();
        pids.extend(processes_under(self.dir.path()));
        for pid in pids {
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }
}

fn ok(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
}

fn executable(path: &Path) -> bool {
    fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Runs the script twice, as a restart would: both runs return at once, the
/// first starts the sweeper and the second leaves it alone. Returns the
/// sweeper's arguments.
fn start_twice(sb: &Sandbox, name: &str, env: &[(&str, &str)]) -> String {
    let (first, took) = sb.run(name, env);
    ok(&first);
    assert!(took < QUICK, "{name} took {took:?}");
    sb.wait_for_sweeps(1);

    let (second, took) = sb.run(name, env);
    ok(&second);
    assert!(took < QUICK, "{name} took {took:?} the second time");
    assert!(
        stdout(&second).contains("already running"),
        "{}",
        stdout(&second)
    );
    let sweeps = sb.sweeps();
    assert_eq!(sweeps.len(), 1, "{sweeps:?}");
    assert!(sb.calls("crontab").is_empty(), "{:?}", sb.calls("crontab"));
    sweeps[0].1.clone()
}

fn sweep_args(root: &Path, interval: &str, min_age: &str, log: &Path) -> String {
    format!(
        "sweep {} --interval {interval} --min-age {min_age} --log {}",
        root.display(),
        log.display()
    )
}

#[test]
fn jupyterlab_installs_from_s3_into_local_bin_and_sweeps_the_home_once() {
    let sb = Sandbox::new();
    let home = sb.home();
    let env = [(
        "NBSCRUB_S3_URI",
        "s3://tools-bucket/nbscrub-0.1.0-x86_64-linux",
    )];
    let args = start_twice(&sb, "studio-jupyterlab.sh", &env);

    let bin = home.join(".local/bin/nbscrub");
    assert!(executable(&bin), "{}", bin.display());
    let aws = sb.calls("aws");
    assert_eq!(aws.len(), 1, "installed once, then found in place: {aws:?}");
    assert!(
        aws[0].starts_with("s3 cp s3://tools-bucket/nbscrub-0.1.0-x86_64-linux "),
        "{aws:?}"
    );
    assert!(sb.calls("pip").is_empty());
    assert_eq!(
        args,
        sweep_args(&home, "30m", "10m", &home.join(".nbscrub/sweep.log"))
    );
    assert!(sb.calls("sudo").is_empty());
}

#[test]
fn jupyterlab_installs_from_the_pip_index_with_user() {
    let sb = Sandbox::new();
    let home = sb.home();
    let env = [
        ("NBSCRUB_PIP_INDEX", "https://pypi.internal.example/simple"),
        ("NBSCRUB_VERSION", "0.1.0"),
    ];
    let args = start_twice(&sb, "studio-jupyterlab.sh", &env);

    assert!(executable(&home.join(".local/bin/nbscrub")));
    let pip = sb.calls("pip");
    assert_eq!(pip.len(), 1, "{pip:?}");
    let local = home.join(".local");
    assert!(
        pip[0].starts_with(&format!(
            "PYTHONUSERBASE={} -m pip install --user --index-url https://pypi.internal.example/simple ",
            local.display()
        )),
        "{pip:?}"
    );
    assert!(pip[0].ends_with(" nbscrub==0.1.0"), "{pip:?}");
    assert!(sb.calls("aws").is_empty());
    assert_eq!(
        args,
        sweep_args(&home, "30m", "10m", &home.join(".nbscrub/sweep.log"))
    );
}

#[test]
fn code_editor_waits_longer_and_takes_settings_from_the_environment() {
    let sb = Sandbox::new();
    let home = sb.home();
    let work = home.join("my work (2024)");
    fs::create_dir(&work).unwrap();
    let log = home.join("logs/sweep.jsonl");
    let env = [
        ("NBSCRUB_S3_URI", "s3://tools-bucket/nbscrub"),
        ("SWEEP_ROOT", work.to_str().unwrap()),
        ("SWEEP_INTERVAL", "5m"),
        ("LOG", log.to_str().unwrap()),
    ];
    let args = start_twice(&sb, "studio-code-editor.sh", &env);

    assert!(executable(&home.join(".local/bin/nbscrub")));
    // No Jupyter server to ask about open notebooks: a longer min-age.
    assert_eq!(args, sweep_args(&work, "5m", "30m", &log));
    assert!(log.parent().unwrap().is_dir());
}

#[test]
fn classic_installs_into_the_prefix_and_sweeps_the_given_root() {
    let sb = Sandbox::new();
    let efs = sb.path("efs-home");
    fs::create_dir(&efs).unwrap();
    let prefix = sb.path("prefix");
    let env = [
        ("NBSCRUB_PIP_INDEX", "https://pypi.internal.example/simple"),
        ("SWEEP_ROOT", efs.to_str().unwrap()),
        ("INSTALL_PREFIX", prefix.to_str().unwrap()),
    ];
    let args = start_twice(&sb, "studio-classic-jupyterserver.sh", &env);

    assert!(executable(&prefix.join("bin/nbscrub")));
    let pip = sb.calls("pip");
    assert_eq!(pip.len(), 1, "{pip:?}");
    // As root, pip installs under the prefix; as anyone else, as the user
    // with the prefix as user base: the binary lands in the same place.
    let root = unsafe { libc::geteuid() } == 0;
    let wanted = if root {
        format!("--prefix {}", prefix.display())
    } else {
        "--user".to_owned()
    };
    assert!(pip[0].contains(&format!(" install {wanted} ")), "{pip:?}");
    assert_eq!(
        args,
        sweep_args(&efs, "30m", "10m", &efs.join(".nbscrub/sweep.log"))
    );
}

#[test]
fn notebook_instance_starts_the_sweeper_as_ec2_user_and_ships_its_log() {
    let sb = Sandbox::new();
    let notebooks = sb.path("SageMaker");
    fs::create_dir(&notebooks).unwrap();
    let prefix = sb.path("usr-local");
    let conf = sb.path("awslogs.conf");
    fs::write(
        &conf,
        "[general]\nstate_file = /var/lib/awslogs/agent-state\n",
    )
    .unwrap();
    let metadata = sb.path("resource-metadata.json");
    fs::write(
        &metadata,
        r#"{"ResourceArn":"arn:aws:sagemaker:eu-west-1:123456789012:notebook-instance/team-nb","ResourceName":"team-nb"}"#,
    )
    .unwrap();
    let env = [
        ("NBSCRUB_S3_URI", "s3://tools-bucket/nbscrub"),
        ("SWEEP_ROOT", notebooks.to_str().unwrap()),
        ("INSTALL_PREFIX", prefix.to_str().unwrap()),
        ("AWSLOGS_CONF", conf.to_str().unwrap()),
        ("METADATA", metadata.to_str().unwrap()),
    ];
    let args = start_twice(&sb, "notebook-instance-on-start.sh", &env);

    let bin = prefix.join("bin/nbscrub");
    assert!(executable(&bin));
    assert_eq!(sb.calls("aws").len(), 1);
    let log = notebooks.join(".nbscrub/sweep.log");
    assert_eq!(args, sweep_args(&notebooks, "30m", "10m", &log));
    assert!(log.is_file());
    // Started once, through sudo as ec2-user.
    assert_eq!(
        sb.calls("sudo"),
        [format!("-u ec2-user -H -- {} {args}", bin.display())]
    );
    assert!(sb.calls("su").is_empty());

    // The log is added to the awslogs agent once, and the agent restarted.
    let conf = fs::read_to_string(&conf).unwrap();
    let stanza = format!(
        "[{0}]\nfile = {0}\nlog_group_name = /aws/sagemaker/NotebookInstances\nlog_stream_name = team-nb/nbscrub-sweep\n",
        log.display()
    );
    assert_eq!(conf.matches(&stanza).count(), 1, "{conf}");
    assert!(conf.starts_with("[general]\n"), "{conf}");
    assert_eq!(sb.calls("systemctl"), ["restart awslogsd"]);
}

#[test]
fn a_failed_download_lets_the_app_start_unless_nbscrub_is_required() {
    let sb = Sandbox::new();
    sb.touch("aws-fails");
    let env = [("NBSCRUB_S3_URI", "s3://tools-bucket/nbscrub")];
    let (out, took) = sb.run("studio-jupyterlab.sh", &env);
    ok(&out);
    assert!(took < QUICK);
    assert!(
        stderr(&out).contains("could not copy s3://tools-bucket/nbscrub"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("the sweeper is not started"));
    assert!(!sb.home().join(".local/bin/nbscrub").exists());
    // No partial download left behind.
    let left: Vec<_> = fs::read_dir(sb.home().join(".local/bin"))
        .unwrap()
        .collect();
    assert!(left.is_empty(), "{left:?}");

    let required = [env[0], ("NBSCRUB_REQUIRED", "1")];
    let (out, _) = sb.run("studio-jupyterlab.sh", &required);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    std::thread::sleep(Duration::from_millis(300));
    assert!(sb.sweeps().is_empty());
    assert!(sb.calls("crontab").is_empty());
}

#[test]
fn a_binary_of_another_version_is_not_started() {
    let sb = Sandbox::new();
    let env = [
        ("NBSCRUB_S3_URI", "s3://tools-bucket/nbscrub"),
        ("NBSCRUB_VERSION", "0.2.0"),
    ];
    let (out, _) = sb.run("studio-code-editor.sh", &env);
    ok(&out);
    assert!(
        stderr(&out).contains("reports 'nbscrub 0.1.0', not 'nbscrub 0.2.0'"),
        "{}",
        stderr(&out)
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(sb.sweeps().is_empty());
}

#[test]
fn without_a_source_every_script_says_what_to_set() {
    let sb = Sandbox::new();
    let root = sb.path("root");
    fs::create_dir(&root).unwrap();
    let prefix = sb.path("prefix");
    let conf = sb.path("no-awslogs.conf");
    for name in SCRIPTS {
        let env = [
            ("SWEEP_ROOT", root.to_str().unwrap()),
            ("INSTALL_PREFIX", prefix.to_str().unwrap()),
            ("AWSLOGS_CONF", conf.to_str().unwrap()),
        ];
        let (out, _) = sb.run(name, &env);
        ok(&out);
        assert!(
            stderr(&out).contains("set NBSCRUB_S3_URI or NBSCRUB_PIP_INDEX"),
            "{name}: {}",
            stderr(&out)
        );
    }
    assert!(sb.calls("aws").is_empty() && sb.calls("pip").is_empty());
    assert!(sb.sweeps().is_empty());
}

#[test]
fn a_sweeper_that_stops_at_once_has_its_stderr_shown() {
    let sb = Sandbox::new();
    sb.touch("sweep-fails");
    let env = [
        ("NBSCRUB_S3_URI", "s3://tools-bucket/nbscrub"),
        ("SWEEP_INTERVAL", "soon"),
    ];
    let (out, took) = sb.run("studio-jupyterlab.sh", &env);
    ok(&out);
    assert!(took < QUICK);
    let err = stderr(&out);
    assert!(err.contains("the sweeper exited at once"), "{err}");
    assert!(err.contains("invalid value 'soon'"), "{err}");
}

/// The JSON lines of a sweeper's log.
fn log_events(log: &Path) -> Vec<serde_json::Value> {
    fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn count(events: &[serde_json::Value], event: &str) -> usize {
    events.iter().filter(|e| e["event"] == event).count()
}

#[test]
fn the_real_binary_is_started_once_and_strips_the_home() {
    let sb = Sandbox::new();
    // What S3 holds is the binary these tests built.
    fs::copy(
        assert_cmd::cargo::cargo_bin("nbscrub"),
        sb.path("fake-nbscrub"),
    )
    .unwrap();
    let home = sb.home();
    fs::create_dir(home.join("work")).unwrap();
    let nb = common::write(&home.join("work"), "nb.ipynb", executed_notebook());
    let env = [
        ("NBSCRUB_S3_URI", "s3://tools-bucket/nbscrub"),
        ("SWEEP_MIN_AGE", "0s"),
        ("SWEEP_INTERVAL", "1h"),
    ];
    let log = home.join(".nbscrub/sweep.log");

    let (first, took) = sb.run("studio-jupyterlab.sh", &env);
    ok(&first);
    assert!(took < QUICK, "took {took:?}");
    assert!(
        stdout(&first).contains("sweeper started"),
        "{}",
        stdout(&first)
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while count(&log_events(&log), "stripped") == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(fs::read_to_string(&nb).unwrap(), EXECUTED_STRIPPED);

    let (second, took) = sb.run("studio-jupyterlab.sh", &env);
    ok(&second);
    assert!(took < QUICK, "took {took:?}");
    assert!(
        stdout(&second).contains("already running"),
        "{}",
        stdout(&second)
    );
    let running = processes_under(sb.dir.path());
    assert_eq!(running.len(), 1, "{running:?}");

    let events = log_events(&log);
    assert_eq!(count(&events, "start"), 1, "{events:?}");
    assert_eq!(count(&events, "locked"), 0, "{events:?}");
    let start = events.iter().find(|e| e["event"] == "start").unwrap();
    assert_eq!(start["interval_s"], 3600);
    assert_eq!(start["min_age_s"], 0);
    assert_eq!(start["roots"][0], home.display().to_string());

    // SIGTERM: the sweeper says so and exits 0.
    unsafe { libc::kill(running[0], libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(10);
    while !processes_under(sb.dir.path()).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(count(&log_events(&log), "stop"), 1);
    assert!(sb.calls("crontab").is_empty());
}

#[test]
fn every_script_passes_shellcheck() {
    let paths: Vec<PathBuf> = SCRIPTS.iter().map(|s| script(s)).collect();
    let out = match Command::new("shellcheck").args(&paths).output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("note: shellcheck is not installed; the lifecycle scripts were not checked");
            return;
        }
        Err(e) => panic!("shellcheck: {e}"),
    };
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
}

#[test]
fn every_script_fits_a_lifecycle_configuration() {
    for name in SCRIPTS {
        let text = fs::read_to_string(script(name)).unwrap();
        // The API takes the script base64-encoded, at most 16384 characters.
        let encoded = text.len().div_ceil(3) * 4;
        assert!(encoded < 16384, "{name}: {encoded} base64 characters");
        assert!(text.starts_with("#!/bin/bash\n"), "{name}");
        assert!(text.contains("\nset -euo pipefail\n"), "{name}");
        assert!(!text.contains('\r'), "{name}: CRLF");
    }
}
