# Passkeys and security keys (otpkit-webauthn's web piece).
passkey-use = Use your security key or passkey
passkey-verify-title = Sign in with your security key
passkey-verify-hint = Press the button, then touch your security key or confirm with your device's screen lock.
passkey-other-method = Use another method
passkey-new-title = Add a security key or passkey
passkey-new-intro = A security key or passkey signs you in with a touch, a fingerprint or your device's screen lock. It cannot be phished.
passkey-name-label = Name
passkey-name-hint = So you can tell your keys apart, for example "Blue key". Leave it empty to use the key's model.
passkey-new-button = Add it
passkey-error = That did not work. Please try again, or use another method.
passkey-needs-script = This step needs JavaScript in your browser.
passkey-default-name = Passkey
# Passwordless sign-in (when the site allows it).
passkey-sign-in-link = Sign in with a passkey
passkey-sign-in-title = Sign in with a passkey
passkey-sign-in-hint = Press the button, choose your passkey and confirm with your fingerprint, face or screen lock. No password needed.
passkey-sign-in-button = Sign in with a passkey
passkey-sign-in-password = Sign in with your password instead
passkey-sign-in-needs-fallback = Your account has no other way to sign in yet. Sign in with your password, then add an authenticator app or backup codes.
