//! `cargo run -p otpkit-axum-login --example axum-login-app`: the example application on
//! `AXUM_LOGIN_ADDR` (default `127.0.0.1:3000`), its user table in the SQLite file
//! `AXUM_LOGIN_DB` (in memory when unset); prints the URL it listens on.

mod app;

use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = std::env::var("AXUM_LOGIN_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let db = std::env::var_os("AXUM_LOGIN_DB").map(std::path::PathBuf::from);
    let (app, _users) = app::app(otpkit::SystemClock, db.as_deref()).await?;
    let listener = TcpListener::bind(&addr).await?;
    println!(
        "axum-login example listening on http://{}",
        listener.local_addr()?
    );
    axum::serve(listener, app).await?;
    Ok(())
}
