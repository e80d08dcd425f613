# The device list (/devices/), its actions and confirmation pages.

devices-title = Your sign-in methods
devices-caption = Your sign-in methods, with what you can do with each
devices-col-name = Name
devices-col-kind = Kind
devices-col-details = Details
devices-col-last-used = Last used
devices-col-added = Added
devices-col-actions = Actions
devices-current = used for this session
devices-unconfirmed = setup not finished
devices-locked = locked after too many wrong codes
devices-throttled = paused after wrong codes; usable again
devices-new-name = New name
devices-rename-button = Rename
devices-unlock-button = Unlock
devices-regenerate-link = Get new backup codes
devices-remove-link = Remove
devices-none = You have no sign-in method besides your password yet.
devices-add-title = Add a sign-in method
devices-add-backup-codes = Get backup codes
devices-add-backup-codes-hint = Backup codes let you sign in when you cannot use your other methods. Each works once.
devices-cancel = Cancel

devices-kind-totp = Authenticator app
devices-kind-hotp = Hardware token
devices-kind-email = Email codes
devices-kind-static = Backup codes

devices-codes-left-of = { $left } of { $total } left
devices-codes-left = { $left ->
    [one] { $left } code left
   *[other] { $left } codes left
}

devices-name-required = Enter a name.
devices-name-too-long = Use at most { $max } characters.
devices-name-invalid = The name contains characters that are not allowed.

devices-renamed = Renamed to “{ $name }”.
devices-unlocked = “{ $name }” is unlocked.
devices-removed = Removed “{ $name }”.
devices-removed-own = You removed “{ $name }”, the method you signed in with. This session is no longer verified: verify with another method to continue.
devices-removed-own-last = You removed “{ $name }”, the method you signed in with. This session is no longer verified, and you have no sign-in method left: add one to protect your account.

devices-remove-title = Remove “{ $name }”?
devices-remove-what = You will no longer be able to sign in with it.
devices-remove-static = Your unused backup codes stop working.
devices-remove-current = You signed in with it in this session: afterwards, this session is no longer verified, and you verify with another method to manage your sign-in methods again.
devices-remove-last = It is your last sign-in method: afterwards, your password alone protects your account.
devices-remove-last-required = It is your last sign-in method: afterwards, you cannot sign in until an administrator gives you a new one.
devices-remove-button = Remove

devices-regenerate-title = Get new backup codes?
devices-regenerate-what = { $left ->
    [0] You have no unused backup codes.
    [one] Your unused backup code stops working as soon as the new codes are made.
   *[other] Your { $left } unused backup codes stop working as soon as the new codes are made.
}
devices-regenerate-save = The new codes are shown once: save them somewhere safe.
devices-regenerate-button = Get new backup codes

# "Your sessions" (/devices/, §7.7.1).
sessions-title = Your sessions
sessions-hint = Where you are signed in. If you do not recognise one, sign it out and change your password.
sessions-caption = Your signed-in sessions, with what you can do with each
sessions-col-device = Browser
sessions-col-signed-in = Signed in
sessions-col-last-seen = Last active
sessions-current = this session
sessions-agent = { $browser } on { $os }
sessions-agent-os = A browser on { $os }
sessions-agent-unknown = Unknown browser
sessions-end-button = Sign out
sessions-end-label = Sign out { $description }
sessions-end-others-button = Sign out all other sessions
sessions-ended-one = Signed out { $description }.
sessions-ended-others = { $n ->
    [0] There was no other session to sign out.
    [one] Signed out 1 other session.
   *[other] Signed out { $n } other sessions.
}
# Trusted browsers (the code step's "Trust this browser").
trusted-title = Trusted browsers
trusted-hint = These browsers sign you in with your password alone. Revoke one you no longer use or do not recognise.
trusted-caption = Your trusted browsers, with what you can do with each
trusted-col-trusted = Trusted
trusted-revoke-button = Revoke
trusted-revoke-label = Revoke { $description }
trusted-revoke-all-button = Revoke all trusted browsers
trusted-none = No browser is trusted. Tick "Trust this browser" when you enter a code to add one.
trusted-revoked-one = That browser will ask for a code again.
trusted-revoked-all = { $n ->
    [0] No browser was trusted.
    [one] 1 browser will ask for a code again.
   *[other] { $n } browsers will ask for a code again.
}
