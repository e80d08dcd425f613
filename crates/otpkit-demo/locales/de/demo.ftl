# Die eigenen Seiten der Demo (Start, Registrierung, geschützte Seite, Postausgang, Fehler)
# und ihr Layout. Das Layout verwendet auch die common-*-Nachrichten von otpkit.

## Layout
demo-nav-protected = Geschützte Seite
demo-nav-outbox = Postausgang
demo-nav-signup = Registrieren
demo-badge-verified = bestätigt
demo-footer = otpkit-Demo. Sitzungen bleiben erhalten (in ihrer Datenbank oder in Redis): Ein Neustart des Servers meldet niemanden ab.
demo-devmode = Entwicklungsmodus:
demo-devmode-banner = E-Mail-Codes werden nicht versendet. Du findest sie im Postausgang und in der Serverkonsole; setze OTPKIT_SMTP_URL, um sie zu versenden.
demo-devmode-open-outbox = Postausgang öffnen

## Seitentitel
demo-title-home = Start
demo-title-signup = Registrieren
demo-title-protected = Geschützte Seite
demo-title-outbox = Postausgang
demo-title-not-found = Seite nicht gefunden
demo-title-error = Etwas ist schiefgegangen
demo-title-expired = Seite abgelaufen

## Start
demo-home-heading = otpkit-Demo
demo-state-anonymous = Du bist nicht angemeldet.
demo-state-pending = Du hast dein Passwort eingegeben. Gib deinen Bestätigungscode ein, um die Anmeldung abzuschließen.
demo-state-authenticated = Du bist als { $user } nur mit deinem Passwort angemeldet: Diese Sitzung ist nicht mit einem zweiten Schritt bestätigt.
demo-state-verified = Du bist als { $user } angemeldet, und diese Sitzung ist mit „{ $device }“ bestätigt.
demo-state-verified-at = Bestätigt:
demo-try = Ausprobieren
demo-try-signup = Registrieren
demo-try-signup-hint = mit einem Benutzernamen und einem Passwort.
demo-try-sign-in = Anmelden
demo-try-sign-in-hint = wenn du schon ein Konto hast.
demo-try-finish = Anmeldung abschließen
demo-try-finish-hint = mit deinem Bestätigungscode.
demo-try-set-up = Bestätigung in zwei Schritten einrichten
demo-try-set-up-hint = mit einer Authenticator-App, E-Mail-Codes oder Backup-Codes.
demo-try-verify = Diese Sitzung bestätigen
demo-try-verify-hint = mit einem Bestätigungscode.
demo-try-protected = Die geschützte Seite öffnen
demo-try-protected-hint = nur bestätigte Sitzungen erreichen sie.
demo-try-manage = Bestätigung in zwei Schritten verwalten
demo-try-manage-hint = eine Authenticator-App oder E-Mail-Codes hinzufügen, neue Backup-Codes erstellen, eine Methode umbenennen oder entfernen.
demo-try-passkey-hint = mit einer Berührung oder der Bildschirmsperre statt mit einem Code anmelden; kann nicht abgefischt werden.
demo-try-again = Melde dich ab und wieder an, mit deinem Passwort und einem Bestätigungscode oder einem Backup-Code.
demo-try-admin = Die Verwaltung öffnen
demo-try-admin-hint = du gehörst zum Personal; sie verlangt eine bestätigte Sitzung.
demo-try-outbox = Den Postausgang lesen
demo-try-outbox-hint = im Entwicklungsmodus werden E-Mail-Codes nicht versendet.

## Registrierung
demo-signup-username = Benutzername
demo-signup-username-hint = Buchstaben, Ziffern und @ . + - _
demo-signup-email = E-Mail-Adresse (optional)
demo-signup-email-hint = E-Mail-Codes werden hierher gesendet, wenn du keine andere Adresse wählst.
demo-signup-password = Passwort
demo-signup-password-hint = Mindestens 8 Zeichen.
demo-signup-password2 = Passwort wiederholen
demo-signup-submit = Konto erstellen
demo-signup-have-account = Du hast schon ein Konto?
demo-signup-signed-in = Du bist als { $user } angemeldet. Melde dich ab, um ein weiteres Konto zu erstellen.
demo-signup-signed-in-refused = Du bist angemeldet. Melde dich ab, um ein weiteres Konto zu erstellen.
demo-signup-errors = Das Konto wurde nicht erstellt:
demo-signup-passwords-differ = Die beiden Passwörter stimmen nicht überein.
demo-signup-exists = Es gibt schon einen Benutzer mit diesem Benutzernamen.
demo-signup-username-length = { $max ->
       *[other] Der Benutzername muss 1 bis { $max } Zeichen lang sein.
    }
demo-signup-username-chars = Der Benutzername darf nur Buchstaben, Ziffern und @ . + - _ enthalten.
demo-signup-password-short = { $min ->
        [one] Das Passwort muss mindestens 1 Zeichen lang sein.
       *[other] Das Passwort muss mindestens { $min } Zeichen lang sein.
    }
demo-signup-password-long = Das Passwort darf höchstens { $max } Bytes lang sein.
demo-signup-email-invalid = Gib eine gültige E-Mail-Adresse ein (name@example.com) oder lass das Feld leer.
demo-signup-unreadable = Das Registrierungsformular konnte nicht gelesen werden. Bitte füll es noch einmal aus.
demo-signup-failed = Das Konto konnte nicht erstellt werden. Bitte versuche es später noch einmal.

## Geschützte Seite
demo-protected-welcome = Nur bestätigte Sitzungen erreichen diese Seite. Willkommen, { $user }: „{ $device }“ hat diese Sitzung bestätigt.
demo-protected-how = Diese Route ist in otp_required() eingebettet: Wer nicht angemeldet oder nicht bestätigt ist, wird zur Anmeldeseite geschickt und kommt danach hierher zurück.

## Postausgang
demo-outbox-note = Entwicklungsmodus: Diese E-Mails wurden nicht versendet, weil OTPKIT_SMTP_URL nicht gesetzt ist. Die Demo behält hier die letzten { $n }, die neueste zuerst, und gibt sie in der Serverkonsole aus. Wer diese Seite öffnen kann, kann jeden Code lesen: Mach den Entwicklungsmodus nie öffentlich zugänglich.
demo-outbox-date = Datum
demo-outbox-from = Von
demo-outbox-to = An
demo-outbox-subject = Betreff
demo-outbox-empty = Noch keine E-Mail. Füge in der Bestätigung in zwei Schritten E-Mail-Codes hinzu, oder fordere bei der Anmeldung einen E-Mail-Code an.
demo-outbox-none = Es gibt keinen Postausgang: E-Mails werden per SMTP versendet (OTPKIT_SMTP_URL).

## Fehler
demo-not-found = Unter dieser Adresse gibt es keine Seite.
demo-expired = Diese Seite ist abgelaufen. Bitte versuche es noch einmal.
demo-back-home = Zurück zur Startseite
demo-recent-link = Eine Seite, die eine frische Bestätigung verlangt
demo-recent-welcome = Du hast vor { $secs } Sekunden bestätigt, dass du es bist.
demo-recent-how = Diese Route steckt in step_up().max_age(60): Ist die Bestätigung älter als 60 Sekunden, wird sie erneut verlangt, danach kommst du hierher zurück.
