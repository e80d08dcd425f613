# Sicherheits-E-Mails (otpkit_axum::security_mail).

security-email-method-totp = Authenticator-App
security-email-method-hotp = Hardware-Token
security-email-method-email = E-Mail-Codes
security-email-method-static = Backup-Codes
security-email-method-other = Sicherheitsgerät

security-email-added-subject = { $site }: Eine Anmeldemethode wurde zu Ihrem Konto hinzugefügt
security-email-added-body = Diese Anmeldemethode wurde zu Ihrem Konto hinzugefügt: { $method }.
security-email-removed-subject = { $site }: Eine Anmeldemethode wurde aus Ihrem Konto entfernt
security-email-removed-body = Diese Anmeldemethode wurde aus Ihrem Konto entfernt: { $method }.
security-email-regenerated-subject = { $site }: Neue Backup-Codes wurden erstellt
security-email-regenerated-body = Für Ihr Konto wurden neue Backup-Codes erstellt. Ihre bisherigen Backup-Codes funktionieren nicht mehr.
security-email-device-locked-subject = { $site }: Eine Anmeldemethode wurde gesperrt
security-email-device-locked-body = Nach zu vielen falschen Codes ist diese Anmeldemethode Ihres Kontos gesperrt: { $method }. Sie nimmt keinen Code mehr an, bis Sie sie in Ihrer Geräteliste mit einer anderen Methode entsperren oder ein Administrator sie entsperrt.
security-email-account-locked-subject = { $site }: Die Zwei-Faktor-Anmeldung Ihres Kontos ist gesperrt
security-email-account-locked-body = Nach zu vielen falschen Codes nimmt Ihr Konto keinen Authentifizierungscode mehr an. Ein Administrator muss es entsperren.

security-email-greeting = Hallo,
security-email-when = Zeitpunkt: { $when }
security-email-change-advice = Wenn Sie das waren, müssen Sie nichts tun.
security-email-lock-advice = Wenn Sie sich bei Ihren Codes vertippt haben, ist das der Grund.
security-email-not-you = Wenn Sie das nicht waren, melden Sie sich jetzt an, prüfen Sie Ihre Anmeldemethoden und ändern Sie Ihr Passwort. Wenn Sie sich nicht anmelden können, wenden Sie sich an den Administrator der Website.
security-email-locked-not-you = Wenn Sie das nicht waren, versucht jemand, der Ihr Passwort kennt, sich anzumelden: Ändern Sie sofort Ihr Passwort und wenden Sie sich an den Administrator der Website.
security-email-footer = Dies ist eine automatische Sicherheitsmitteilung von { $site }.
