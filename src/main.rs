use nbscrub::cli::{Cli, Command, HookCommand};
use nbscrub::cmd;

fn main() {
    let cli = Cli::from_env();
    let exit = match &cli.command {
        Command::Strip(args) => cmd::strip::run(args),
        Command::Scan(args) => cmd::scan::run(args),
        Command::Rules(args) => cmd::rules::run(args),
        Command::Hook(HookCommand::PreCommit) => cmd::hook::pre_commit(),
        Command::Install(args) => cmd::install::install(args),
        Command::Uninstall(args) => cmd::install::uninstall(args),
        Command::Status => cmd::install::status(),
        Command::Config { path } => cmd::config::run(path),
        Command::Sweep(args) => cmd::sweep::run(args),
    };
    std::process::exit(exit as i32);
}
