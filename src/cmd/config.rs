//! `nbscrub config`: the configuration that applies to a path.

use std::path::Path;

use super::Exit;
use crate::config::{Configs, render};

pub fn run(path: &Path) -> Exit {
    if !path.exists() {
        eprintln!("nbscrub: {}: no such file or directory", path.display());
        return Exit::Error;
    }
    match Configs::default().for_path(path) {
        Ok(settings) => {
            print!("{}", render(&settings));
            Exit::Clean
        }
        Err(e) => {
            eprintln!("nbscrub: {e}");
            Exit::Error
        }
    }
}
