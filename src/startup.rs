//! Building and running the server: the one [`Application::build`] that `main` and the tests
//! share, and an HTTP/1.1 accept loop with a header-read timeout and graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{self, Poll, ready};
use std::time::Duration;

use anyhow::{Context, bail};
use axum::{Router, middleware};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use crate::auth::{Authenticator, KeySource};
use crate::config::{self, Settings};
use crate::http::{self, AppState};
use crate::photos::Workshop;
use crate::provider::{self, WebClient};
use crate::storage::Database;
use crate::storage::events::Events;
use crate::web::{self, LocalProvider, Web, WebConfig};

/// A server that is bound and ready to serve.
pub struct Application {
    listener: TcpListener,
    /// Serves `/metrics`, when `METRICS_ADDR` says where.
    metrics_listener: Option<TcpListener>,
    router: Router,
    db: Database,
    /// Ended at shutdown, so that open streams do not hold it up.
    events: Events,
    header_read_timeout: Duration,
    shutdown_timeout: Duration,
    /// For the metrics' count of active web sessions.
    session_idle_timeout: Duration,
}

impl Application {
    /// Binds the port, connects to the database and migrates it, and loads the signing keys.
    /// In local mode the issuer is the server's base URL: `PUBLIC_URL`, else `http://HOST:PORT`
    /// with the port bound.
    pub async fn build(mut settings: Settings) -> anyhow::Result<Self> {
        crate::metrics::init();
        let local = matches!(settings.auth.source, KeySource::Local { .. });
        if local && !settings.http.host.is_loopback() && !settings.http.allow_local_auth_on_network
        {
            bail!(
                "refusing to serve the local identity provider on {}: anyone who can reach it could sign in. \
                 Configure AUTH0_DOMAIN or JWKS_URL, listen on a loopback HOST, or pass --allow-local-auth-on-network",
                settings.http.host
            );
        }
        let address = SocketAddr::new(settings.http.host, settings.http.port);
        let listener = TcpListener::bind(address)
            .await
            .with_context(|| format!("cannot listen on {address}"))?;
        let base_url = match &settings.http.public_url {
            Some(public_url) => public_url.clone(),
            None => config::base_url(settings.http.host, listener.local_addr()?.port()),
        };
        if local {
            settings.auth.issuer = base_url.clone();
        }
        let db = Database::connect(&settings.database)
            .await
            .context("cannot open the database")?;
        db.migrate().await.context("cannot migrate the database")?;
        let auth = Authenticator::start(settings.auth.clone()).await?;
        if let KeySource::Local { key_file } = &settings.auth.source {
            tracing::warn!(
                key_file = %key_file.display(),
                issuer = %settings.auth.issuer,
                "LOCAL IDENTITY PROVIDER: this server signs its own tokens (`movie-manager token`); \
                 for local use only, configure AUTH0_DOMAIN or JWKS_URL in production"
            );
        }
        let provider = provider::router(
            &auth,
            db.clone(),
            settings.auth.audience.clone(),
            WebClient {
                redirect_path: web::CALLBACK_PATH,
                post_logout_redirect_path: web::SIGNED_OUT_PATH,
            },
        );
        let workshop = Workshop::default();
        // One store for the API and the web app: a deletion through either forgets the files
        // both serve from its cache.
        let photos = settings.photos.clone().with_cache();
        let web = Arc::new(Web::new(WebConfig {
            db: db.clone(),
            photos: photos.clone(),
            workshop: workshop.clone(),
            auth: auth.clone(),
            base_url: base_url.clone(),
            audience: settings.auth.audience.clone(),
            settings: &settings.web,
            local_provider: provider.clone().map(|router| LocalProvider {
                metadata: provider::metadata(auth.issuer()),
                router,
            }),
        })?);
        let sessions = middleware::from_fn_with_state(Arc::clone(&web), web::session_for_reads);
        let others = web::router(web).merge(provider.unwrap_or_default());
        let metrics_listener = match settings.http.metrics_addr {
            Some(address) => Some(
                TcpListener::bind(address)
                    .await
                    .with_context(|| format!("cannot serve metrics on {address}"))?,
            ),
            None => None,
        };
        let events = Events::start(db.clone(), settings.http.max_event_streams)
            .await
            .context("cannot start the live updates")?;
        raise_open_files_limit(settings.http.max_event_streams + settings.http.max_in_flight);
        let state = AppState {
            db: db.clone(),
            auth,
            photos,
            workshop,
            events: events.clone(),
            base_url: base_url.into(),
        };
        Ok(Self {
            listener,
            metrics_listener,
            router: http::router(state, &settings.http.middleware(), others, |api| {
                api.layer(sessions)
            })
            .layer(middleware::from_fn_with_state(events.clone(), tell_writes)),
            db,
            events,
            header_read_timeout: settings.http.header_read_timeout,
            shutdown_timeout: settings.http.shutdown_timeout,
            session_idle_timeout: settings.web.session_idle_timeout,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|address| address.port())
            .unwrap_or(0)
    }

    /// The port `/metrics` is served on, if it is.
    pub fn metrics_port(&self) -> Option<u16> {
        let listener = self.metrics_listener.as_ref()?;
        listener.local_addr().ok().map(|address| address.port())
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Serves until SIGTERM or Ctrl-C.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `shutdown` completes, then stops accepting, lets in-flight requests finish
    /// within the shutdown timeout, and closes the database pool.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        let address = self.listener.local_addr()?;
        tracing::info!(%address, database = self.db.backend_name(), "listening");
        let metrics = self.metrics_listener.map(|listener| {
            if let Ok(address) = listener.local_addr() {
                tracing::info!(%address, "serving /metrics");
            }
            let router = crate::metrics::router(self.db.clone(), self.session_idle_timeout);
            tokio::spawn(async move { axum::serve(listener, router).await })
        });
        let mut http1 = hyper::server::conn::http1::Builder::new();
        http1
            .timer(TokioTimer::new())
            .header_read_timeout(self.header_read_timeout);
        let graceful = GracefulShutdown::new();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    let (stream, _) = match accepted {
                        Ok(accepted) => accepted,
                        Err(error) => {
                            // Out of file descriptors and the like: back off instead of spinning.
                            tracing::warn!(%error, "accept failed");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    };
                    let _ = stream.set_nodelay(true);
                    let service = TowerToHyperService::new(self.router.clone());
                    let connection =
                        http1.serve_connection(TokioIo::new(LingeringClose::new(stream)), service);
                    let connection = graceful.watch(connection);
                    tokio::spawn(async move {
                        if let Err(error) = connection.await {
                            tracing::debug!(%error, "connection ended with an error");
                        }
                    });
                }
                () = &mut shutdown => break,
            }
        }
        drop(self.listener);
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        tracing::info!("shutting down: finishing in-flight requests");
        self.events.close();
        if tokio::time::timeout(self.shutdown_timeout, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!(timeout = ?self.shutdown_timeout, "in-flight requests did not finish in time");
        }
        self.db.close().await;
        Ok(())
    }
}

/// Tells the live updates that a request of this server may have written: on SQLite that is how
/// they learn of writes (PostgreSQL tells every instance itself).
async fn tell_writes(
    axum::extract::State(events): axum::extract::State<Events>,
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let writes = !request.method().is_safe();
    let response = next.run(request).await;
    if writes && !response.status().is_client_error() && !response.status().is_server_error() {
        events.written();
    }
    response
}

/// Raises this process's limit of open files to what the system allows (each connection, an
/// event stream's included, holds one), and says so if that is fewer than `wanted`.
fn raise_open_files_limit(wanted: usize) {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) if limit < wanted as u64 => tracing::warn!(
            limit,
            wanted,
            "the open-files limit is lower than MAX_EVENT_STREAMS and MAX_IN_FLIGHT together: \
             raise it (ulimit -n, LimitNOFILE=) or lower those"
        ),
        Ok(limit) => tracing::debug!(limit, "open-files limit"),
        Err(error) => tracing::warn!(%error, "cannot read or raise the open-files limit"),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// How long a closing connection keeps reading what the client still sends, and how much of it.
const LINGER_TIMEOUT: Duration = Duration::from_secs(2);
/// Enough for the rest of a refused CSV import (10 MiB), so that its sender reads the 413.
const LINGER_MAX_BYTES: usize = 16 * 1024 * 1024;

/// A connection that closes gracefully after an early answer (RFC 9112, 9.6): when the server
/// answers before reading the whole request (a 413 for a body past the limit), closing at once
/// would make the kernel reset the connection over the unread bytes, and a client still sending
/// would lose the answer. So it sends its end first, then reads and discards what arrives, up to
/// a bound and a time limit, before closing.
struct LingeringClose {
    stream: TcpStream,
    linger: Option<(Pin<Box<tokio::time::Sleep>>, usize)>,
}

impl LingeringClose {
    fn new(stream: TcpStream) -> Self {
        Self {
            stream,
            linger: None,
        }
    }
}

impl AsyncRead for LingeringClose {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut task::Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for LingeringClose {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut task::Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: Pin<&mut Self>,
        cx: &mut task::Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: Pin<&mut Self>,
        cx: &mut task::Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        if this.linger.is_none() {
            ready!(Pin::new(&mut this.stream).poll_shutdown(cx))?;
            this.linger = Some((Box::pin(tokio::time::sleep(LINGER_TIMEOUT)), 0));
        }
        let Some((deadline, drained)) = this.linger.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        let mut scratch = [0; 8192];
        loop {
            if *drained >= LINGER_MAX_BYTES || deadline.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Ok(()));
            }
            let mut buf = ReadBuf::new(&mut scratch);
            match Pin::new(&mut this.stream).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) if buf.filled().is_empty() => return Poll::Ready(Ok(())),
                Poll::Ready(Ok(())) => *drained += buf.filled().len(),
                Poll::Ready(Err(_)) => return Poll::Ready(Ok(())),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}
