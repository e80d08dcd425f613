# The email that carries a sign-in code (the email kind's challenge), unless the operator set
# OTP_EMAIL_SUBJECT / OTP_EMAIL_BODY_TEMPLATE. $token is where the code goes.
code-email-subject = Your verification code
code-email-text = Your verification code is { $token }. If you did not ask for it, someone may know your password: please change it.
