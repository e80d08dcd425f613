# Security emails (otpkit_axum::security_mail): a plain-text mail to the user when the sign-in
# methods of their account change. $site: the site's name; $method: one of the
# security-email-method-* texts; $when: the exact time in UTC.

security-email-method-totp = authenticator app
security-email-method-hotp = hardware token
security-email-method-email = email codes
security-email-method-static = backup codes
security-email-method-other = security device

security-email-added-subject = { $site }: a sign-in method was added to your account
security-email-added-body = This sign-in method was added to your account: { $method }.
security-email-removed-subject = { $site }: a sign-in method was removed from your account
security-email-removed-body = This sign-in method was removed from your account: { $method }.
security-email-regenerated-subject = { $site }: new backup codes were generated
security-email-regenerated-body = New backup codes were generated for your account. Your previous backup codes no longer work.
security-email-device-locked-subject = { $site }: a sign-in method was locked
security-email-device-locked-body = After too many wrong codes, this sign-in method of your account is locked: { $method }. It accepts no code until you unlock it from another method on your device list, or an administrator unlocks it.
security-email-account-locked-subject = { $site }: two-step sign-in to your account is locked
security-email-account-locked-body = After too many wrong codes, your account accepts no authentication code at all. An administrator has to unlock it.

security-email-greeting = Hello,
security-email-when = When: { $when }
security-email-change-advice = If this was you, there is nothing to do.
security-email-lock-advice = If you mistyped your codes, this is why.
security-email-not-you = If this wasn't you, sign in now, check your sign-in methods and change your password. If you cannot sign in, contact the site's administrator.
security-email-locked-not-you = If this wasn't you, someone who knows your password is trying to sign in: change your password now and contact the site's administrator.
security-email-footer = This is an automatic security notice from { $site }.
