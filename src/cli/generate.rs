//! `pc generate`: write a NanoAOD-like sample (wired to `pc_core::generate`).

#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("the generator is not wired yet")
}
