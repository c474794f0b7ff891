use clap::Parser;
use nbscrub::cli::{Cli, Command};
use nbscrub::cmd;

fn main() {
    let cli = Cli::parse();
    let exit = match &cli.command {
        Command::Strip(args) => cmd::strip::run(args),
    };
    std::process::exit(exit as i32);
}
