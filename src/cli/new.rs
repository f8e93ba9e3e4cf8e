//! `pc new NAME`: scaffolds an analysis crate (a `#[processor]` module, a runner, its
//! parameters) that builds and runs as it is.

use std::path::{Path, PathBuf};

use anyhow::Context;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Crate name (lowercase letters, digits and `_`).
    name: String,
    /// Folder to create the crate in [default: ./NAME].
    #[arg(long)]
    path: Option<PathBuf>,
    /// The `pc-core` crate to depend on [default: the one this `pc` was built from].
    #[arg(long)]
    pc_core: Option<PathBuf>,
}

const FILES: [(&str, &str); 4] = [
    ("Cargo.toml", include_str!("new_template/Cargo.toml")),
    ("src/lib.rs", include_str!("new_template/lib.rs")),
    ("src/main.rs", include_str!("new_template/main.rs")),
    (
        "params/params.yaml",
        include_str!("new_template/params.yaml"),
    ),
];

pub fn run(args: Args) -> anyhow::Result<()> {
    let name = &args.name;
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    anyhow::ensure!(
        valid,
        "`{name}` is not a valid crate name: use lowercase letters, digits and `_`"
    );
    let dir = args.path.unwrap_or_else(|| PathBuf::from(name));
    anyhow::ensure!(!dir.exists(), "{} already exists", dir.display());
    let pc_core = match args.pc_core {
        Some(p) => p,
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("pc-core"),
    };
    let pc_core = pc_core
        .canonicalize()
        .with_context(|| format!("pc-core not found at {}", pc_core.display()))?;
    for (file, template) in FILES {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().expect("files are in folders"))?;
        let text = template
            .replace("{{name}}", name)
            .replace("{{pc_core}}", &pc_core.to_string_lossy());
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    // The template is rustfmt-clean; a long crate name can still move a line break.
    let _ = std::process::Command::new("rustfmt")
        .args(["--edition", "2024"])
        .args([dir.join("src/lib.rs"), dir.join("src/main.rs")])
        .status();
    std::fs::write(dir.join(".gitignore"), "/target\n/.cache\n/pc-output\n")?;
    println!(
        "created {}: `cd {} && cargo run --release -- {name} --help`",
        dir.display(),
        dir.display()
    );
    Ok(())
}
