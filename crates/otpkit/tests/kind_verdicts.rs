//! A kind's own refusals (`Verdict::Refused`, `Verdict::CounterRegressed`), its longest token
//! (`MAX_TOKEN_BYTES`) and `MATCHABLE = false`: what the engine does with them.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod common;

use common::*;
use otpkit::engine::VerifyOptions;
use otpkit::events::EventKind;
use otpkit::events::RecordingNotifier;
use otpkit::kind::{Context, DeviceKind, KindError, Verdict};
use otpkit::{Engine, KeyRing, ManualClock, MemoryStore, Rejection, Settings, Timestamp};
use serde::{Deserialize, Serialize};

/// Answers by the token's first word; tokens up to 200 bytes; never tried by `match_token`.
#[derive(Serialize, Deserialize)]
struct Document;

impl DeviceKind for Document {
    const MODEL_LABEL: &'static str = "test.document";
    const VERBOSE_NAME: &'static str = "Document";
    const MAX_TOKEN_BYTES: usize = 200;
    const MATCHABLE: bool = false;

    fn throttle_factor(&self, _: &Settings) -> u32 {
        0
    }

    fn verify(&mut self, token: &str, _ctx: &mut Context<'_>) -> Result<Verdict, KindError> {
        Ok(match token.split(' ').next() {
            Some("ok") => Verdict::Accepted,
            Some("origin") => Verdict::Refused("wrong_origin"),
            Some("cloned") => Verdict::CounterRegressed,
            Some("-") => Verdict::Malformed,
            _ => Verdict::Invalid,
        })
    }
}

#[tokio::test]
async fn a_kinds_own_refusals_count_and_report_their_reason() {
    let notes = RecordingNotifier::new();
    let e = Engine::builder(MemoryStore::new(), KeyRing::random("k1").unwrap())
        .clock(ManualClock::new(Timestamp::from_secs(1_000)))
        .notifier(notes.clone())
        .register::<Document>()
        .build()
        .unwrap();
    let d = e
        .create_device::<Document, _>(&alice(), None, true, |_| Ok(Document))
        .await
        .unwrap();
    let pid = d.persistent_id();
    let verify = |token: String| {
        let (e, pid) = (e.clone(), pid.clone());
        async move {
            e.verify_token_detailed(Some(&alice()), &pid, &token, &VerifyOptions::default())
                .await
                .unwrap()
        }
    };
    let out = verify("origin".into()).await;
    assert!(matches!(
        out,
        otpkit::VerifyOutcome::Rejected(Rejection::Kind("wrong_origin"))
    ));
    let out = verify("cloned".into()).await;
    assert!(matches!(
        out,
        otpkit::VerifyOutcome::Rejected(Rejection::CounterRegressed)
    ));
    assert_eq!(notes.count(EventKind::CounterRegressed), 1);
    let failures = |e: Engine, pid: String| async move {
        e.from_persistent_id(&pid)
            .await
            .unwrap()
            .unwrap()
            .throttle()
            .failure_count
    };
    assert_eq!(failures(e.clone(), pid.clone()).await, 2);
    // A 150-byte token reaches the kind (its limit is 200); a 201-byte one does not.
    let long_ok = format!("ok {}", "x".repeat(147));
    assert!(verify(long_ok).await.accepted().is_some());
    let too_long = format!("ok {}", "x".repeat(198));
    assert!(matches!(
        verify(too_long).await,
        otpkit::VerifyOutcome::Rejected(Rejection::Malformed)
    ));
    // match_token never tries it: no failure counted, nothing matched.
    let before = failures(e.clone(), pid.clone()).await;
    assert!(e.match_token(Some(&alice()), "ok").await.unwrap().is_none());
    assert_eq!(failures(e.clone(), pid.clone()).await, before);
}
