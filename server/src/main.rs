use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    supplyline::cli::main().await
}
