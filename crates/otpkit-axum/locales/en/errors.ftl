# Messages of the stable error codes (docs/behaviour.md §7.4). The codes never change; these
# sentences may. Arguments: $n (a number: seconds or a count), $arg (a text).
error-token_required = Please enter your authentication code.
error-challenge_exception = We could not send you a code. Please try again in a moment.
error-not_interactive = This method cannot send you a code. Enter a code from your authenticator app or a backup code.
error-challenge_message = We sent you a code. Enter it below.
error-invalid_token = That code is not valid. Check it and try again, or use the newest code.
error-n_failed_attempts = Too many wrong codes. Try again in { $n ->
        [one] 1 second
       *[other] { $n } seconds
    }.
error-verification_not_allowed = You cannot use this method right now. Please use another one.
error-device_required = Please choose how you want to confirm it's you.
error-device_locked = This method is locked after too many wrong codes. Use another method or ask an administrator to unlock it.
error-challenge_cooldown = Please wait { $n ->
        [one] 1 second
       *[other] { $n } seconds
    } before asking for another code.
error-no_device = Two-step verification is required, but your account has no method set up yet.
error-invalid_login = The username or password is not correct. Both are case-sensitive.
error-login_expired = Your sign-in took too long. Please sign in again.
error-otp_required = Please confirm it's you with an authentication code.
error-reauth_required = Please confirm it's you with an authentication code to continue.
error-csrf_failed = This page expired. Please try again.
error-bad_request = The request could not be understood.
error-internal_error = Signing in is unavailable right now. Please try again later.
error-payload_too_large = The request is too large.
error-not_found = That method was not found.
error-forbidden = You are not allowed to see this page.
error-unlock_not_allowed = You can unlock this method only after confirming it's you with another one.
error-kind_unavailable = Email codes are not available on this site.
error-step_up_required = Please confirm it's you again to continue.
error-enrolment_required = This site requires two-step verification for your account. Set up a method to continue.
