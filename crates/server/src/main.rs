use clap::Parser;
use switchboard_server::cli::Cli;

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
