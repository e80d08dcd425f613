//! Creation and provisioning (docs/behaviour.md §2.1, §5, §5.5): new devices of every kind,
//! backup-code batches and static tokens, and the otpauth URI of an OATH device.

use crate::error::Error;
use crate::events::{Event, EventKind};
use crate::kind::{
    Context, DeviceKind, EmailDevice, HotpDevice, KindError, StaticDevice, TotpDevice,
};
use crate::oath::{Algorithm, Digits, OathKey};
use crate::otpauth::OtpAuth;
use crate::policy::{Cooldown, GenerateNotAllowed, VerifyNotAllowed};
use crate::record::{NewDevice, validate_name};
use crate::secret::SecretString;
use crate::store::{DeviceStoreExt, Write};
use crate::user::UserId;

use super::attempt::CtxExtra;
use super::{Device, Engine, HotpOptions, TotpOptions, key_or_random, option_err};

impl Engine {
    /// Creates a device of kind `K`; `build` makes its state with a context bound to the
    /// new persistent id (so secrets can be sealed to it). Emits `device_created`.
    pub async fn create_device<K, F>(
        &self,
        user: &UserId,
        name: Option<&str>,
        confirmed: bool,
        build: F,
    ) -> Result<Device, Error>
    where
        K: DeviceKind,
        F: FnOnce(&Context<'_>) -> Result<K, KindError> + Send + 'static,
    {
        let Some(kind) = self.inner.registry.get(K::MODEL_LABEL).cloned() else {
            return Err(Error::UnknownKind(K::MODEL_LABEL.to_owned()));
        };
        let name = name.unwrap_or(K::VERBOSE_NAME).to_owned();
        validate_name(&name)?;
        let now = self.inner.clock.now();
        let new = NewDevice {
            user: user.clone(),
            model_label: K::MODEL_LABEL.to_owned(),
            name,
            confirmed,
            created_at: now,
        };
        let inner = self.inner.clone();
        let owner = user.clone();
        let rec = self
            .inner
            .store
            .insert(
                new,
                Box::new(move |id| {
                    let pid = format!("{}/{}", K::MODEL_LABEL, id);
                    let ctx = Context::new(
                        now,
                        &inner.settings,
                        &inner.keys,
                        &pid,
                        &owner,
                        &inner.templates,
                    );
                    let k = build(&ctx)?;
                    serde_json::to_string(&k).map_err(|e| e.into())
                }),
            )
            .await?;
        let d = Device { record: rec, kind };
        self.inner.emit(Event::new(
            EventKind::DeviceCreated,
            Some(user),
            Some(&d.persistent_id()),
            now,
        ));
        Ok(d)
    }

    /// Creates a TOTP device (§5.1), validating every option.
    pub async fn create_totp(&self, user: &UserId, o: TotpOptions) -> Result<Device, Error> {
        let s = &self.inner.settings;
        let algorithm = o.algorithm.unwrap_or(s.totp.algorithm);
        let digits = Digits::new(o.digits.unwrap_or(s.totp.digits))
            .map_err(|_| option_err("digits", "must be 6, 7 or 8"))?;
        let step = o.step.unwrap_or(s.totp.step);
        if !(1..=120).contains(&step) {
            return Err(option_err("step", "must be 1 to 120 seconds"));
        }
        let tolerance = o.tolerance.unwrap_or(s.totp.tolerance);
        if tolerance > 10 {
            return Err(option_err("tolerance", "must be 0 to 10 steps"));
        }
        let key = key_or_random(o.key, algorithm)?;
        self.create_device::<TotpDevice, _>(user, o.name.as_deref(), !o.unconfirmed, move |ctx| {
            Ok(TotpDevice {
                key: ctx.seal(key.expose())?,
                algorithm,
                step,
                t0: o.t0.unwrap_or(0),
                digits,
                tolerance,
                drift: o.drift.unwrap_or(0),
                last_t: -1,
                legacy_key: false,
            })
        })
        .await
    }

    /// Creates an HOTP device (§5.2), validating every option.
    pub async fn create_hotp(&self, user: &UserId, o: HotpOptions) -> Result<Device, Error> {
        let algorithm = o.algorithm.unwrap_or(Algorithm::Sha1);
        let digits = Digits::new(o.digits.unwrap_or(6))
            .map_err(|_| option_err("digits", "must be 6, 7 or 8"))?;
        let tolerance = o.tolerance.unwrap_or(self.inner.settings.hotp.tolerance);
        if tolerance > 20 {
            return Err(option_err("tolerance", "must be 0 to 20 counters"));
        }
        let counter = o.counter.unwrap_or(0);
        if counter > crate::kind::hotp::MAX_COUNTER {
            return Err(option_err("counter", "must be 0 to 2^63-1"));
        }
        let key = key_or_random(o.key, algorithm)?;
        self.create_device::<HotpDevice, _>(user, o.name.as_deref(), !o.unconfirmed, move |ctx| {
            Ok(HotpDevice {
                key: ctx.seal(key.expose())?,
                algorithm,
                digits,
                tolerance,
                counter,
                legacy_key: false,
            })
        })
        .await
    }

    /// Creates an email device (§5.4). `email`, when given, must be one plain address of at
    /// most 254 characters ([`crate::kind::email::parse_address`]: no display name, no list,
    /// no whitespace); otherwise `InvalidOption { name: "email" }` and nothing is created.
    pub async fn create_email(
        &self,
        user: &UserId,
        name: Option<&str>,
        email: Option<String>,
        confirmed: bool,
    ) -> Result<Device, Error> {
        if let Some(e) = &email
            && crate::kind::email::parse_address(e).is_err()
        {
            return Err(option_err(
                "email",
                "must be an address of at most 254 characters",
            ));
        }
        self.create_device::<EmailDevice, _>(user, name, confirmed, move |ctx| {
            Ok(EmailDevice::new(email, ctx))
        })
        .await
    }

    /// Creates an empty static device.
    pub async fn create_static(
        &self,
        user: &UserId,
        name: Option<&str>,
        confirmed: bool,
    ) -> Result<Device, Error> {
        self.create_device::<StaticDevice, _>(
            user,
            name,
            confirmed,
            |_| Ok(StaticDevice::default()),
        )
        .await
    }

    /// The user's first static device (confirmed or not), or a new confirmed one named
    /// `Backup Code`.
    pub async fn static_device_for(&self, user: &UserId) -> Result<Device, Error> {
        match self
            .devices_of_kind::<StaticDevice>(user, None)
            .await?
            .into_iter()
            .next()
        {
            Some(d) => Ok(d),
            None => self.create_static(user, Some("Backup Code"), true).await,
        }
    }

    /// Replaces the user's backup codes with a batch of `count` (default
    /// `OTPKIT_STATIC_BATCH_SIZE`, 1–50) in one commit; returns the device and the codes,
    /// shown once. Emits `backup_codes_generated`.
    pub async fn generate_backup_codes(
        &self,
        user: &UserId,
        count: Option<usize>,
    ) -> Result<(Device, Vec<SecretString>), Error> {
        let count = count.unwrap_or(self.inner.settings.static_codes.batch_size as usize);
        if !(1..=50).contains(&count) {
            return Err(option_err("count", "must be 1 to 50 codes"));
        }
        let dev = self.static_device_for(user).await?;
        let codes = self
            .with_kind_state::<StaticDevice, _, _>(&dev.persistent_id(), move |s, ctx| {
                s.generate_batch(ctx, count)
            })
            .await?;
        let now = self.inner.clock.now();
        self.inner.emit(Event::new(
            EventKind::BackupCodesGenerated,
            Some(user),
            Some(&dev.persistent_id()),
            now,
        ));
        let dev = self
            .from_persistent_id(&dev.persistent_id())
            .await?
            .ok_or(Error::NotFound)?;
        Ok((dev, codes))
    }

    /// `addstatictoken`: adds `token` (or one random code) to the user's first static device
    /// (or a new `Backup Code` device); returns the device and the code.
    pub async fn add_static_token(
        &self,
        user: &UserId,
        token: Option<&str>,
    ) -> Result<(Device, SecretString), Error> {
        // A malformed token is refused before anything is created (no empty `Backup Code`
        // device left behind).
        if let Some(t) = token
            && crate::token::normalize_static(t).is_err()
        {
            return Err(Error::MalformedToken);
        }
        let dev = self.static_device_for(user).await?;
        let code = match token {
            Some(t) => SecretString::from(t),
            None => crate::kind::static_token::random_code()?,
        };
        let c2 = code.clone();
        let res = self
            .with_kind_state::<StaticDevice, _, _>(&dev.persistent_id(), move |s, ctx| {
                s.add_token(ctx, c2.expose())
            })
            .await?;
        match res {
            Ok(()) => Ok((dev, code)),
            Err(crate::kind::static_token::StaticTokenError::DuplicateToken) => {
                Err(Error::DuplicateToken)
            }
            Err(crate::kind::static_token::StaticTokenError::Malformed) => {
                Err(Error::MalformedToken)
            }
        }
    }

    /// Runs `f` on the typed state of device `pid` of kind `K` in one atomic transition and
    /// writes the state back; `f`'s error writes nothing. `f` may run more than once if the
    /// store retries the transition after a serialisation failure. For operations a kind offers beyond
    /// verification (backup code batches, …).
    pub async fn with_kind_state<K, F, R>(&self, pid: &str, f: F) -> Result<R, Error>
    where
        K: DeviceKind,
        R: Send + 'static,
        F: FnMut(&mut K, &Context<'_>) -> Result<R, KindError> + Send + 'static,
    {
        let Some((p, _)) = self.resolve(pid) else {
            return Err(Error::NotFound);
        };
        if p.model_label() != K::MODEL_LABEL {
            return Err(Error::WrongKind(K::VERBOSE_NAME));
        }
        let now = self.inner.clock.now();
        let inner = self.inner.clone();
        let mut f = f;
        let id = self.locate(&p).await?.ok_or(Error::NotFound)?;
        let done = self
            .inner
            .store
            .transition(id, move |rec| {
                if rec.model_label != K::MODEL_LABEL {
                    return (Write::None, None);
                }
                let res = (|| -> Result<(R, String), KindError> {
                    let mut k: K =
                        serde_json::from_str(&rec.state).map_err(KindError::StateDecode)?;
                    let pid = rec.persistent_id();
                    let r = {
                        let ctx = inner.ctx(now, rec, &pid, CtxExtra::default());
                        f(&mut k, &ctx)?
                    };
                    let s = serde_json::to_string(&k).map_err(KindError::StateEncode)?;
                    Ok((r, s))
                })();
                match res {
                    // Nothing changed (e.g. a refused explicit token): nothing is written.
                    Ok((r, s)) if s == rec.state => (Write::None, Some(Ok(r))),
                    Ok((r, s)) => {
                        rec.state = s;
                        (Write::Update, Some(Ok(r)))
                    }
                    Err(e) => (Write::None, Some(Err(e))),
                }
            })
            .await?;
        let value = done.and_then(|d| d.value).ok_or(Error::NotFound)?;
        Ok(value?)
    }

    // ----- provisioning ------------------------------------------------------------------

    /// The otpauth data of a TOTP/HOTP device with issuer, account and image filled in from
    /// the settings and the user directory (§5.5).
    pub async fn provisioning(&self, pid: &str) -> Result<OtpAuth, Error> {
        let dev = self.from_persistent_id(pid).await?.ok_or(Error::NotFound)?;
        let info = self.inner.users.lookup(dev.user()).await;
        let kind = dev.kind.clone();
        let rec = dev.record;
        let now = self.inner.clock.now();
        let loaded = kind.0.load(&rec.state)?;
        let pid = rec.persistent_id();
        let ctx = self.inner.ctx(now, &rec, &pid, CtxExtra::default());
        let mut auth = loaded
            .provisioning(&ctx)?
            .ok_or(Error::WrongKind(kind.verbose_name()))?;
        if let Some(name) = info.and_then(|i| i.display_name) {
            auth.account = name;
        }
        let s = &self.inner.settings;
        let is_totp = matches!(auth.kind, crate::otpauth::OtpAuthKind::Totp { .. });
        let issuer = if is_totp {
            &s.totp.issuer
        } else {
            &s.hotp.issuer
        };
        auth.issuer = issuer
            .as_ref()
            .and_then(|i| i.resolve(rec.user.as_str()))
            .map(|i| i.replace(':', ""))
            .filter(|i| !i.is_empty());
        if is_totp {
            auth.image = s
                .totp
                .image
                .as_ref()
                .and_then(|i| i.resolve(rec.user.as_str()));
        }
        Ok(auth)
    }

    /// `config_url`: the otpauth URI of a TOTP/HOTP device. It carries the secret.
    pub async fn config_url(&self, pid: &str) -> Result<SecretString, Error> {
        Ok(self.provisioning(pid).await?.to_uri())
    }

    /// The TOTP code of the device's current step (for tests, demos and the CLI).
    pub async fn current_totp(&self, pid: &str) -> Result<SecretString, Error> {
        let auth = self.provisioning(pid).await?;
        let dev = self.from_persistent_id(pid).await?.ok_or(Error::NotFound)?;
        let k: TotpDevice =
            serde_json::from_str(&dev.record.state).map_err(KindError::StateDecode)?;
        let key = OathKey::new(auth.algorithm, auth.secret.expose());
        let t = crate::oath::totp_step(self.now().as_secs(), k.t0, k.step, k.drift);
        crate::oath::totp_at(&key, t, k.digits)
            .map(SecretString::from)
            .ok_or(Error::NotFound)
    }

    /// Non-secret kind state for display (`device show`).
    pub fn info(&self, device: &Device) -> Result<serde_json::Value, Error> {
        Ok(device.kind.0.load(&device.record.state)?.info())
    }

    /// `verify_is_allowed()` by the throttle at `now`, without evaluating anything.
    pub fn verify_is_allowed(&self, device: &Device) -> Result<(), VerifyNotAllowed> {
        let Ok(dev) = device.kind.0.load(&device.record.state) else {
            return Ok(());
        };
        self.inner
            .throttle_for(dev.as_ref())
            .check(&device.record.throttle, self.now())
    }

    /// `generate_is_allowed()` by the cooldown at `now`.
    pub fn generate_is_allowed(&self, device: &Device) -> Result<(), GenerateNotAllowed> {
        let Ok(dev) = device.kind.0.load(&device.record.state) else {
            return Ok(());
        };
        Cooldown {
            duration_secs: dev.cooldown_duration(&self.inner.settings),
        }
        .check(device.record.last_generated_at, self.now())
    }

    /// `throttling_enabled` and `cooldown_enabled` for a device.
    pub fn policies(&self, device: &Device) -> (bool, bool) {
        match device.kind.0.load(&device.record.state) {
            Ok(dev) => (
                dev.throttle_factor(&self.inner.settings) > 0,
                dev.cooldown_duration(&self.inner.settings) > 0,
            ),
            Err(_) => (false, false),
        }
    }
}
