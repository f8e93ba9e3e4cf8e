#[global_allocator]
static ALLOC: pc_core::cli::Allocator = pc_core::cli::Allocator;
fn main() -> std::process::ExitCode {
    pc_core::cli::main(&[ttdilep::analysis()])
}
