//! The engine's outcomes as the pages answer them: one mapping of a verification, a match
//! over the passive devices and a challenge to a [`Step`] or a refusal, shared by login,
//! re-verification and enrolment. The `verification_failed` hook
//! runs here, with the engine's [`Rejection`], and so does the end of the sessions verified
//! by a device the failure locked.

use otpkit::engine::ChallengeOutcome;
use otpkit::policy::{GenerateNotAllowed, VerifyNotAllowed};
use otpkit::{Device, MatchOutcome, Rejection, UserId, VerifyOutcome};

use super::context::Page;
use super::refusal::PageError;
use crate::error::{Code, Problem, ceil_secs};

/// What a code step came to (a storage or crypto failure is a [`PageError::Internal`]).
pub(crate) enum Step {
    /// A device verified the code.
    Verified(Device),
    /// A challenge was sent (`challenge_message`); re-show the form with this device.
    Challenge(Problem, String),
    /// The code or challenge was refused, for this reason.
    Failed(Problem),
}

/// Maps a match over the passive devices; `pid` is the device the user pointed at (or the
/// preferred one), named in the `verification_failed` hook.
pub(crate) async fn map_match(
    page: &Page,
    user: &UserId,
    pid: &str,
    res: Result<MatchOutcome, otpkit::Error>,
) -> Result<Step, PageError> {
    match res {
        Ok(MatchOutcome::Accepted(d)) => Ok(Step::Verified(d)),
        Ok(MatchOutcome::Rejected(r)) => rejected(page, user, pid, r).await,
        Ok(MatchOutcome::NotAllowed(r)) => Ok(Step::Failed(not_allowed(page, r))),
        Ok(MatchOutcome::NoDevice) => Ok(Step::Failed(page.problem(Code::DeviceRequired, "", 0))),
        Err(e) => Err(verification_error(&e)),
    }
}

/// Maps a verification of one device (docs/behaviour.md §7.4).
pub(crate) async fn map_verify(
    page: &Page,
    user: &UserId,
    pid: &str,
    res: Result<VerifyOutcome, otpkit::Error>,
) -> Result<Step, PageError> {
    match res {
        Ok(VerifyOutcome::Accepted(d)) => Ok(Step::Verified(d)),
        Ok(VerifyOutcome::Rejected(r)) => rejected(page, user, pid, r).await,
        Ok(VerifyOutcome::NotFound) => Ok(Step::Failed(page.problem(Code::InvalidToken, "", 0))),
        Ok(VerifyOutcome::NotAllowed(r)) => Ok(Step::Failed(not_allowed(page, r))),
        Err(e) => Err(verification_error(&e)),
    }
}

/// An evaluated, rejected code: the `verification_failed` hook; if the failure locked a
/// device, the sessions it verified end (docs/behaviour.md §7.7.1); then `invalid_token`.
async fn rejected(
    page: &Page,
    user: &UserId,
    pid: &str,
    reason: Rejection,
) -> Result<Step, PageError> {
    page.kit.hooks().verification_failed(user, pid, reason);
    let state = page.state().await;
    crate::your_sessions::end_for_locked(&page.kit, &page.session, user, state.device())
        .await
        .map_err(|()| PageError::Internal)?;
    Ok(Step::Failed(page.problem(Code::InvalidToken, "", 0)))
}

/// A verification refused before evaluation: throttled, locked out, or the kind's own
/// refusal (with its message, if it has one).
fn not_allowed(page: &Page, refused: VerifyNotAllowed) -> Problem {
    match refused {
        VerifyNotAllowed::NFailedAttempts {
            failure_count,
            locked_until,
        } => {
            // The sentence gives the real wait; the count stays in the JSON fields.
            let wait = ceil_secs(page.kit.engine().now(), locked_until);
            let mut p = page.problem(Code::NFailedAttempts, &wait.to_string(), wait);
            p.failure_count = Some(failure_count);
            p.locked_until = Some(locked_until);
            p.retry_after = Some(wait);
            p
        }
        VerifyNotAllowed::LockedOut { failure_count } => {
            let n = u64::from(failure_count);
            let mut p = page.problem(Code::DeviceLocked, &n.to_string(), n);
            p.failure_count = Some(failure_count);
            p
        }
        VerifyNotAllowed::Kind { refusal } => {
            let mut p = page.problem(Code::VerificationNotAllowed, "", 0);
            if let Some(message) = refusal.message() {
                p.message = message.to_owned();
            }
            p
        }
    }
}

fn verification_error(e: &otpkit::Error) -> PageError {
    tracing::error!(target: "otpkit_axum", error = %e, "verification failed closed");
    PageError::Internal
}

/// Maps a challenge of device `pid` (docs/behaviour.md §7.4).
pub(crate) fn map_challenge(
    page: &Page,
    pid: &str,
    res: Result<ChallengeOutcome, otpkit::Error>,
) -> Result<Step, PageError> {
    let outcome = match res {
        Ok(outcome) => outcome,
        Err(e) => {
            tracing::error!(target: "otpkit_axum", error = %e, "challenge failed");
            return Err(PageError::Internal);
        }
    };
    let cooldown = |until| {
        let s = ceil_secs(page.kit.engine().now(), until);
        let mut p = page.problem(Code::ChallengeCooldown, &s.to_string(), s);
        p.retry_after = Some(s);
        p
    };
    Ok(match outcome {
        ChallengeOutcome::Sent { message } => Step::Challenge(
            page.problem(Code::ChallengeMessage, &message, 0),
            pid.to_owned(),
        ),
        ChallengeOutcome::NotFound | ChallengeOutcome::NotInteractive => {
            Step::Failed(page.problem(Code::NotInteractive, "", 0))
        }
        ChallengeOutcome::Cooldown(GenerateNotAllowed::CooldownDurationPending {
            next_generation_at,
        }) => Step::Failed(cooldown(next_generation_at)),
        ChallengeOutcome::Locked { failure_count } => {
            let n = u64::from(failure_count);
            let mut p = page.problem(Code::DeviceLocked, &n.to_string(), n);
            p.failure_count = Some(failure_count);
            Step::Failed(p)
        }
        ChallengeOutcome::Failed { message } => {
            Step::Failed(page.problem(Code::ChallengeException, &message, 0))
        }
        ChallengeOutcome::Limited(refused) => Step::Failed(cooldown(refused.next_allowed_at)),
    })
}
