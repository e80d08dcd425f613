# Passkeys und Sicherheitsschlüssel (Web-Teil von otpkit-webauthn). Du-Form, wie otpkits
# Anmeldeseiten.
passkey-use = Sicherheitsschlüssel oder Passkey verwenden
passkey-verify-title = Mit deinem Sicherheitsschlüssel anmelden
passkey-verify-hint = Drücke die Schaltfläche und berühre dann deinen Sicherheitsschlüssel oder bestätige mit der Bildschirmsperre deines Geräts.
passkey-other-method = Andere Methode verwenden
passkey-new-title = Sicherheitsschlüssel oder Passkey hinzufügen
passkey-new-intro = Ein Sicherheitsschlüssel oder Passkey meldet dich mit einer Berührung, einem Fingerabdruck oder der Bildschirmsperre deines Geräts an. Er kann nicht abgefischt werden.
passkey-name-label = Name
passkey-name-hint = Damit du deine Schlüssel unterscheiden kannst, zum Beispiel „Blauer Schlüssel“. Leer lassen, um das Modell des Schlüssels zu verwenden.
passkey-new-button = Hinzufügen
passkey-error = Das hat nicht geklappt. Bitte versuche es erneut oder verwende eine andere Methode.
passkey-needs-script = Dieser Schritt benötigt JavaScript in deinem Browser.
passkey-default-name = Passkey
# Anmeldung ohne Passwort (wenn die Website sie erlaubt).
passkey-sign-in-link = Mit einem Passkey anmelden
passkey-sign-in-title = Mit einem Passkey anmelden
passkey-sign-in-hint = Drücke den Knopf, wähle deinen Passkey und bestätige mit Fingerabdruck, Gesicht oder Bildschirmsperre. Kein Passwort nötig.
passkey-sign-in-button = Mit einem Passkey anmelden
passkey-sign-in-password = Stattdessen mit Passwort anmelden
passkey-sign-in-needs-fallback = Dein Konto hat noch keine andere Anmeldemethode. Melde dich mit deinem Passwort an und füge dann eine Authenticator-App oder Backup-Codes hinzu.
