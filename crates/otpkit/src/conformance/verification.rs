//! The engine on the store under test: TOTP, HOTP and the exact throttle boundary.

use super::*;

/// A TOTP code is accepted once; the same step again is a replay; the state survives a
/// read through the other instance.
pub async fn engine_totp(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let p = engines(a, b, Settings::default());
    let alice = user("alice");
    let d = p.a.create_totp(&alice, rfc_totp()).await.unwrap();
    let pid = d.persistent_id();
    let t = otpkit_now(&p.clock).as_secs() / 30;
    let out =
        p.b.verify_token_detailed(Some(&alice), &pid, &code_at(t), &VerifyOptions::default())
            .await
            .unwrap();
    assert!(matches!(out, VerifyOutcome::Accepted(_)), "{out:?}");
    p.clock.advance_secs(1);
    let again =
        p.a.verify_token_detailed(Some(&alice), &pid, &code_at(t), &VerifyOptions::default())
            .await
            .unwrap();
    assert!(
        matches!(
            again,
            VerifyOutcome::Rejected(crate::engine::Rejection::Replay)
        ),
        "{again:?}"
    );
    let rec = p.b.from_persistent_id(&pid).await.unwrap().unwrap();
    assert_eq!(rec.throttle().failure_count, 1);
    assert!(rec.last_used_at().is_some());
    let info = p.b.info(&rec).unwrap();
    assert_eq!(info["last_t"], serde_json::json!(t));
    // Someone else's device, an unknown id, and another kind's label are all NotFound.
    let bob = user("bob");
    for (u, id) in [
        (&bob, pid.clone()),
        (&alice, "otp_totp.totpdevice/999999".to_owned()),
        (
            &alice,
            pid.replace("otp_totp.totpdevice", "otp_hotp.hotpdevice"),
        ),
    ] {
        let o =
            p.a.verify_token_detailed(Some(u), &id, &code_at(t + 1), &VerifyOptions::default())
                .await
                .unwrap();
        assert!(matches!(o, VerifyOutcome::NotFound), "{id}: {o:?}");
    }
    assert_eq!(
        p.a.from_persistent_id(&pid)
            .await
            .unwrap()
            .unwrap()
            .record()
            .version,
        rec.record().version
    );
}

/// The exact throttle boundary on this store: refused 1 ms before `locked_until`,
/// evaluated at it.
pub async fn engine_throttle_boundary(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let p = engines(a, b, Settings::default());
    let u = user("gina");
    let d = p.a.create_totp(&u, rfc_totp()).await.unwrap();
    let pid = d.persistent_id();
    let opts = VerifyOptions::default();
    for n in 1..=4u32 {
        let o =
            p.a.verify_token_detailed(Some(&u), &pid, "000000x", &opts)
                .await
                .unwrap();
        assert!(matches!(o, VerifyOutcome::Rejected(_)), "{o:?}");
        let until = otpkit_now(&p.clock).add_secs(1 << (n - 1));
        p.clock.set(until.add_millis(-1));
        let o =
            p.b.verify_token_detailed(Some(&u), &pid, "000000x", &opts)
                .await
                .unwrap();
        assert!(
            matches!(o, VerifyOutcome::NotAllowed(VerifyNotAllowed::NFailedAttempts { failure_count, locked_until }) if failure_count == n && locked_until == until),
            "n={n}: {o:?}"
        );
        p.clock.set(until);
    }
}

/// HOTP: a code in the window is accepted and the counter moves past it.
pub async fn engine_hotp(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let p = engines(a, b, Settings::default());
    let u = user("hank");
    let d =
        p.a.create_hotp(
            &u,
            HotpOptions {
                key: Some(SecretBytes::new(RFC_KEY.to_vec())),
                ..HotpOptions::default()
            },
        )
        .await
        .unwrap();
    // RFC 4226 counter 3 → 969429: inside the default window of 6.
    let got =
        p.b.verify_token(Some(&u), &d.persistent_id(), "969429")
            .await
            .unwrap();
    assert!(got.is_some());
    let info =
        p.a.info(
            &p.a.from_persistent_id(&d.persistent_id())
                .await
                .unwrap()
                .unwrap(),
        )
        .unwrap();
    assert_eq!(info["counter"], serde_json::json!(4));
    assert!(
        p.a.verify_token(Some(&u), &d.persistent_id(), "969429")
            .await
            .unwrap()
            .is_none()
    );
}

/// Abandoned enrolments (docs/behaviour.md §7.6.1) are purged on this store: every
/// unconfirmed device older than the age, of every user, and nothing else — not a younger
/// one, not a confirmed one, not one confirmed (through the other instance) after it was
/// created.
pub async fn engine_purge_abandoned_enrolments(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let p = engines(a, b, Settings::default());
    let (alice, bob) = (user("alice"), user("bob"));
    let pending = || TotpOptions {
        unconfirmed: true,
        ..TotpOptions::default()
    };
    let old_alice = p.a.create_totp(&alice, pending()).await.unwrap();
    let old_bob = p.b.create_email(&bob, None, None, false).await.unwrap();
    let confirmed_later = p.a.create_totp(&bob, pending()).await.unwrap();
    let confirmed =
        p.b.create_totp(&alice, TotpOptions::default())
            .await
            .unwrap();
    p.clock.advance_secs(600);
    let young = p.a.create_totp(&alice, pending()).await.unwrap();
    p.b.confirm(&confirmed_later.persistent_id()).await.unwrap();
    p.clock.advance_secs(1);
    let age = std::time::Duration::from_secs(600);
    assert_eq!(p.b.purge_abandoned_enrolments(age).await.unwrap(), 2);
    for gone in [&old_alice, &old_bob] {
        let pid = gone.persistent_id();
        assert!(
            p.a.from_persistent_id(&pid).await.unwrap().is_none(),
            "{pid}"
        );
    }
    for kept in [&confirmed_later, &confirmed, &young] {
        let pid = kept.persistent_id();
        assert!(
            p.a.from_persistent_id(&pid).await.unwrap().is_some(),
            "{pid}"
        );
    }
    assert_eq!(p.a.purge_abandoned_enrolments(age).await.unwrap(), 0);
}
