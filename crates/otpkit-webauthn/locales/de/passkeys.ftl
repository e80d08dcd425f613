# Passkeys und Sicherheitsschlüssel (Web-Teil von otpkit-webauthn).
passkey-use = Sicherheitsschlüssel oder Passkey verwenden
passkey-verify-title = Mit Ihrem Sicherheitsschlüssel anmelden
passkey-verify-hint = Drücken Sie die Schaltfläche und berühren Sie dann Ihren Sicherheitsschlüssel oder bestätigen Sie mit der Bildschirmsperre Ihres Geräts.
passkey-other-method = Andere Methode verwenden
passkey-new-title = Sicherheitsschlüssel oder Passkey hinzufügen
passkey-new-intro = Ein Sicherheitsschlüssel oder Passkey meldet Sie mit einer Berührung, einem Fingerabdruck oder der Bildschirmsperre Ihres Geräts an. Er kann nicht abgefischt werden.
passkey-name-label = Name
passkey-name-hint = Damit Sie Ihre Schlüssel unterscheiden können, zum Beispiel „Blauer Schlüssel“. Leer lassen, um das Modell des Schlüssels zu verwenden.
passkey-new-button = Hinzufügen
passkey-error = Das hat nicht geklappt. Bitte versuchen Sie es erneut oder verwenden Sie eine andere Methode.
passkey-needs-script = Dieser Schritt benötigt JavaScript in Ihrem Browser.
passkey-default-name = Passkey
