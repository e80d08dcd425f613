//! Concurrency (REQ-04, REQ-05): single use of one code and no lost failure count under
//! concurrent attempts, spread over both store instances.

use super::*;

async fn race<F, Fut>(n: usize, p: &Pair, f: F) -> Vec<VerifyOutcome>
where
    F: Fn(Engine, usize) -> Fut,
    Fut: std::future::Future<Output = VerifyOutcome> + Send + 'static,
{
    let mut handles = Vec::with_capacity(n);
    for i in 0..n {
        let e = if i % 2 == 0 { p.a.clone() } else { p.b.clone() };
        handles.push(tokio::spawn(f(e, i)));
    }
    let mut out = Vec::with_capacity(n);
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}

/// `token` for `pid` of `u`, `n` times at once, alternating the two engines.
async fn same_token(n: usize, p: &Pair, u: &UserId, pid: &str, token: &str) -> Vec<VerifyOutcome> {
    let (u, pid, token) = (u.clone(), pid.to_owned(), token.to_owned());
    race(n, p, move |e, _| {
        let (u, pid, token) = (u.clone(), pid.clone(), token.clone());
        async move {
            e.verify_token_detailed(Some(&u), &pid, &token, &VerifyOptions::default())
                .await
                .unwrap()
        }
    })
    .await
}

fn accepted(v: &[VerifyOutcome]) -> usize {
    v.iter()
        .filter(|o| matches!(o, VerifyOutcome::Accepted(_)))
        .count()
}

async fn version_of(e: &Engine, pid: &str) -> i64 {
    e.from_persistent_id(pid)
        .await
        .unwrap()
        .unwrap()
        .record()
        .version
}

/// REQ-04: 50 concurrent uses of one valid TOTP code → exactly one accepted and one write.
pub async fn concurrent_totp_single_use(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let p = engines(a, b, Settings::default());
    for rep in 0..repetitions() {
        let u = user(&format!("totp{rep}"));
        let d = p.a.create_totp(&u, rfc_totp()).await.unwrap();
        let pid = d.persistent_id();
        let code = code_at(otpkit_now(&p.clock).as_secs() / 30);
        let out = same_token(50, &p, &u, &pid, &code).await;
        assert_eq!(accepted(&out), 1, "rep {rep}: {out:?}");
        // One write consumed the step; every other write is one recorded failure (a replay);
        // throttled attempts write nothing.
        let rejected = out
            .iter()
            .filter(|o| matches!(o, VerifyOutcome::Rejected(_)))
            .count();
        assert_eq!(
            version_of(&p.a, &pid).await,
            1 + rejected as i64,
            "rep {rep}"
        );
        let dev = p.b.from_persistent_id(&pid).await.unwrap().unwrap();
        assert_eq!(dev.throttle().failure_count, rejected as u32, "rep {rep}");
        assert_eq!(
            p.b.info(&dev).unwrap()["last_t"],
            serde_json::json!(otpkit_now(&p.clock).as_secs() / 30)
        );
    }
}

/// REQ-04: HOTP at counter c, 50 concurrent uses of the code for c+2 → one success,
/// counter c+3.
pub async fn concurrent_hotp_single_use(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let p = engines(a, b, no_throttle());
    for rep in 0..repetitions() {
        let u = user(&format!("hotp{rep}"));
        let c = (rep % 5) as u64;
        let d =
            p.a.create_hotp(
                &u,
                HotpOptions {
                    key: Some(SecretBytes::new(RFC_KEY.to_vec())),
                    counter: Some(c),
                    ..HotpOptions::default()
                },
            )
            .await
            .unwrap();
        let pid = d.persistent_id();
        let code = OathKey::new(Algorithm::Sha1, RFC_KEY)
            .hotp(c + 2, Digits::SIX)
            .expose()
            .to_owned();
        let out = same_token(50, &p, &u, &pid, &code).await;
        assert_eq!(accepted(&out), 1, "rep {rep}");
        let dev = p.b.from_persistent_id(&pid).await.unwrap().unwrap();
        assert_eq!(p.b.info(&dev).unwrap()["counter"], serde_json::json!(c + 3));
    }
}

/// REQ-04: 50 concurrent uses of one backup code → one success; codes left drop by one.
pub async fn concurrent_backup_code_single_use(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let p = engines(a, b, no_throttle());
    for rep in 0..repetitions() {
        let u = user(&format!("static{rep}"));
        let (d, codes) = p.a.generate_backup_codes(&u, None).await.unwrap();
        let pid = d.persistent_id();
        let code = codes[rep % codes.len()].expose().to_owned();
        let out = same_token(50, &p, &u, &pid, &code).await;
        assert_eq!(accepted(&out), 1, "rep {rep}");
        let dev = p.b.from_persistent_id(&pid).await.unwrap().unwrap();
        assert_eq!(p.b.info(&dev).unwrap()["codes_left"], serde_json::json!(9));
    }
}

/// REQ-04: 50 concurrent uses of one email code → one success.
pub async fn concurrent_email_single_use(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let settings = Settings {
        email: EmailSettings {
            max_attempts: 10,
            ..Default::default()
        },
        ..no_throttle()
    };
    let p = engines(a, b, settings);
    for rep in 0..repetitions() {
        let u = user(&format!("email{rep}"));
        let d =
            p.a.create_email(&u, None, Some(format!("u{rep}@example.com")), true)
                .await
                .unwrap();
        let pid = d.persistent_id();
        let sent =
            p.b.generate_challenge(&u, &pid, &crate::engine::ChallengeOptions::default())
                .await
                .unwrap();
        assert!(
            matches!(sent, crate::engine::ChallengeOutcome::Sent { .. }),
            "{sent:?}"
        );
        let mail = p.mailer.last().unwrap();
        let code: String = mail
            .text
            .expose()
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        let out = same_token(50, &p, &u, &pid, &code).await;
        assert_eq!(accepted(&out), 1, "rep {rep}");
    }
}

/// REQ-05: 100 concurrent wrong guesses with throttling off raise the count by exactly 100.
pub async fn concurrent_failures_all_counted(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let p = engines(a, b, no_throttle());
    for rep in 0..repetitions() {
        let u = user(&format!("wrong{rep}"));
        let d = p.a.create_totp(&u, rfc_totp()).await.unwrap();
        let pid = d.persistent_id();
        let out = same_token(100, &p, &u, &pid, "abcdef").await;
        assert!(out.iter().all(|o| matches!(o, VerifyOutcome::Rejected(_))));
        let dev = p.b.from_persistent_id(&pid).await.unwrap().unwrap();
        assert_eq!(dev.throttle().failure_count, 100, "rep {rep}");
    }
}

/// REQ-05: with throttling on, of 100 concurrent wrong guesses at most one is evaluated.
pub async fn concurrent_failures_throttled(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let p = engines(a, b, Settings::default());
    for rep in 0..repetitions() {
        let u = user(&format!("thr{rep}"));
        let d = p.a.create_totp(&u, rfc_totp()).await.unwrap();
        let pid = d.persistent_id();
        let out = same_token(100, &p, &u, &pid, "000000").await;
        let evaluated = out
            .iter()
            .filter(|o| !matches!(o, VerifyOutcome::NotAllowed(_)))
            .count();
        assert!(evaluated <= 1, "rep {rep}: {evaluated} evaluated");
        let dev = p.b.from_persistent_id(&pid).await.unwrap().unwrap();
        assert_eq!(dev.throttle().failure_count, evaluated as u32);
    }
}

/// Creates two TOTP devices of a new user `name` and submits `token` 100 times concurrently,
/// 50 per device, alternating the two engines (store instances).
async fn wrong_guesses_over_two_devices(
    p: &Pair,
    name: &str,
    token: &'static str,
) -> (UserId, [String; 2], Vec<VerifyOutcome>) {
    let u = user(name);
    let d1 = p.a.create_totp(&u, rfc_totp()).await.unwrap();
    let d2 = p.a.create_totp(&u, rfc_totp()).await.unwrap();
    let pids = [d1.persistent_id(), d2.persistent_id()];
    let out = race(100, p, |e, i| {
        let (u, pid) = (u.clone(), pids[(i / 2) % 2].clone());
        async move {
            e.verify_token_detailed(Some(&u), &pid, token, &VerifyOptions::default())
                .await
                .unwrap()
        }
    })
    .await;
    (u, pids, out)
}

/// The account throttle (`OTPKIT_ACCOUNT_THROTTLING`, REQ-05): 100 concurrent wrong guesses
/// spread over two devices of one user with throttling off are all counted (the account
/// total is exactly 100, split exactly as sent), and the account is then locked out on both
/// devices (`OTPKIT_ACCOUNT_LOCKOUT_THRESHOLD` = 100).
pub async fn concurrent_account_failures_all_counted(
    a: Arc<dyn DeviceStore>,
    b: Arc<dyn DeviceStore>,
) {
    let p = engines(
        a,
        b,
        Settings {
            throttle: ThrottleSettings {
                account_lockout_threshold: 100,
                ..Default::default()
            },
            ..no_throttle()
        },
    );
    for rep in 0..repetitions() {
        let (u, pids, out) =
            wrong_guesses_over_two_devices(&p, &format!("acct{rep}"), "abcdef").await;
        assert!(
            out.iter().all(|o| matches!(o, VerifyOutcome::Rejected(_))),
            "rep {rep}"
        );
        for pid in &pids {
            let dev = p.b.from_persistent_id(pid).await.unwrap().unwrap();
            assert_eq!(dev.throttle().failure_count, 50, "rep {rep} {pid}");
        }
        let o =
            p.b.verify_token_detailed(Some(&u), &pids[0], "abcdef", &VerifyOptions::default())
                .await
                .unwrap();
        assert!(
            matches!(
                o,
                VerifyOutcome::NotAllowed(crate::policy::VerifyNotAllowed::LockedOut {
                    failure_count: 100
                })
            ),
            "rep {rep}: {o:?}"
        );
    }
}

/// The account throttle with the default policy: of 100 concurrent wrong guesses spread over
/// two devices of one user, at most one is evaluated — the other device's rows are locked for
/// the decision, so a guess on device 2 sees device 1's fresh failure (REQ-05, docs/behaviour.md
/// §2.9).
pub async fn concurrent_account_failures_throttled(
    a: Arc<dyn DeviceStore>,
    b: Arc<dyn DeviceStore>,
) {
    let p = engines(a, b, Settings::default());
    for rep in 0..repetitions() {
        let (_, pids, out) =
            wrong_guesses_over_two_devices(&p, &format!("acthr{rep}"), "000000").await;
        let evaluated = out
            .iter()
            .filter(|o| !matches!(o, VerifyOutcome::NotAllowed(_)))
            .count();
        assert!(evaluated <= 1, "rep {rep}: {evaluated} evaluated");
        let mut total = 0;
        for pid in &pids {
            total +=
                p.b.from_persistent_id(pid)
                    .await
                    .unwrap()
                    .unwrap()
                    .throttle()
                    .failure_count;
        }
        assert_eq!(total, evaluated as u32, "rep {rep}");
    }
}

/// `match_token`: of 50 concurrent calls with one valid code, exactly one returns a device.
pub async fn concurrent_match_token(a: Arc<dyn DeviceStore>, b: Arc<dyn DeviceStore>) {
    let p = engines(a, b, Settings::default());
    for rep in 0..repetitions().min(50) {
        let u = user(&format!("match{rep}"));
        p.a.create_totp(&u, rfc_totp()).await.unwrap();
        let (_, codes) = p.a.generate_backup_codes(&u, Some(3)).await.unwrap();
        let code = codes[0].expose().to_owned();
        let mut handles = Vec::new();
        for i in 0..50 {
            let e = if i % 2 == 0 { p.a.clone() } else { p.b.clone() };
            let (u, code) = (u.clone(), code.clone());
            handles.push(tokio::spawn(async move {
                e.match_token(Some(&u), &code).await.unwrap().is_some()
            }));
        }
        let mut wins = 0;
        for h in handles {
            wins += usize::from(h.await.unwrap());
        }
        assert_eq!(wins, 1, "rep {rep}");
        // The TOTP device evaluated the code in the losing calls: one failure each, and the
        // winner recorded none (§3).
        let devs = p.a.devices_for_user(Some(&u), None).await.unwrap();
        assert_eq!(
            devs[0].throttle().failure_count,
            1,
            "throttled after the first failure"
        );
    }
}
