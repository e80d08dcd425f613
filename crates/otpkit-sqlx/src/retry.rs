//! The retry policy shared by both backends (docs/behaviour.md REQ-14 F4).
//!
//! A transaction that fails with a deadlock, a serialisation failure or a lock-wait timeout
//! did not commit anything, so it is run again from its `BEGIN`, at most [`MAX_RETRIES`]
//! times, after a short randomised pause. Every other error ends the operation at once.

use crate::sqlx;
use std::future::Future;
use std::time::Duration;

use otpkit::store::StoreError;

/// How many times a transaction is retried after its first attempt.
pub const MAX_RETRIES: u32 = 3;

/// Why one attempt failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Nothing was committed and running the transaction again may succeed.
    Retry(sqlx::Error),
    /// Give up with this error.
    Fatal(StoreError),
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Fatal(e)
    }
}

/// Runs `attempt` until it succeeds, fails fatally, or has been retried [`MAX_RETRIES`]
/// times (then [`StoreError::Conflict`]).
///
/// `state` is threaded through the attempts: each attempt takes it and hands it back, so a
/// mutation (`FnMut`) can be run again and a consumed `FnOnce` can leave its result behind.
pub(crate) async fn run<S, T, F, Fut>(
    what: &'static str,
    mut state: S,
    mut attempt: F,
) -> Result<T, StoreError>
where
    F: FnMut(S) -> Fut,
    Fut: Future<Output = (S, Result<T, Failure>)>,
{
    let mut retries = 0;
    loop {
        let (next, result) = attempt(state).await;
        state = next;
        match result {
            Ok(v) => return Ok(v),
            Err(Failure::Fatal(e)) => return Err(e),
            Err(Failure::Retry(e)) => {
                if retries >= MAX_RETRIES {
                    tracing::warn!(
                        operation = what,
                        retries,
                        error = %e,
                        "otpkit-sqlx: giving up after repeated lock conflicts"
                    );
                    return Err(StoreError::Conflict { retries });
                }
                retries += 1;
                tracing::debug!(
                    operation = what,
                    retry = retries,
                    error = %e,
                    "otpkit-sqlx: lock conflict, retrying the transaction"
                );
                tokio::time::sleep(backoff(retries)).await;
            }
        }
    }
}

/// [`run`] for an attempt that carries no state across retries (a read, a plain `DELETE`).
pub(crate) async fn run_stateless<T, F, Fut>(
    what: &'static str,
    mut attempt: F,
) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Failure>>,
{
    run(what, (), |()| {
        let fut = attempt();
        async move { ((), fut.await) }
    })
    .await
}

/// The pause before retry `n` (1-based): 5 ms · 2ⁿ⁻¹ plus up to as much random jitter, so
/// that transactions that deadlocked each other do not collide again in lock step.
fn backoff(n: u32) -> Duration {
    let base = 5u64 << n.saturating_sub(1).min(6);
    let jitter = getrandom::u64().unwrap_or(0) % (base + 1);
    Duration::from_millis(base + jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_small() {
        for n in 1..=MAX_RETRIES {
            let d = backoff(n).as_millis();
            let base = 5u128 << (n - 1);
            assert!((base..=2 * base).contains(&d), "{n}: {d}");
        }
        assert!(backoff(100).as_millis() <= 640);
    }

    #[tokio::test]
    async fn gives_up_after_three_retries() {
        let mut calls = 0u32;
        let r: Result<(), _> = run("test", (), |()| {
            calls += 1;
            async { ((), Err(Failure::Retry(sqlx::Error::PoolTimedOut))) }
        })
        .await;
        assert!(matches!(r, Err(StoreError::Conflict { retries: 3 })));
        assert_eq!(calls, 4);
    }

    #[tokio::test]
    async fn state_is_threaded_and_success_stops() {
        let r = run("test", 0u32, |n| async move {
            if n < 2 {
                (n + 1, Err(Failure::Retry(sqlx::Error::PoolTimedOut)))
            } else {
                (n, Ok(n))
            }
        })
        .await;
        assert_eq!(r.unwrap(), 2);
        let r: Result<(), _> = run("test", (), |()| async {
            ((), Err(Failure::Fatal(StoreError::Schema)))
        })
        .await;
        assert!(matches!(r, Err(StoreError::Schema)));
    }
}
