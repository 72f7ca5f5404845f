//! Logging: `tracing` to stdout, JSON when stdout is not a terminal (for log collectors), human
//! readable when it is. `RUST_LOG` filters, default `info`.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

pub fn init() {
    init_with(std::io::stdout, std::io::stdout().is_terminal());
}

/// The same logs on stderr, for commands whose stdout is their result (`movie-manager token`,
/// used as `$(movie-manager token ...)`).
pub fn init_to_stderr() {
    init_with(std::io::stderr, std::io::stderr().is_terminal());
}

fn init_with<W>(writer: W, terminal: bool)
where
    W: for<'a> tracing_subscriber::fmt::MakeWriter<'a> + Send + Sync + 'static,
{
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    // A second call keeps the first subscriber.
    let _ = if terminal {
        builder.try_init()
    } else {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    };
}
