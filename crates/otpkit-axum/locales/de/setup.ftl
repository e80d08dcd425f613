# Die geführte Einrichtung (Paket C): Methode wählen, verbinden, Backup-Codes speichern, fertig.

## Schritte

setup-steps-label = Schritte der Einrichtung
setup-step-choose = Methode wählen
setup-step-connect = Verbinden
setup-step-codes = Backup-Codes speichern
setup-step-done = Fertig

## Methode wählen

setup-choose-title-first = Anmeldung in zwei Schritten einschalten
setup-choose-title = Anmeldemethode hinzufügen
setup-choose-intro = Nach Ihrem Passwort geben Sie zusätzlich einen Code der hier gewählten Methode ein. Wer Ihr Passwort kennt, kann sich trotzdem nicht anmelden.
setup-method-totp = Authenticator-App
setup-recommended = Empfohlen
setup-method-totp-hint = Verwenden Sie eine App wie Google Authenticator, Microsoft Authenticator oder 1Password. Sie zeigt alle 30 Sekunden einen neuen Code, auch ohne Verbindung.
setup-method-email = Codes per E-Mail
setup-method-email-hint = Wir senden bei jeder Anmeldung einen Code an Ihre E-Mail-Adresse. Wer Ihre E-Mails lesen kann, kann ihn verwenden.
setup-no-method = Hier kann keine Anmeldemethode eingerichtet werden. Bitte wenden Sie sich an einen Administrator.
setup-cancel = Abbrechen
setup-other-method = Andere Methode wählen

## Authenticator-App

setup-totp-title = Authenticator-App einrichten
setup-totp-default-name = Authenticator-App
setup-totp-intro = Sie scannen einen QR-Code mit einer Authenticator-App auf Ihrem Telefon und geben dann den angezeigten Code ein.
setup-name-label = Name (optional)
setup-name-hint = Damit Sie Ihre Methoden unterscheiden können, zum Beispiel „Diensthandy“.
setup-continue = Weiter
setup-totp-scan-heading = 1. QR-Code scannen
setup-totp-scan = Öffnen Sie Ihre Authenticator-App, fügen Sie ein Konto hinzu und scannen Sie diesen Code.
setup-totp-qr-label = QR-Code zum Scannen mit Ihrer Authenticator-App
setup-totp-key-intro = Scannen klappt nicht? Geben Sie stattdessen diesen Schlüssel in der App ein (zeitbasiert):
setup-copy-key = Schlüssel kopieren
setup-key-copied = Schlüssel kopiert
setup-totp-show-uri = Einrichtungslink anzeigen
setup-totp-code-heading = 2. Code aus der App eingeben
setup-code-label = Bestätigungscode
setup-totp-code-hint = Der { $digits }-stellige Code, den die App für dieses Konto anzeigt.
setup-turn-on = Einschalten

## Codes per E-Mail

setup-email-title = Codes per E-Mail einrichten
setup-email-warning = E-Mail ist die unsicherste Methode: Wer Ihre E-Mails lesen kann, kann sich damit anmelden.
setup-email-label = E-Mail-Adresse
setup-email-hint = Wir senden einen Code an diese Adresse, um sie zu prüfen.
setup-send-code = Code senden
setup-email-code-label = Code aus der E-Mail
setup-email-code-hint = Der Code aus der E-Mail, die wir Ihnen gerade geschickt haben.
setup-resend = Neuen Code senden

## Backup-Codes

setup-codes-title = Backup-Codes speichern
setup-codes-title-plain = Backup-Codes
setup-codes-intro = Wenn Sie Ihr Telefon verlieren, können Sie sich mit einem dieser Codes anmelden. Jeder Code funktioniert einmal. Bewahren Sie sie sicher auf, zum Beispiel in einem Passwortmanager oder ausgedruckt. Sie werden nur jetzt angezeigt.
setup-codes-download = Herunterladen
setup-codes-print = Drucken
setup-codes-copy = Kopieren
setup-codes-copied = Codes kopiert
setup-codes-done = Fertig
setup-codes-shown = Ihre Backup-Codes wurden einmal angezeigt, als sie erstellt wurden, und können nicht noch einmal angezeigt werden.
setup-codes-lost = Wenn Sie sie nicht gespeichert haben, erstellen Sie neue: Die neuen Codes ersetzen die alten, die dann nicht mehr funktionieren.
setup-codes-make-new = Neue Backup-Codes erstellen
setup-back = Zurück
setup-codes-unconfirmed = Bitte bestätigen Sie, dass Sie Ihre Backup-Codes gespeichert haben.
setup-codes-saved = Ich habe diese Codes gespeichert

## Fertig

setup-done-title = Die Anmeldung in zwei Schritten ist eingeschaltet
setup-done-named = „{ $name }“ ist eingerichtet.
setup-done-generic = Ihre Anmeldemethode ist eingerichtet.
setup-done-next-totp = Bei der nächsten Anmeldung geben Sie Ihr Passwort und dann einen Code aus Ihrer Authenticator-App ein.
setup-done-next-email = Bei der nächsten Anmeldung geben Sie Ihr Passwort und dann einen Code aus Ihrer E-Mail ein.
setup-done-next-other = Bei der nächsten Anmeldung geben Sie Ihr Passwort und dann einen Code ein.
setup-lost-heading = Wenn Sie Ihr Telefon verlieren
setup-lost-backup = Melden Sie sich mit einem Ihrer Backup-Codes statt mit einem Code aus der App an.
setup-lost-new-phone = Richten Sie dann hier Ihr neues Telefon ein und entfernen Sie das alte aus Ihren Anmeldemethoden.
setup-lost-admin = Wenn Sie keine Backup-Codes mehr haben, bitten Sie einen Administrator, Ihre Anmeldung zurückzusetzen.
setup-done-continue = Weiter
setup-done-manage = Anmeldemethoden verwalten
setup-grace-reminder = Ab { $until } ist die Bestätigung in zwei Schritten für dein Konto Pflicht. Richte sie jetzt ein oder
setup-grace-later = mach vorerst ohne weiter
