# Sicherheits-E-Mails (otpkit_axum::security_mail).

security-email-method-totp = Authenticator-App
security-email-method-hotp = Hardware-Token
security-email-method-email = E-Mail-Codes
security-email-method-static = Backup-Codes
security-email-method-other = Sicherheitsgerät

security-email-added-subject = { $site }: Eine Anmeldemethode wurde zu deinem Konto hinzugefügt
security-email-added-body = Diese Anmeldemethode wurde zu deinem Konto hinzugefügt: { $method }.
security-email-removed-subject = { $site }: Eine Anmeldemethode wurde aus deinem Konto entfernt
security-email-removed-body = Diese Anmeldemethode wurde aus deinem Konto entfernt: { $method }.
security-email-regenerated-subject = { $site }: Neue Backup-Codes wurden erstellt
security-email-regenerated-body = Für dein Konto wurden neue Backup-Codes erstellt. Deine bisherigen Backup-Codes funktionieren nicht mehr.
security-email-device-locked-subject = { $site }: Eine Anmeldemethode wurde gesperrt
security-email-device-locked-body = Nach zu vielen falschen Codes ist diese Anmeldemethode deines Kontos gesperrt: { $method }. Sie nimmt keinen Code mehr an, bis du sie in deiner Liste mit einer anderen Methode entsperrst oder eine Administratorin oder ein Administrator sie entsperrt.
security-email-account-locked-subject = { $site }: Die Bestätigung in zwei Schritten deines Kontos ist gesperrt
security-email-account-locked-body = Nach zu vielen falschen Codes nimmt dein Konto keinen Bestätigungscode mehr an. Eine Administratorin oder ein Administrator muss es entsperren.

security-email-greeting = Hallo,
security-email-when = Zeitpunkt: { $when }
security-email-change-advice = Wenn du das warst, musst du nichts tun.
security-email-lock-advice = Wenn du dich bei deinen Codes vertippt hast, ist das der Grund.
security-email-not-you = Wenn du das nicht warst, melde dich jetzt an, prüfe deine Anmeldemethoden und ändere dein Passwort. Wenn du dich nicht anmelden kannst, wende dich an die Verwaltung der Website.
security-email-locked-not-you = Wenn du das nicht warst, versucht jemand, der dein Passwort kennt, sich anzumelden: Ändere sofort dein Passwort und wende dich an die Verwaltung der Website.
security-email-footer = Dies ist eine automatische Sicherheitsmitteilung von { $site }.
