use clap::Parser;
use switchboard_server::cli::Cli;

// The read path allocates many small, short-lived values (rows, field
// values, JSON): mimalloc serves them faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Freed memory goes back to the system at once rather than after a delay,
/// and arenas are committed as they are used rather than up front: under load
/// the server then stays near half the resident memory, at no cost in CPU we
/// could measure (the README's figures). An operator's own `MIMALLOC_*`
/// setting for either option wins.
#[allow(unsafe_code)]
fn tune_allocator() {
    use libmimalloc_sys::{_mi_option_last, mi_option_set, mi_option_t};
    // `mi_option_e` in the vendored mimalloc 3 header; libmimalloc-sys names
    // neither option. The enum's length pins the layout these were read from:
    // a mimalloc that adds or drops options fails to compile here until the
    // numbers are read again.
    const ARENA_EAGER_COMMIT: mi_option_t = 4;
    const PURGE_DELAY: mi_option_t = 15;
    const _: () = assert!(_mi_option_last == 47, "re-read mi_option_e in mimalloc.h");
    for (option, variable) in [
        (PURGE_DELAY, "MIMALLOC_PURGE_DELAY"),
        (ARENA_EAGER_COMMIT, "MIMALLOC_ARENA_EAGER_COMMIT"),
    ] {
        if std::env::var_os(variable).is_none() {
            // SAFETY: `mi_option_set` stores a number in mimalloc's option
            // table; it has no preconditions, and both options are read
            // afresh each time mimalloc purges or reserves an arena.
            unsafe { mi_option_set(option, 0) };
        }
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tune_allocator();
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
