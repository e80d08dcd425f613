//! `cargo run -p otpkit-example-own-login`: serves the application on `OWN_LOGIN_ADDR`
//! (default `127.0.0.1:3000`) and prints the URL it listens on.

use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = std::env::var("OWN_LOGIN_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let app = otpkit_example_own_login::app(otpkit::SystemClock).await?; // otpkit
    let listener = TcpListener::bind(&addr).await?;
    println!(
        "own-login example listening on http://{}",
        listener.local_addr()?
    );
    axum::serve(listener, app).await?;
    Ok(())
}
