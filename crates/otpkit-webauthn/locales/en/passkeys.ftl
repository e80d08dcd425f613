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
