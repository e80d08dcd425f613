# The demo's own pages (home, sign-up, protected page, outbox, errors) and its layout.
# The layout also uses otpkit's common-* messages.

## Layout
demo-nav-protected = Protected page
demo-nav-outbox = Outbox
demo-nav-signup = Sign up
demo-badge-verified = verified
demo-footer = otpkit demo. Sessions are kept (in its database, or in Redis): restarting the server signs nobody out.
demo-devmode = Development mode:
demo-devmode-banner = email codes are not sent. Read them in the outbox or on the server console; set OTPKIT_SMTP_URL to send them.
demo-devmode-open-outbox = Open the outbox

## Page titles
demo-title-home = Home
demo-title-signup = Sign up
demo-title-protected = Protected page
demo-title-outbox = Outbox
demo-title-not-found = Page not found
demo-title-error = Something went wrong
demo-title-expired = Page expired

## Home
demo-home-heading = otpkit demo
demo-state-anonymous = You are not signed in.
demo-state-pending = You entered your password. Enter your authentication code to finish signing in.
demo-state-authenticated = You are signed in as { $user } with your password only: this session is not verified with a second step.
demo-state-verified = You are signed in as { $user }, and this session is verified with “{ $device }”.
demo-state-verified-at = Verified:
demo-try = Try it
demo-try-signup = Sign up
demo-try-signup-hint = with a username and a password.
demo-try-sign-in = Sign in
demo-try-sign-in-hint = if you already have an account.
demo-try-finish = Finish signing in
demo-try-finish-hint = with your authentication code.
demo-try-set-up = Set up two-step verification
demo-try-set-up-hint = with an authenticator app, email codes or backup codes.
demo-try-verify = Verify this session
demo-try-verify-hint = with an authentication code.
demo-try-protected = Open the protected page
demo-try-protected-hint = only verified sessions reach it.
demo-try-manage = Manage your two-step verification
demo-try-manage-hint = add an authenticator app or email codes, make new backup codes, rename or remove a method.
demo-try-passkey-hint = sign in with a touch or your screen lock instead of a code; it cannot be phished.
demo-try-again = Sign out, then sign in again with your password and an authentication code or a backup code.
demo-try-admin = Open the administration
demo-try-admin-hint = you are staff; it asks for a verified session.
demo-try-outbox = Read the outbox
demo-try-outbox-hint = email codes are not sent in development mode.

## Sign up
demo-signup-username = Username
demo-signup-username-hint = Letters, digits and @ . + - _
demo-signup-email = Email address (optional)
demo-signup-email-hint = Email codes are sent here unless you choose another address.
demo-signup-password = Password
demo-signup-password-hint = At least 8 characters.
demo-signup-password2 = Password again
demo-signup-submit = Create account
demo-signup-have-account = Already have an account?
demo-signup-signed-in = You are signed in as { $user }. Sign out to create another account.
demo-signup-signed-in-refused = You are signed in. Sign out to create another account.
demo-signup-errors = The account was not created:
demo-signup-passwords-differ = The two passwords differ.
demo-signup-exists = A user with that username already exists.
demo-signup-username-length = { $max ->
       *[other] The username must be 1 to { $max } characters long.
    }
demo-signup-username-chars = The username may contain only letters, digits and @ . + - _
demo-signup-password-short = { $min ->
        [one] The password must be at least 1 character long.
       *[other] The password must be at least { $min } characters long.
    }
demo-signup-password-long = The password must be at most { $max } bytes long.
demo-signup-email-invalid = Enter a valid email address (name@example.com), or leave it empty.
demo-signup-unreadable = The sign-up form could not be read. Please fill it in again.
demo-signup-failed = The account could not be created. Please try again later.

## Protected page
demo-protected-welcome = Only verified sessions reach this page. Welcome, { $user }: “{ $device }” verified this session.
demo-protected-how = This route is wrapped in otp_required(): a visitor who is not signed in, or not verified, is sent to the sign-in page and comes back here afterwards.

## Outbox
demo-outbox-note = Development mode: these emails were not sent, because OTPKIT_SMTP_URL is not set. The demo keeps the last { $n } here, newest first, and prints them on the server console. Anyone who can open this page can read every code: never expose development mode.
demo-outbox-date = Date
demo-outbox-from = From
demo-outbox-to = To
demo-outbox-subject = Subject
demo-outbox-empty = No email yet. Add email codes in your two-step verification settings, or ask for an email code when you sign in.
demo-outbox-none = There is no outbox: email is sent by SMTP (OTPKIT_SMTP_URL).

## Errors
demo-not-found = There is no page at this address.
demo-expired = This page expired. Please try again.
demo-back-home = Back to the home page
demo-recent-link = A page that needs a recent confirmation
demo-recent-welcome = You confirmed it's you { $secs } seconds ago.
demo-recent-how = This route is wrapped in step_up().max_age(60): a confirmation older than 60 seconds is asked for again, and you come back here afterwards.
