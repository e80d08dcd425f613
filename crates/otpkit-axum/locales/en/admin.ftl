# The admin area (/admin/): every user's sign-in methods.

admin-list-title = Sign-in methods of all users
admin-list-caption = Sign-in methods of all users, with their state
admin-add-link = Add a sign-in method
admin-filter-search = Search (user, name or email address)
admin-filter-all = All
admin-yes = Yes
admin-no = No
admin-any-date = Any date
admin-today = Today
admin-past-7-days = Past 7 days
admin-past-30-days = Past 30 days
admin-never = Never
admin-filter-button = Filter
admin-col-select = Select
admin-col-user = User
admin-col-name = Name
admin-col-kind = Kind
admin-col-added = Added
admin-col-last-used = Last used
admin-col-confirmed = Set up
admin-col-failures = Wrong codes in a row
admin-col-locked = Locked
admin-col-qr = QR code
admin-select = Select { $name }
admin-qr-link = Show the QR code
admin-none = No sign-in method matches.
admin-reset-selected = Unlock the selected methods

admin-add-title = Add a sign-in method
admin-field-user = User id
admin-kind-totp = Authenticator app (time-based)
admin-kind-hotp = Hardware token (counter-based)
admin-kind-email = Email codes
admin-kind-static = Backup codes
admin-field-name-optional = Name (optional)
admin-field-key = Key
admin-key-format = Key format
admin-format-base32 = base32
admin-format-hex = hex
admin-field-key-hint = For an authenticator app or a hardware token; leave it empty to generate one.
admin-field-email = Email address
admin-field-email-hint = For email codes; leave it empty to use the user's address.
admin-save = Save

admin-qr-alt = QR code of this sign-in method's configuration
admin-back-to-device = Back to the sign-in method

admin-device-title = Sign-in method
admin-config-title = Configuration
admin-codes-title = New backup codes
admin-new-key-once = The key of this sign-in method, shown only now:
admin-device-id = Persistent id
admin-locked = locked
admin-paused = paused; usable again
admin-codes-hint = Backup codes are shown only once, right after they are generated. To see codes again, generate new ones: they replace the current ones.
admin-key-current = Key (base32):
admin-field-new-key = New key (empty keeps the current one)
admin-field-digits = Digits (6–8)
admin-field-tolerance = Tolerance
admin-field-step = Step (seconds)
admin-field-t0 = T0 (Unix seconds)
admin-field-drift = Drift (steps)
admin-field-counter = Counter
admin-empty-keeps = Empty fields keep their current values (shown above).
admin-confirm-button = Mark as set up
admin-reset-button = Unlock (reset the wrong codes)
admin-codes-button = Generate backup codes
admin-delete-button = Delete
admin-back-to-list = Back to the list

admin-reset-done = { $n ->
    [one] Unlocked { $n } sign-in method.
   *[other] Unlocked { $n } sign-in methods.
}
admin-reset-skipped = Not unlocked: { $ids }, the method that verified this session.
admin-add-user-invalid = Enter a valid user id.
admin-add-kind-required = Choose a kind.

admin-invalid-range = { $field }: enter a whole number from { $min } to { $max }.
admin-invalid-integer = { $field }: enter a whole number.
admin-invalid-counter = { $field }: enter a whole number from 0 to 2⁶³ − 1.
admin-key-hidden = The key cannot be changed here.
admin-invalid-key = The key cannot be used: { $detail }

admin-remove-title = Delete “{ $name }” of { $user }?
admin-remove-what = { $user } will no longer be able to sign in with it; if it verified one of their sessions, that session is no longer verified.
admin-codes-confirm-title = Generate new backup codes for { $user }?
admin-codes-confirm-what = { $left ->
    [0] { $user } has no unused backup codes.
    [one] The unused backup code of { $user } stops working as soon as the new codes are made.
   *[other] The { $left } unused backup codes of { $user } stop working as soon as the new codes are made.
}
admin-codes-confirm-save = The new codes are shown once: hand them to { $user } in a safe way.

admin-sessions-end-button = Sign out all of { $user }’s sessions
admin-sessions-end-hint = Every browser where this user is signed in must sign in again.
admin-sessions-ended = { $n ->
    [0] { $user } had no session to sign out.
    [one] Signed out 1 session of { $user }.
   *[other] Signed out { $n } sessions of { $user }.
}
# Users without two-step verification (the two-step policy).
admin-users-title = Users without two-step verification
admin-users-intro = Users the two-step policy covers (setting: { $policy }) who have not set up a sign-in method yet.
admin-users-none = Every user the policy covers has a sign-in method.
admin-users-incomplete = The list stopped at its limit: not every user is shown.
admin-trusted-revoke-button = Revoke all of { $user }'s trusted browsers
admin-trusted-revoke-hint = Each of their browsers will ask for a code at the next sign-in.
admin-reenrol-recommended = Re-enrolment recommended
admin-reenrol-explain = This device came from django-otp with a key shorter than 16 bytes. It still works; ask its owner to set it up again and then remove this one.
