use clap::Parser;
use nbscrub::cli::{Cli, Command};
use nbscrub::cmd;

fn main() {
    let cli = Cli::parse();
    let exit = match &cli.command {
        Command::Strip(args) => cmd::strip::run(args),
        Command::Scan(args) => cmd::scan::run(args),
        Command::Rules(args) => cmd::rules::run(args),
    };
    std::process::exit(exit as i32);
}
