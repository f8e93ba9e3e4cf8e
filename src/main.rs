//! `pc`: the command line of the framework. Analyses run by name through the same driver
//! every analysis crate uses (`pc_core::cli`); framework commands (`inspect`, `dump`,
//! `generate`, ...) sit beside them.

mod cli;

#[global_allocator]
static ALLOC: pc_core::cli::Allocator = pc_core::cli::Allocator;

fn main() -> std::process::ExitCode {
    pc_core::cli::tune_allocator();
    let analyses = [zmumu::analysis(), ttdilep::analysis()];
    let matches = cli::command(&analyses).get_matches();
    let result = match pc_core::cli::dispatch(&analyses, &matches) {
        Some(r) => r,
        None => cli::run(&matches),
    };
    pc_core::cli::report(result)
}
