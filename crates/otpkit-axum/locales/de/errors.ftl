# Meldungen zu den festen Fehlercodes (docs/behaviour.md §7.4).
error-token_required = Bitte gib deinen Bestätigungscode ein.
error-challenge_exception = Wir konnten dir keinen Code senden. Bitte versuche es gleich noch einmal.
error-not_interactive = Mit dieser Methode kann kein Code gesendet werden. Gib einen Code aus deiner Authenticator-App oder einen Backup-Code ein.
error-challenge_message = Wir haben dir einen Code gesendet. Gib ihn unten ein.
error-invalid_token = Dieser Code ist ungültig. Prüfe ihn und versuche es erneut, oder nimm den neuesten Code.
error-n_failed_attempts = Zu viele falsche Codes. Versuche es in { $n ->
        [one] 1 Sekunde
       *[other] { $n } Sekunden
    } erneut.
error-verification_not_allowed = Diese Methode kannst du gerade nicht verwenden. Bitte nimm eine andere.
error-device_required = Bitte wähle, wie du bestätigen möchtest, dass du es bist.
error-device_locked = Diese Methode ist nach zu vielen falschen Codes gesperrt. Nimm eine andere Methode oder bitte eine Administratorin oder einen Administrator, sie zu entsperren.
error-challenge_cooldown = Bitte warte { $n ->
        [one] 1 Sekunde
       *[other] { $n } Sekunden
    }, bevor du einen neuen Code anforderst.
error-no_device = Die Bestätigung in zwei Schritten ist erforderlich, aber für dein Konto ist noch keine Methode eingerichtet.
error-invalid_login = Benutzername oder Passwort sind nicht korrekt. Achte bei beiden auf Groß- und Kleinschreibung.
error-login_expired = Deine Anmeldung hat zu lange gedauert. Bitte melde dich erneut an.
error-otp_required = Bitte bestätige mit einem Bestätigungscode, dass du es bist.
error-reauth_required = Bitte bestätige mit einem Bestätigungscode, dass du es bist, um fortzufahren.
error-csrf_failed = Diese Seite ist abgelaufen. Bitte versuche es erneut.
error-bad_request = Die Anfrage konnte nicht verstanden werden.
error-internal_error = Die Anmeldung ist gerade nicht möglich. Bitte versuche es später erneut.
error-payload_too_large = Die Anfrage ist zu groß.
error-not_found = Diese Methode wurde nicht gefunden.
error-forbidden = Du darfst diese Seite nicht sehen.
error-unlock_not_allowed = Du kannst diese Methode erst entsperren, nachdem du dich mit einer anderen bestätigt hast.
error-kind_unavailable = E-Mail-Codes sind auf dieser Website nicht verfügbar.
error-step_up_required = Bitte bestätige erneut, dass du es bist, um fortzufahren.
error-enrolment_required = Diese Website verlangt für dein Konto die Bestätigung in zwei Schritten. Richte eine Methode ein, um fortzufahren.
