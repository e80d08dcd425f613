//! A third-party interactive kind: the seed's `EmailOTPDevice`, with a cooldown of 60 s
//! between challenges and a throttle factor of 2 (2 s, 4 s, 8 s, … back-off), built on the
//! reusable `SideChannel` token store. The engine applies cooldown and throttling.
//!
//! Run: `cargo run -p otpkit --example email_otp_device`

use otpkit::engine::{ChallengeOptions, ChallengeOutcome, VerifyOptions, VerifyOutcome};
use otpkit::kind::side_channel::SideChannelResult;
use otpkit::kind::{
    Challenge, ChallengeError, Context, Delivery, DeviceKind, KindError, SideChannel, Verdict,
};
use otpkit::mailer::MemoryMailer;
use otpkit::{Engine, KeyRing, ManualClock, MemoryStore, Settings, Timestamp, UserId};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct EmailOtpDevice {
    email: String,
    #[serde(flatten)]
    side: SideChannel,
}

impl DeviceKind for EmailOtpDevice {
    const MODEL_LABEL: &'static str = "myapp.emailotpdevice";
    const VERBOSE_NAME: &'static str = "Email OTP device";
    const INTERACTIVE: bool = true;

    fn throttle_factor(&self, _: &Settings) -> u32 {
        2
    }

    fn cooldown_duration(&self, _: &Settings) -> u32 {
        60
    }

    fn verify(&mut self, token: &str, ctx: &mut Context<'_>) -> Result<Verdict, KindError> {
        Ok(match self.side.verify_token(ctx, token)? {
            SideChannelResult::Accepted => Verdict::Accepted,
            SideChannelResult::Malformed => Verdict::Malformed,
            _ => Verdict::Invalid,
        })
    }

    fn generate_challenge(
        &mut self,
        ctx: &mut Context<'_>,
    ) -> Result<Option<Challenge>, KindError> {
        if self.email.is_empty() {
            // A typed failure: the engine answers `ChallengeOutcome::Failed` with its text.
            return Err(ChallengeError::NoAddress.into());
        }
        let token = self.side.generate_token(ctx, 6, 300)?;
        let message = ctx
            .templates()
            .render(&self.email, &token, None)
            .map_err(ChallengeError::Render)?;
        Ok(Some(Challenge {
            message: "sent by email".into(),
            delivery: Delivery::Email(message),
        }))
    }

    fn side_channel(&mut self) -> Option<&mut SideChannel> {
        Some(&mut self.side)
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let clock = ManualClock::new(Timestamp::from_secs(1_767_261_600));
    let mailer = MemoryMailer::new();
    let engine = Engine::builder(MemoryStore::new(), KeyRing::random("k1")?)
        .clock(clock.clone())
        .mailer(mailer.clone())
        .register::<EmailOtpDevice>()
        .build()?;
    let bob = UserId::new("bob")?;
    let device = engine
        .create_device(&bob, None, true, |ctx| {
            Ok(EmailOtpDevice {
                email: "bob@example.com".into(),
                side: SideChannel::new(ctx.now()),
            })
        })
        .await?;
    let pid = device.persistent_id();
    let ch = ChallengeOptions::default();

    let first = engine.generate_challenge(&bob, &pid, &ch).await?;
    println!("challenge at +0s  -> {first:?}");
    assert!(matches!(first, ChallengeOutcome::Sent { .. }));

    clock.advance_secs(59);
    let early = engine.generate_challenge(&bob, &pid, &ch).await?;
    println!("challenge at +59s -> {early:?}");
    assert!(matches!(early, ChallengeOutcome::Cooldown(_)));

    clock.advance_secs(1);
    let again = engine.generate_challenge(&bob, &pid, &ch).await?;
    println!("challenge at +60s -> {again:?}");
    assert!(matches!(again, ChallengeOutcome::Sent { .. }));

    let mail = mailer.last().ok_or("no mail")?;
    let code: String = mail
        .text
        .expose()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    println!("mail to {} (code redacted here)", mail.to);

    let opts = VerifyOptions::default();
    let wrong = engine
        .verify_token_detailed(Some(&bob), &pid, "000000x", &opts)
        .await?;
    println!("wrong code        -> {wrong:?}");
    clock.advance_millis(1_999);
    let early = engine
        .verify_token_detailed(Some(&bob), &pid, &code, &opts)
        .await?;
    println!("right code +1.999s -> {early:?}");
    assert!(
        matches!(early, VerifyOutcome::NotAllowed(_)),
        "factor 2: 2 s back-off"
    );
    clock.advance_millis(1);
    let ok = engine
        .verify_token_detailed(Some(&bob), &pid, &code, &opts)
        .await?;
    println!(
        "right code +2.000s -> accepted: {}",
        matches!(ok, VerifyOutcome::Accepted(_))
    );
    assert!(matches!(ok, VerifyOutcome::Accepted(_)));
    let after = engine.generate_challenge(&bob, &pid, &ch).await?;
    assert!(
        matches!(after, ChallengeOutcome::Sent { .. }),
        "success resets the cooldown"
    );
    println!("ok: cooldown 60 s and throttle factor 2 applied by the engine");
    Ok(())
}
