//! `pc schema`: the branch catalog of a NanoAOD file, one line per branch
//! (`name type [counter]`), as committed in `pc-macros/schemas/` for compile-time checks.

use std::io::Write as _;
use std::path::PathBuf;

use pc_core::io::RootFile;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The ROOT file (a real NanoAOD file of the version the catalog describes).
    file: PathBuf,
    #[arg(long, default_value = "Events")]
    tree: String,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let tree = RootFile::open(&args.file)?.tree(&args.tree)?;
    let mut branches = tree.branches();
    branches.sort_by(|a, b| a.name.cmp(&b.name));
    let mut text = format!(
        "# branch catalog of `{}` ({}), written by `pc schema`: name type [counter]\n",
        args.tree,
        args.file
            .file_name()
            .map(|f| f.to_string_lossy())
            .unwrap_or_default()
    );
    for b in branches {
        let Ok(leaf) = b.leaf else { continue };
        text += &b.name;
        text += " ";
        text += leaf.short_name();
        if let Some(c) = &b.counter {
            text += " ";
            text += c;
        }
        text.push('\n');
    }
    std::io::stdout().write_all(text.as_bytes()).ok();
    Ok(())
}
