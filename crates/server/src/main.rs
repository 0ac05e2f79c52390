use clap::Parser;
use switchboard_server::cli::Cli;

// The read path allocates many small, short-lived values (rows, field
// values, JSON): mimalloc serves them faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let telemetry = switchboard_server::telemetry::init(cli.log_format);
    let result = switchboard_server::commands::run(cli).await;
    // The spans still buffered go out before the process does.
    telemetry.shutdown().await;
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
