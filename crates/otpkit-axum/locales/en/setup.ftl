# The guided setup (package C): choose a method, connect it, save the backup codes, done.

## Steps

setup-steps-label = Setup steps
setup-step-choose = Choose a method
setup-step-connect = Connect it
setup-step-codes = Save backup codes
setup-step-done = Done

## Choose a method

setup-choose-title-first = Turn on two-step sign-in
setup-choose-title = Add a sign-in method
setup-choose-intro = After your password, you will also enter a code from the method you choose here. Someone who learns your password still cannot sign in.
setup-method-totp = Authenticator app
setup-recommended = Recommended
setup-method-totp-hint = Use an app such as Google Authenticator, Microsoft Authenticator or 1Password. It shows a new code every 30 seconds, even without a connection.
setup-method-email = Email codes
setup-method-email-hint = We send a code to your email address each time you sign in. Anyone who can read your email can use it.
setup-no-method = No sign-in method can be set up here. Please ask an administrator.
setup-cancel = Cancel
setup-other-method = Choose another method

## Authenticator app

setup-totp-title = Set up an authenticator app
setup-totp-default-name = Authenticator app
setup-totp-intro = You will scan a QR code with an authenticator app on your phone, then enter the code it shows.
setup-name-label = Name (optional)
setup-name-hint = Helps you tell your methods apart, for example “Work phone”.
setup-continue = Continue
setup-totp-scan-heading = 1. Scan the QR code
setup-totp-scan = Open your authenticator app, add an account and scan this code.
setup-totp-qr-label = QR code to scan with your authenticator app
setup-totp-key-intro = Can’t scan it? Enter this key in the app instead (time-based):
setup-copy-key = Copy the key
setup-key-copied = Key copied
setup-totp-show-uri = Show the setup link
setup-totp-code-heading = 2. Enter the code from the app
setup-code-label = Authentication code
setup-totp-code-hint = The { $digits }-digit code the app shows for this account.
setup-turn-on = Turn on

## Email codes

setup-email-title = Set up email codes
setup-email-warning = Email is the least secure method: anyone who can read your email can sign in with it.
setup-email-label = Email address
setup-email-hint = We will send a code to this address to check it.
setup-send-code = Send a code
setup-email-code-label = Email code
setup-email-code-hint = The code in the email we just sent you.
setup-resend = Send a new code

## Backup codes

setup-codes-title = Save your backup codes
setup-codes-title-plain = Backup codes
setup-codes-intro = If you lose your phone, you can sign in with one of these codes. Each code works once. Keep them somewhere safe, such as a password manager or a printed copy. They are shown only now.
setup-codes-download = Download
setup-codes-print = Print
setup-codes-copy = Copy
setup-codes-copied = Codes copied
setup-codes-done = Done
setup-codes-shown = Your backup codes were shown once, when they were made, and cannot be shown again.
setup-codes-lost = If you did not save them, make new ones: the new codes replace the old ones, which stop working.
setup-codes-make-new = Make new backup codes
setup-back = Back
setup-codes-unconfirmed = Please confirm that you have saved your backup codes.
setup-codes-saved = I have saved these codes

## Done

setup-done-title = Two-step sign-in is on
setup-done-named = “{ $name }” is set up.
setup-done-generic = Your sign-in method is set up.
setup-done-next-totp = Next time you sign in, enter your password and then a code from your authenticator app.
setup-done-next-email = Next time you sign in, enter your password and then a code from your email.
setup-done-next-other = Next time you sign in, enter your password and then a code.
setup-lost-heading = If you lose your phone
setup-lost-backup = Sign in with one of your backup codes instead of a code from the app.
setup-lost-new-phone = Then set up your new phone here and remove the old one from your sign-in methods.
setup-lost-admin = If you have no backup codes left, ask an administrator to reset your sign-in.
setup-done-continue = Continue
setup-done-manage = Manage your sign-in methods
setup-grace-reminder = Two-step verification will be required for your account from { $until }. Set it up now, or
setup-grace-later = continue without it for now
